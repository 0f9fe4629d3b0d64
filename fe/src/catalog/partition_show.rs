//! How StarRocks prints partitioning: the partition clause of SHOW CREATE TABLE
//! (`RangePartitionInfo.toSql`, `ListPartitionInfo.toSql`, `ExpressionRangePartitionInfo.
//! toSql`) and the rows of SHOW PARTITIONS (`common/proc/PartitionsProcDir.java`, shared-nothing
//! layout, 17 columns; the 3.x docs of SHOW_PARTITIONS list the same columns).
//!
//! Pure functions of the catalog types; the caller brings what the catalog does not know
//! (time formatting in the session zone, data sizes and row counts from the BEs).

use super::partition_info::{ExpressionPartitionInfo, ListPartitionInfo, PartitionInfo};
use super::table::{DistributionKind, Table};

/// `partitionColumns... toSql`: the clause SHOW CREATE TABLE prints between the key/comment
/// lines and `DISTRIBUTED BY` (None for an unpartitioned table). `name_of` gives a partition's
/// name by id (partitions without one are skipped, as StarRocks skips missing partitions).
///
/// Range tables print every partition as a fixed range, sorted by lower bound:
/// ```text
/// PARTITION BY RANGE(`dt`)
/// (PARTITION p1 VALUES [("0000-01-01"), ("2020-06-01")),
/// PARTITION p2 VALUES [("2020-06-01"), (MAXVALUE)))
/// ```
/// Per-partition `replication_num` different from the table's (printed by StarRocks as
/// `("replication_num" = "n")`) does not exist in starload: every partition has the table's.
pub fn partition_clause_sql(
    info: &PartitionInfo,
    name_of: &dyn Fn(i64) -> Option<String>,
) -> Option<String> {
    match info {
        PartitionInfo::Unpartitioned => None,
        PartitionInfo::Range(r) => {
            let cols: Vec<String> = r.columns.iter().map(|c| format!("`{}`", c.name)).collect();
            let parts: Vec<String> = r
                .ranges
                .iter()
                .filter_map(|item| {
                    let name = name_of(item.partition_id)?;
                    Some(format!(
                        "PARTITION {name} VALUES [{}, {})",
                        item.lower.to_sql(),
                        item.upper.to_sql()
                    ))
                })
                .collect();
            Some(format!(
                "PARTITION BY RANGE({})\n({})",
                cols.join(", "),
                parts.join(",\n")
            ))
        }
        PartitionInfo::List(l) => Some(list_sql(l, false, name_of)),
        PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => {
            Some(list_sql(l, true, name_of))
        }
        PartitionInfo::Expression(ExpressionPartitionInfo::Time { function, ranges }) => {
            let col = ranges
                .columns
                .first()
                .map(|c| c.name.as_str())
                .unwrap_or("");
            Some(format!("PARTITION BY {}", function.to_sql(col)))
        }
    }
}

/// `ListPartitionInfo.toSql`: `PARTITION BY LIST(`a`,`b`)(\n  PARTITION p VALUES IN (...),\n
/// ...\n)`; automatic (column expression) tables print only `PARTITION BY (`a`,`b`)`.
/// StarRocks walks a HashMap keyed by partition id; here partitions come in creation order.
fn list_sql(
    l: &ListPartitionInfo,
    automatic: bool,
    name_of: &dyn Fn(i64) -> Option<String>,
) -> String {
    let cols: Vec<String> = l.columns.iter().map(|c| format!("`{}`", c.name)).collect();
    let mut s = String::from("PARTITION BY ");
    if !automatic {
        s.push_str("LIST");
    }
    s.push('(');
    s.push_str(&cols.join(","));
    s.push(')');
    if automatic {
        return s;
    }
    let parts: Vec<String> = l
        .items
        .iter()
        .filter_map(|item| {
            let name = name_of(item.partition_id)?;
            Some(format!(
                "  PARTITION {name} VALUES IN {}",
                l.values_format(item.partition_id)
            ))
        })
        .collect();
    s.push_str("(\n");
    s.push_str(&parts.join(",\n"));
    s.push_str("\n)");
    s
}

