//! Partition pruning (StarRocks `PartitionPruner` / `RangePartitionPruner`,
//! `ListPartitionPruner`): from the scan's pushed conjuncts on partition columns, the
//! partitions that may hold matching rows. Conservative: a conjunct it cannot judge keeps the
//! partition (DataFusion still filters every row above the scan), so pruning never drops a
//! matching row.
//!
//! Ranges are judged on their first column (for multi-column ranges, a row of `[lo, hi)` has
//! `lo[0] <= x <= hi[0]`; for one column `lo <= x < hi`). NULL rows live only in the partition
//! whose lower bound is the type minimum (range) and in no list partition.

use crate::catalog::partition_info::PartitionInfo;
use crate::catalog::partition_value::PartitionValue;
use starload_proto::be::{CompareOp, ScanPredicate};
use std::cmp::Ordering;

/// Whether each of `partition_ids` may hold rows matching every one of `predicates`.
pub fn keep_partitions(
    info: &PartitionInfo,
    partition_ids: &[i64],
    predicates: &[ScanPredicate],
) -> Vec<bool> {
    let columns = info.columns();
    let mut keep = vec![true; partition_ids.len()];
    for pred in predicates {
        let Some(col_pos) = columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&pred.column))
        else {
            continue;
        };
        let op = pred.op();
        let value = match op {
            CompareOp::IsNull | CompareOp::IsNotNull => None,
            _ => match PartitionValue::parse(&pred.literal, &columns[col_pos].data_type) {
                Ok(v) => Some(v),
                // A literal the column type cannot hold: judge nothing.
                Err(_) => continue,
            },
        };
        for (i, id) in partition_ids.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            keep[i] = may_match(info, *id, col_pos, op, value.as_ref());
        }
    }
    keep
}

fn may_match(
    info: &PartitionInfo,
    id: i64,
    col_pos: usize,
    op: CompareOp,
    value: Option<&PartitionValue>,
) -> bool {
    if let Some(r) = info.range_info() {
        let Some(item) = r.range_of(id) else {
            return true;
        };
        // Only the first column bounds every row; other columns are not judged.
        if col_pos != 0 {
            return true;
        }
        let single = r.columns.len() == 1;
        let (Some(lo), Some(hi)) = (item.lower.0.first(), item.upper.0.first()) else {
            return true;
        };
        let below_hi = |v: &PartitionValue| match hi.cmp(v) {
            Ordering::Greater => true,
            Ordering::Equal => !single,
            Ordering::Less => false,
        };
        return match (op, value) {
            (CompareOp::IsNull, _) => item.lower.is_min_value(&r.columns),
            (CompareOp::IsNotNull, _) | (CompareOp::Ne, _) => true,
            (CompareOp::Eq, Some(v)) => lo <= v && below_hi(v),
            (CompareOp::Lt, Some(v)) => lo < v,
            (CompareOp::Le, Some(v)) => lo <= v,
            (CompareOp::Gt, Some(v)) | (CompareOp::Ge, Some(v)) => below_hi(v),
            _ => true,
        };
    }
    if let Some(l) = info.list_info() {
        let Some(item) = l.item_of(id) else {
            return true;
        };
        return match (op, value) {
            (CompareOp::IsNull, _) => false,
            (CompareOp::IsNotNull, _) => true,
            (op, Some(v)) => item.values.iter().any(|t| match t.get(col_pos) {
                Some(x) => match op {
                    CompareOp::Eq => x == v,
                    CompareOp::Ne => x != v,
                    CompareOp::Lt => x < v,
                    CompareOp::Le => x <= v,
                    CompareOp::Gt => x > v,
                    CompareOp::Ge => x >= v,
                    _ => true,
                },
                None => true,
            }),
            _ => true,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_info::{
        ListItem, ListPartitionInfo, NewRange, PartitionColumn, PartitionKey, RangePartitionInfo,
    };
    use crate::catalog::partition_value::Date;
    use crate::catalog::types::DataType;

    fn d(s: &str) -> PartitionValue {
        PartitionValue::Date(Date::parse(s).unwrap())
    }

    fn months() -> PartitionInfo {
        let mut r = RangePartitionInfo::new(vec![PartitionColumn {
            name: "dt".into(),
            data_type: DataType::Date,
        }]);
        for (id, upper) in [(1, "2020-06-01"), (2, "2020-07-01"), (3, "2020-08-01")] {
            r.add_range(id, &NewRange::LessThan(PartitionKey(vec![d(upper)])))
                .unwrap();
        }
        PartitionInfo::Range(r)
    }

    fn pred(op: CompareOp, lit: &str) -> ScanPredicate {
        ScanPredicate {
            column: "dt".into(),
            op: op as i32,
            literal: lit.into(),
        }
    }

    #[test]
    fn ranges_keep_only_partitions_that_can_match() {
        let info = months();
        let ids = [1, 2, 3];
        let between = [
            pred(CompareOp::Ge, "2020-06-10"),
            pred(CompareOp::Lt, "2020-06-20"),
        ];
        assert_eq!(
            keep_partitions(&info, &ids, &between),
            vec![false, true, false]
        );
        // The upper bound is exclusive: 2020-07-01 is July's.
        assert_eq!(
            keep_partitions(&info, &ids, &[pred(CompareOp::Eq, "2020-07-01")]),
            vec![false, false, true]
        );
        assert_eq!(
            keep_partitions(&info, &ids, &[pred(CompareOp::Ge, "2020-07-01")]),
            vec![false, false, true]
        );
        assert_eq!(
            keep_partitions(&info, &ids, &[pred(CompareOp::Le, "2020-06-01")]),
            vec![true, true, false]
        );
        // NULL lives in the partition starting at the minimum.
        assert_eq!(
            keep_partitions(&info, &ids, &[pred(CompareOp::IsNull, "")]),
            vec![true, false, false]
        );
        // Unjudgeable literals and other columns keep everything.
        assert_eq!(
            keep_partitions(&info, &ids, &[pred(CompareOp::Eq, "not a date")]),
            vec![true, true, true]
        );
        let mut other = pred(CompareOp::Eq, "2020-06-05");
        other.column = "k".into();
        assert_eq!(
            keep_partitions(&info, &ids, &[other]),
            vec![true, true, true]
        );
    }

    #[test]
    fn lists_keep_partitions_holding_the_value() {
        let mut l = ListPartitionInfo::new(vec![PartitionColumn {
            name: "city".into(),
            data_type: DataType::Varchar(Some(10)),
        }]);
        l.add_item(ListItem {
            partition_id: 1,
            values: vec![vec![PartitionValue::Str("Tokyo".into())]],
        })
        .unwrap();
        l.add_item(ListItem {
            partition_id: 2,
            values: vec![
                vec![PartitionValue::Str("Osaka".into())],
                vec![PartitionValue::Str("Kyoto".into())],
            ],
        })
        .unwrap();
        let info = PartitionInfo::List(l);
        let p = ScanPredicate {
            column: "CITY".into(),
            op: CompareOp::Eq as i32,
            literal: "Kyoto".into(),
        };
        assert_eq!(keep_partitions(&info, &[1, 2], &[p]), vec![false, true]);
    }
}