/// SHOW PARTITIONS column names (shared-nothing `PartitionsProcDir`); the 8th is `List` for
/// list-partitioned tables and `Range` otherwise. These 17 are what the 3.x (2.5 through 4.0)
/// documentation of SHOW PARTITIONS lists for shared-nothing clusters and what the
/// shared-nothing branch of `PartitionsProcDir` builds; StarRocks's main branch has since added
/// five more (`StorageSize`, `DataVersion`, `VersionEpoch`, `VersionTxnType`,
/// `TabletBalanced`), which 3.4 does not send.
pub fn show_partitions_columns(info: &PartitionInfo) -> Vec<&'static str> {
    let range_or_list = if info.list_info().is_some() {
        "List"
    } else {
        "Range"
    };
    vec![
        "PartitionId",
        "PartitionName",
        "VisibleVersion",
        "VisibleVersionTime",
        "VisibleVersionHash",
        "State",
        "PartitionKey",
        range_or_list,
        "DistributionKey",
        "Buckets",
        "ReplicationNum",
        "StorageMedium",
        "CooldownTime",
        "LastConsistencyCheckTime",
        "DataSize",
        "IsInMemory",
        "RowCount",
    ]
}

/// What SHOW PARTITIONS needs from outside the catalog for one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionStats {
    /// `ByteSizeValue` text of the stored bytes (e.g. `0B`), as the caller formats it.
    pub data_size: String,
    pub row_count: i64,
}

/// StarRocks's default cooldown time (`DataProperty.MAX_COOLDOWN_TIME_MS`: 9999-12-31
/// 23:59:59 in UTC+8, where it was written), printed for partitions without a cooldown in
/// the zone `time_string` uses (`9999-12-31 15:59:59` in UTC).
pub const MAX_COOLDOWN_TIME_MS: i64 = 253_402_271_999_000;

/// SHOW PARTITIONS rows of `table` partitioned by `info`, in StarRocks's order (range tables
/// by lower bound, others in creation order). `time_string` is `TimeUtils.longToTimeString`
/// in the session's zone (`NULL` for 0); `stats` gives each partition's size and rows.
pub fn show_partitions_rows(
    table: &Table,
    info: &PartitionInfo,
    time_string: &dyn Fn(i64) -> String,
    stats: &dyn Fn(i64) -> PartitionStats,
) -> Vec<Vec<String>> {
    let ids: Vec<i64> = match info.range_info() {
        Some(r) => r.ranges.iter().map(|i| i.partition_id).collect(),
        None => table.partitions.iter().map(|p| p.id).collect(),
    };
    let partition_key: Vec<&str> = info.columns().iter().map(|c| c.name.as_str()).collect();
    let distribution_key = match &table.distribution.kind {
        DistributionKind::Hash(cols) => cols
            .iter()
            .map(|c| {
                table
                    .column(c)
                    .map(|col| col.name.clone())
                    .unwrap_or_else(|| c.clone())
            })
            .collect::<Vec<_>>()
            .join(", "),
        DistributionKind::Random => "ALL KEY".to_string(),
    };
    let in_memory = table
        .properties
        .get("in_memory")
        .map(|v| v.eq_ignore_ascii_case("true"))
        .unwrap_or(false);
    let medium = table
        .properties
        .get("storage_medium")
        .map(|m| m.to_ascii_uppercase())
        .unwrap_or_else(|| "HDD".to_string());
    ids.iter()
        .filter_map(|id| table.partitions.iter().find(|p| p.id == *id))
        .map(|p| {
            let st = stats(p.id);
            vec![
                p.id.to_string(),
                p.name.clone(),
                p.visible_version.to_string(),
                time_string(p.visible_version_time_ms),
                "0".to_string(),
                "NORMAL".to_string(),
                partition_key.join(", "),
                info.range_or_list_values(p.id),
                distribution_key.clone(),
                // The partition's own bucket count (ADD PARTITION ... BUCKETS n,
                // dynamic_partition.buckets).
                p.tablets.len().to_string(),
                table.replication_num.to_string(),
                medium.clone(),
                time_string(MAX_COOLDOWN_TIME_MS),
                time_string(0),
                st.data_size,
                in_memory.to_string(),
                st.row_count.to_string(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_info::tests::{date_col, key};
    use crate::catalog::partition_info::{
        ListItem, NewRange, PartitionColumn, PartitionKey, RangePartitionInfo, TimeFunction,
    };
    use crate::catalog::partition_value::{PartitionValue, TimeUnit};
    use crate::catalog::table::{Column, Distribution, KeysType, Partition};
    use crate::catalog::types::DataType;
    use std::collections::BTreeMap;

    fn names(id: i64) -> Option<String> {
        Some(format!("p{id}"))
    }

    fn range_info() -> RangePartitionInfo {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        r.add_range(2, &NewRange::LessThan(key("2020-07-01")))
            .unwrap();
        r.add_range(
            1,
            &NewRange::Fixed {
                lower: key("2020-07-01"),
                upper: key("2020-08-01"),
            },
        )
        .unwrap();
        r.add_range(3, &NewRange::LessThan(PartitionKey::max_key(&r.columns)))
            .unwrap();
        r
    }

    #[test]
    fn range_clause_prints_fixed_ranges_sorted() {
        let sql = partition_clause_sql(&PartitionInfo::Range(range_info()), &names).unwrap();
        assert_eq!(
            sql,
            "PARTITION BY RANGE(`dt`)\n(PARTITION p2 VALUES [(\"0000-01-01\"), (\"2020-07-01\")),\nPARTITION p1 VALUES [(\"2020-07-01\"), (\"2020-08-01\")),\nPARTITION p3 VALUES [(\"2020-08-01\"), (MAXVALUE)))"
        );
        assert_eq!(
            partition_clause_sql(
                &PartitionInfo::Range(RangePartitionInfo::new(vec![date_col("dt")])),
                &names
            )
            .unwrap(),
            "PARTITION BY RANGE(`dt`)\n()"
        );
        assert_eq!(
            partition_clause_sql(&PartitionInfo::Unpartitioned, &names),
            None
        );
    }

    #[test]
    fn list_and_expression_clauses() {
        let mut l = ListPartitionInfo::new(vec![
            PartitionColumn {
                name: "city".into(),
                data_type: DataType::Varchar(Some(10)),
            },
            PartitionColumn {
                name: "id".into(),
                data_type: DataType::Int,
            },
        ]);
        l.add_item(ListItem {
            partition_id: 5,
            values: vec![
                vec![PartitionValue::Str("x".into()), PartitionValue::Int(1)],
                vec![PartitionValue::Str("y".into()), PartitionValue::Int(2)],
            ],
        })
        .unwrap();
        assert_eq!(
            partition_clause_sql(&PartitionInfo::List(l.clone()), &names).unwrap(),
            "PARTITION BY LIST(`city`,`id`)(\n  PARTITION p5 VALUES IN (('x', '1'), ('y', '2'))\n)"
        );
        assert_eq!(
            partition_clause_sql(
                &PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)),
                &names
            )
            .unwrap(),
            "PARTITION BY (`city`,`id`)"
        );
        let t = |function| {
            PartitionInfo::Expression(ExpressionPartitionInfo::Time {
                function,
                ranges: RangePartitionInfo::new(vec![date_col("dt")]),
            })
        };
        assert_eq!(
            partition_clause_sql(
                &t(TimeFunction::DateTrunc {
                    unit: TimeUnit::Day
                }),
                &names
            )
            .unwrap(),
            "PARTITION BY date_trunc('day', `dt`)"
        );
        assert_eq!(
            partition_clause_sql(
                &t(TimeFunction::TimeSlice {
                    interval: 7,
                    unit: TimeUnit::Day
                }),
                &names
            )
            .unwrap(),
            "PARTITION BY time_slice(`dt`, INTERVAL 7 day)"
        );
    }

    #[test]
    fn show_partitions_rows_follow_partitions_proc_dir() {
        let info = PartitionInfo::Range(range_info());
        let part = |id: i64| Partition {
            id,
            name: format!("p{id}"),
            visible_version: id,
            visible_version_time_ms: 0,
            committed_version: id,
            // Three buckets, as the table's distribution says.
            tablets: (0..3)
                .map(|b| crate::catalog::table::Tablet {
                    id: id * 10 + b,
                    bucket: b as u32,
                    replicas: vec![1],
                })
                .collect(),
        };
        let table = Table {
            id: 100,
            db_id: 1,
            name: "t".into(),
            keys_type: KeysType::Duplicate,
            columns: vec![Column {
                name: "dt".into(),
                data_type: DataType::Date,
                is_key: true,
                nullable: true,
                agg: None,
                agg_implicit: false,
                default: None,
                comment: String::new(),
            }],
            distribution: Distribution {
                kind: DistributionKind::Hash(vec!["dt".into()]),
                bucket_num: 3,
                buckets_given: true,
            },
            order_by: None,
            properties: BTreeMap::new(),
            replication_num: 1,
            comment: String::new(),
            create_time_ms: 0,
            partitions: vec![part(1), part(2), part(3)],
            partition_info: Default::default(),
            temp_partitions: Vec::new(),
            schema_version: 0,
        };
        let time = |ms: i64| {
            if ms <= 0 {
                "NULL".to_string()
            } else {
                ms.to_string()
            }
        };
        let stats = |_: i64| PartitionStats {
            data_size: "0B".into(),
            row_count: 0,
        };
        let rows = show_partitions_rows(&table, &info, &time, &stats);
        assert_eq!(show_partitions_columns(&info).len(), 17);
        assert_eq!(show_partitions_columns(&info)[7], "Range");
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, vec!["2", "1", "3"]);
        assert_eq!(
            rows[0],
            vec![
                "2",
                "p2",
                "2",
                "NULL",
                "0",
                "NORMAL",
                "dt",
                "[types: [DATE]; keys: [0000-01-01]; ..types: [DATE]; keys: [2020-07-01]; )",
                "dt",
                "3",
                "1",
                "HDD",
                "253402271999000",
                "NULL",
                "0B",
                "false",
                "0"
            ]
        );
        assert_eq!(
            rows[2][7],
            "[types: [DATE]; keys: [2020-08-01]; ..types: [DATE]; keys: [MAXVALUE]; )"
        );

        // A list table: `List` title, values as getValuesFormat, creation order.
        let mut l = ListPartitionInfo::new(vec![PartitionColumn {
            name: "dt".into(),
            data_type: DataType::Date,
        }]);
        for id in [3, 1] {
            l.add_item(ListItem {
                partition_id: id,
                values: vec![vec![crate::catalog::partition_info::tests::d(&format!(
                    "2020-01-0{id}"
                ))]],
            })
            .unwrap();
        }
        let mut list_table = table.clone();
        list_table.distribution.kind = DistributionKind::Random;
        list_table.partitions = vec![part(3), part(1)];
        let info = PartitionInfo::List(l);
        assert_eq!(show_partitions_columns(&info)[7], "List");
        let rows = show_partitions_rows(&list_table, &info, &time, &stats);
        assert_eq!(rows[0][1], "p3");
        assert_eq!(rows[0][7], "('2020-01-03')");
        assert_eq!(rows[0][8], "ALL KEY");
        // Unpartitioned: one partition, empty key and range.
        let mut single = table.clone();
        single.partitions = vec![part(9)];
        let rows = show_partitions_rows(&single, &PartitionInfo::Unpartitioned, &time, &stats);
        assert_eq!((rows[0][6].as_str(), rows[0][7].as_str()), ("", ""));
    }
}
