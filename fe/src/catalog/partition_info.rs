//! How a table's rows are split into partitions (StarRocks `PartitionInfo` and its
//! subclasses `RangePartitionInfo`, `ListPartitionInfo`, `ExpressionRangePartitionInfo`), as
//! persisted with the table (serde; new fields take `#[serde(default)]`).
//!
//! Bounds are kept per partition id, as StarRocks does (`idToRange`, `idToValues`); names and
//! versions stay on `table::Partition`. Ranges are left-closed, right-open and never overlap;
//! they are kept sorted by lower bound so that lookups binary-search them.
//!
//! Adding a range goes through [`RangePartitionInfo::check_new_range`], StarRocks's
//! `RangePartitionInfo.createAndCheckNewRange`: a `LESS THAN` partition starts where the
//! nearest existing range below its upper bound ends (or at the type's minimum), and a range
//! that intersects an existing one fails with `Range ... is intersected with range: ...`.

use super::partition_error::PartitionError;
use super::partition_value::{primitive_type_name, PartitionValue, TimeUnit};
use super::types::DataType;
use serde::{Deserialize, Serialize};

/// A partition column: its name as in the table and its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionColumn {
    pub name: String,
    pub data_type: DataType,
}

/// One bound of a range: a value per partition column (StarRocks `PartitionKey`). Columns not
/// given in `LESS THAN` hold their type's minimum; `MAXVALUE` is [`PartitionValue::Max`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartitionKey(pub Vec<PartitionValue>);

impl PartitionKey {
    /// Every column at its type's minimum (`PartitionKey.createInfinityPartitionKey(false)`).
    pub fn min_key(columns: &[PartitionColumn]) -> Self {
        PartitionKey(
            columns
                .iter()
                .map(|c| PartitionValue::min_of(&c.data_type).unwrap_or(PartitionValue::Null))
                .collect(),
        )
    }

    /// Every column MAXVALUE (`createInfinityPartitionKey(true)`, from `LESS THAN MAXVALUE`).
    pub fn max_key(columns: &[PartitionColumn]) -> Self {
        PartitionKey(vec![PartitionValue::Max; columns.len()])
    }

    /// True when every value is its column type's minimum (`isMinValue`).
    pub fn is_min_value(&self, columns: &[PartitionColumn]) -> bool {
        self.0.len() == columns.len()
            && self
                .0
                .iter()
                .zip(columns)
                .all(|(v, c)| PartitionValue::min_of(&c.data_type).as_ref() == Some(v))
    }

    /// `PartitionKey.toSql()`: `("2020-01-01")`, `("1", "a")`, `(MAXVALUE)`. As in StarRocks, a
    /// MAXVALUE is written without a following separator (`(MAXVALUEMAXVALUE)` for two
    /// columns).
    pub fn to_sql(&self) -> String {
        let mut s = String::from("(");
        let n = self.0.len();
        let mut i = 0;
        for v in &self.0 {
            if *v == PartitionValue::Max {
                s.push_str("MAXVALUE");
                continue;
            }
            s.push('"');
            s.push_str(&v.string_value());
            s.push('"');
            if n - 1 != i {
                s.push_str(", ");
            }
            i += 1;
        }
        s.push(')');
        s
    }

    /// `PartitionKey.toString()`: `types: [DATE]; keys: [2020-01-01]; `.
    pub fn describe(&self, columns: &[PartitionColumn]) -> String {
        let types: Vec<String> = columns
            .iter()
            .map(|c| primitive_type_name(&c.data_type))
            .collect();
        let keys: Vec<String> = self.0.iter().map(PartitionValue::string_value).collect();
        format!(
            "types: [{}]; keys: [{}]; ",
            types.join(", "),
            keys.join(", ")
        )
    }
}

/// The range of one partition, `[lower, upper)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeItem {
    pub partition_id: i64,
    pub lower: PartitionKey,
    pub upper: PartitionKey,
}

impl RangeItem {
    /// Guava's `Range.toString()` of the `Range<PartitionKey>`: `[lower..upper)`; what SHOW
    /// PARTITIONS prints in `Range` and the intersection error names.
    pub fn describe(&self, columns: &[PartitionColumn]) -> String {
        format!(
            "[{}..{})",
            self.lower.describe(columns),
            self.upper.describe(columns)
        )
    }

    /// True when `[a.lower, a.upper)` and `[b.lower, b.upper)` share a key.
    pub fn intersects(&self, lower: &PartitionKey, upper: &PartitionKey) -> bool {
        self.lower < *upper && *lower < self.upper && self.lower < self.upper && lower < upper
    }
}

/// How a new range partition was written (StarRocks `PartitionKeyDesc`), typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewRange {
    /// `VALUES LESS THAN (...)` (the upper key, filled with minimums) or `LESS THAN MAXVALUE`.
    LessThan(PartitionKey),
    /// `VALUES [(lower), (upper))`.
    Fixed {
        lower: PartitionKey,
        upper: PartitionKey,
    },
}

/// `PARTITION BY RANGE (cols)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RangePartitionInfo {
    pub columns: Vec<PartitionColumn>,
    /// Sorted by `lower`; no two intersect.
    pub ranges: Vec<RangeItem>,
}

impl RangePartitionInfo {
    pub fn new(columns: Vec<PartitionColumn>) -> Self {
        Self {
            columns,
            ranges: Vec::new(),
        }
    }

    /// The range of partition `id`.
    pub fn range_of(&self, id: i64) -> Option<&RangeItem> {
        self.ranges.iter().find(|r| r.partition_id == id)
    }

    /// The `[lower, upper)` a new partition gets, checked against the existing ranges
    /// (`createAndCheckNewRange` + `checkNewRange`). Does not add it.
    pub fn check_new_range(
        &self,
        desc: &NewRange,
    ) -> Result<(PartitionKey, PartitionKey), PartitionError> {
        let upper = match desc {
            NewRange::LessThan(u) => u.clone(),
            NewRange::Fixed { upper, .. } => upper.clone(),
        };
        if upper.is_min_value(&self.columns) {
            return Err(PartitionError::UpperIsMinValue(describe_new_range(desc)));
        }
        // The first existing range (by lower bound) whose upper bound reaches the new upper
        // bound, and the one before it.
        let mut last: Option<&RangeItem> = None;
        let mut current: Option<&RangeItem> = None;
        for r in &self.ranges {
            current = Some(r);
            if r.upper >= upper {
                break;
            }
            last = Some(r);
            current = None;
        }
        if current.is_none() {
            current = self.ranges.last();
        }
        let lower = match desc {
            NewRange::Fixed { lower, .. } => lower.clone(),
            NewRange::LessThan(_) => match last {
                Some(l) => l.upper.clone(),
                None => PartitionKey::min_key(&self.columns),
            },
        };
        if lower >= upper {
            return Err(PartitionError::InvalidRangeValue(Box::new(
                PartitionError::LowerNotBelowUpper,
            )));
        }
        for existing in [last, current].into_iter().flatten() {
            if existing.intersects(&lower, &upper) {
                let new = RangeItem {
                    partition_id: 0,
                    lower: lower.clone(),
                    upper: upper.clone(),
                };
                return Err(PartitionError::RangeIntersected {
                    new: new.describe(&self.columns),
                    existing: existing.describe(&self.columns),
                });
            }
        }
        Ok((lower, upper))
    }

    /// Checks and adds a partition's range (kept sorted). Returns its `[lower, upper)`.
    pub fn add_range(
        &mut self,
        partition_id: i64,
        desc: &NewRange,
    ) -> Result<(PartitionKey, PartitionKey), PartitionError> {
        let (lower, upper) = self.check_new_range(desc)?;
        let at = self.ranges.partition_point(|r| r.lower <= lower);
        self.ranges.insert(
            at,
            RangeItem {
                partition_id,
                lower: lower.clone(),
                upper: upper.clone(),
            },
        );
        Ok((lower, upper))
    }

    /// Removes partition `id`'s range (DROP PARTITION).
    pub fn remove(&mut self, id: i64) -> bool {
        let before = self.ranges.len();
        self.ranges.retain(|r| r.partition_id != id);
        self.ranges.len() != before
    }
}

/// `PartitionKeyDesc.toString()`: `('a', 'b')`, `[('a'), ('b'))`, `MAXVALUE` (used in errors).
pub fn describe_new_range(desc: &NewRange) -> String {
    let values = |k: &PartitionKey| {
        let v: Vec<String> =
            k.0.iter()
                .map(|v| match v {
                    PartitionValue::Max => "MAXVALUE".to_string(),
                    other => format!("'{}'", other.string_value()),
                })
                .collect();
        format!("({})", v.join(", "))
    };
    match desc {
        NewRange::LessThan(u) if u.0.iter().all(|v| *v == PartitionValue::Max) => "MAXVALUE".into(),
        NewRange::LessThan(u) => values(u),
        NewRange::Fixed { lower, upper } => format!("[{}, {})", values(lower), values(upper)),
    }
}

/// The values of one list partition: one tuple per `VALUES IN` entry (a 1-tuple per value for
/// a single-column list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    pub partition_id: i64,
    pub values: Vec<Vec<PartitionValue>>,
}

/// `PARTITION BY LIST (cols)`, and the automatic `PARTITION BY col1, col2`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListPartitionInfo {
    pub columns: Vec<PartitionColumn>,
    /// In creation order.
    pub items: Vec<ListItem>,
}

impl ListPartitionInfo {
    pub fn new(columns: Vec<PartitionColumn>) -> Self {
        Self {
            columns,
            items: Vec::new(),
        }
    }

    /// The values of partition `id`.
    pub fn item_of(&self, id: i64) -> Option<&ListItem> {
        self.items.iter().find(|i| i.partition_id == id)
    }

    /// True for a multi-column list (printed as tuples).
    pub fn is_multi_column(&self) -> bool {
        self.columns.len() > 1
    }

    /// `ListPartitionInfo.getValuesFormat`: `('a', 'b')` or `(('x', '1'), ('y', '2'))`.
    pub fn values_format(&self, id: i64) -> String {
        let Some(item) = self.item_of(id) else {
            return String::new();
        };
        let quote = |v: &PartitionValue| format!("'{}'", v.string_value());
        if self.is_multi_column() {
            let tuples: Vec<String> = item
                .values
                .iter()
                .map(|t| format!("({})", t.iter().map(quote).collect::<Vec<_>>().join(", ")))
                .collect();
            format!("({})", tuples.join(", "))
        } else {
            let vals: Vec<String> = item.values.iter().flatten().map(quote).collect();
            format!("({})", vals.join(", "))
        }
    }

    /// Adds a partition's values, refusing a value another partition already holds
    /// (`Duplicated value v` / `Duplicate values ("a","1") not allow`).
    pub fn add_item(&mut self, item: ListItem) -> Result<(), PartitionError> {
        for t in &item.values {
            if t.len() != self.columns.len() {
                return Err(PartitionError::ListValueCount {
                    columns: self.columns.len(),
                    values: t.len(),
                });
            }
        }
        let mut seen: Vec<&Vec<PartitionValue>> =
            self.items.iter().flat_map(|i| &i.values).collect();
        for t in &item.values {
            if seen.contains(&t) {
                return Err(duplicate_list_error(t, self.is_multi_column()));
            }
            seen.push(t);
        }
        self.items.push(item);
        Ok(())
    }

    /// Removes partition `id`'s values.
    pub fn remove(&mut self, id: i64) -> bool {
        let before = self.items.len();
        self.items.retain(|i| i.partition_id != id);
        self.items.len() != before
    }
}

/// The error for a list value that appears twice.
pub fn duplicate_list_error(tuple: &[PartitionValue], multi: bool) -> PartitionError {
    if multi {
        let parts: Vec<String> = tuple
            .iter()
            .map(|v| format!("\"{}\"", v.string_value()))
            .collect();
        PartitionError::DuplicatedListValues(parts.join(","))
    } else {
        PartitionError::DuplicatedListValue(
            tuple
                .first()
                .map(PartitionValue::string_value)
                .unwrap_or_default(),
        )
    }
}

/// The time function of `PARTITION BY date_trunc(...)` / `time_slice(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeFunction {
    /// `date_trunc('unit', col)`.
    DateTrunc { unit: TimeUnit },
    /// `time_slice(col, INTERVAL n unit)` (boundary `floor`).
    TimeSlice { interval: i64, unit: TimeUnit },
}

impl TimeFunction {
    /// The unit of one partition.
    pub fn unit(self) -> TimeUnit {
        match self {
            TimeFunction::DateTrunc { unit } | TimeFunction::TimeSlice { unit, .. } => unit,
        }
    }

    /// Units per partition (1 for date_trunc).
    pub fn interval(self) -> i64 {
        match self {
            TimeFunction::DateTrunc { .. } => 1,
            TimeFunction::TimeSlice { interval, .. } => interval,
        }
    }

    /// The expression as SHOW CREATE TABLE prints it (`Expr.toSql`): `date_trunc('day',
    /// `dt`)` (the form seen in SHOW CREATE TABLE outputs of 3.x tables); `time_slice(`dt`,
    /// INTERVAL 7 day)` (unverified: StarRocks analyses time_slice into four arguments and its
    /// printed form was not found in the source).
    pub fn to_sql(self, column: &str) -> String {
        match self {
            TimeFunction::DateTrunc { unit } => {
                format!("date_trunc('{}', `{column}`)", unit.name())
            }
            TimeFunction::TimeSlice { interval, unit } => {
                format!(
                    "time_slice(`{column}`, INTERVAL {interval} {})",
                    unit.name()
                )
            }
        }
    }
}

/// Expression partitioning: partitions are created as rows arrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpressionPartitionInfo {
    /// `PARTITION BY date_trunc/time_slice(col)` over one DATE/DATETIME column: automatic
    /// range partitions (`ranges.columns` is that column).
    Time {
        function: TimeFunction,
        ranges: RangePartitionInfo,
    },
    /// `PARTITION BY col1, col2` / `PARTITION BY (col1, col2)`: automatic list partitions, one
    /// value tuple each.
    Columns(ListPartitionInfo),
}

/// How a table is partitioned.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PartitionInfo {
    /// One partition named like the table.
    #[default]
    Unpartitioned,
    Range(RangePartitionInfo),
    List(ListPartitionInfo),
    Expression(ExpressionPartitionInfo),
}

impl PartitionInfo {
    /// The partition columns (empty when unpartitioned).
    pub fn columns(&self) -> &[PartitionColumn] {
        match self {
            PartitionInfo::Unpartitioned => &[],
            PartitionInfo::Range(r) => &r.columns,
            PartitionInfo::List(l) => &l.columns,
            PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges, .. }) => {
                &ranges.columns
            }
            PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => &l.columns,
        }
    }

    /// The range partitions, for range and time-expression tables.
    pub fn range_info(&self) -> Option<&RangePartitionInfo> {
        match self {
            PartitionInfo::Range(r) => Some(r),
            PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges, .. }) => Some(ranges),
            _ => None,
        }
    }

    /// The list partitions, for list and column-expression tables.
    pub fn list_info(&self) -> Option<&ListPartitionInfo> {
        match self {
            PartitionInfo::List(l) => Some(l),
            PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => Some(l),
            _ => None,
        }
    }

    /// True for expression partitioning (`isAutomaticPartition`).
    pub fn is_automatic(&self) -> bool {
        matches!(self, PartitionInfo::Expression(_))
    }

    /// `Range` / `List` cell of SHOW PARTITIONS (`findRangeOrListValues`); empty when
    /// unpartitioned.
    pub fn range_or_list_values(&self, partition_id: i64) -> String {
        if let Some(l) = self.list_info() {
            return l.values_format(partition_id);
        }
        if let Some(r) = self.range_info() {
            return r
                .range_of(partition_id)
                .map(|i| i.describe(&r.columns))
                .unwrap_or_default();
        }
        String::new()
    }

    /// Gives partition `old`'s bounds to partition `new` (INSERT OVERWRITE's replacement
    /// takes over its original's range or values). False when `old` has none.
    pub fn rekey_partition(&mut self, old: i64, new: i64) -> bool {
        match self {
            PartitionInfo::Unpartitioned => false,
            PartitionInfo::Range(r)
            | PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges: r, .. }) => r
                .ranges
                .iter_mut()
                .find(|i| i.partition_id == old)
                .map(|i| i.partition_id = new)
                .is_some(),
            PartitionInfo::List(l)
            | PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => l
                .items
                .iter_mut()
                .find(|i| i.partition_id == old)
                .map(|i| i.partition_id = new)
                .is_some(),
        }
    }

    /// Drops partition `id`'s bounds.
    pub fn remove_partition(&mut self, id: i64) -> bool {
        match self {
            PartitionInfo::Unpartitioned => false,
            PartitionInfo::Range(r)
            | PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges: r, .. }) => {
                r.remove(id)
            }
            PartitionInfo::List(l)
            | PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => l.remove(id),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::partition_value::Date;

    pub(crate) fn date_col(name: &str) -> PartitionColumn {
        PartitionColumn {
            name: name.into(),
            data_type: DataType::Date,
        }
    }

    pub(crate) fn d(s: &str) -> PartitionValue {
        PartitionValue::Date(Date::parse(s).unwrap())
    }

    pub(crate) fn key(s: &str) -> PartitionKey {
        PartitionKey(vec![d(s)])
    }

    #[test]
    fn less_than_partitions_chain_from_the_minimum() {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        let (lo, hi) = r
            .add_range(1, &NewRange::LessThan(key("2020-06-01")))
            .unwrap();
        assert_eq!(lo.to_sql(), "(\"0000-01-01\")");
        assert_eq!(hi.to_sql(), "(\"2020-06-01\")");
        let (lo, _) = r
            .add_range(2, &NewRange::LessThan(key("2020-07-01")))
            .unwrap();
        assert_eq!(lo, key("2020-06-01"));
        let (lo, hi) = r
            .add_range(3, &NewRange::LessThan(PartitionKey::max_key(&r.columns)))
            .unwrap();
        assert_eq!(
            (lo.to_sql(), hi.to_sql()),
            ("(\"2020-07-01\")".into(), "(MAXVALUE)".into())
        );
        assert!(lo < hi);
        assert_eq!(
            r.ranges.iter().map(|x| x.partition_id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn out_of_order_less_than_intersects_with_starrocks_text() {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        r.add_range(1, &NewRange::LessThan(key("2020-07-01")))
            .unwrap();
        let e = r
            .add_range(2, &NewRange::LessThan(key("2020-06-01")))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Range [types: [DATE]; keys: [0000-01-01]; ..types: [DATE]; keys: [2020-06-01]; ) is intersected with range: [types: [DATE]; keys: [0000-01-01]; ..types: [DATE]; keys: [2020-07-01]; )"
        );
        // Same upper bound twice.
        assert!(matches!(
            r.add_range(3, &NewRange::LessThan(key("2020-07-01"))),
            Err(PartitionError::RangeIntersected { .. })
        ));
    }

    #[test]
    fn fixed_ranges_overlap_and_empty_ranges_fail() {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        let fixed = |a: &str, b: &str| NewRange::Fixed {
            lower: key(a),
            upper: key(b),
        };
        r.add_range(1, &fixed("2020-01-01", "2020-02-01")).unwrap();
        r.add_range(2, &fixed("2020-03-01", "2020-04-01")).unwrap();
        // Fills the gap exactly: touching bounds do not intersect.
        r.add_range(3, &fixed("2020-02-01", "2020-03-01")).unwrap();
        assert_eq!(
            r.ranges.iter().map(|x| x.partition_id).collect::<Vec<_>>(),
            vec![1, 3, 2]
        );
        let e = r
            .add_range(4, &fixed("2020-03-15", "2020-05-01"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Range [types: [DATE]; keys: [2020-03-15]; ..types: [DATE]; keys: [2020-05-01]; ) is intersected with range: [types: [DATE]; keys: [2020-03-01]; ..types: [DATE]; keys: [2020-04-01]; )"
        );
        let e = r
            .add_range(5, &fixed("2021-01-01", "2021-01-01"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid range value format: The lower values must smaller than upper values"
        );
        // A LESS THAN after fixed ranges starts at the last upper bound below it.
        let (lo, _) = r
            .add_range(6, &NewRange::LessThan(key("2020-06-01")))
            .unwrap();
        assert_eq!(lo, key("2020-04-01"));
        let e = r
            .add_range(7, &NewRange::LessThan(PartitionKey::min_key(&r.columns)))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Partition's upper value should not be MIN VALUE: ('0000-01-01')"
        );
        assert!(r.remove(6));
        assert!(!r.remove(6));
    }

    #[test]
    fn multi_column_keys_print_like_partition_key() {
        let cols = vec![
            PartitionColumn {
                name: "k1".into(),
                data_type: DataType::Tinyint,
            },
            PartitionColumn {
                name: "k2".into(),
                data_type: DataType::Smallint,
            },
        ];
        let k = PartitionKey(vec![PartitionValue::Int(5), PartitionValue::Int(-32768)]);
        assert_eq!(k.to_sql(), "(\"5\", \"-32768\")");
        assert_eq!(
            k.describe(&cols),
            "types: [TINYINT, SMALLINT]; keys: [5, -32768]; "
        );
        assert_eq!(PartitionKey::max_key(&cols).to_sql(), "(MAXVALUEMAXVALUE)");
        assert!(PartitionKey::min_key(&cols).is_min_value(&cols));
        assert!(!k.is_min_value(&cols));
    }

    #[test]
    fn list_values_refuse_duplicates() {
        let mut l = ListPartitionInfo::new(vec![PartitionColumn {
            name: "city".into(),
            data_type: DataType::Varchar(Some(20)),
        }]);
        let s = |v: &str| vec![PartitionValue::Str(v.into())];
        l.add_item(ListItem {
            partition_id: 1,
            values: vec![s("a"), s("b")],
        })
        .unwrap();
        assert_eq!(l.values_format(1), "('a', 'b')");
        let e = l
            .add_item(ListItem {
                partition_id: 2,
                values: vec![s("c"), s("b")],
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "Duplicated value b");
        let mut m = ListPartitionInfo::new(vec![
            PartitionColumn {
                name: "a".into(),
                data_type: DataType::Varchar(Some(20)),
            },
            PartitionColumn {
                name: "b".into(),
                data_type: DataType::Int,
            },
        ]);
        let t = |a: &str, b: i128| vec![PartitionValue::Str(a.into()), PartitionValue::Int(b)];
        m.add_item(ListItem {
            partition_id: 1,
            values: vec![t("x", 1), t("y", 2)],
        })
        .unwrap();
        assert_eq!(m.values_format(1), "(('x', '1'), ('y', '2'))");
        let e = m
            .add_item(ListItem {
                partition_id: 2,
                values: vec![t("y", 2)],
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "Duplicate values (\"y\",\"2\") not allow");
        assert!(matches!(
            m.add_item(ListItem {
                partition_id: 3,
                values: vec![vec![PartitionValue::Int(1)]],
            }),
            Err(PartitionError::ListValueCount { .. })
        ));
    }

    #[test]
    fn partition_info_round_trips_through_json() {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        r.add_range(1, &NewRange::LessThan(key("2020-06-01")))
            .unwrap();
        r.add_range(2, &NewRange::LessThan(PartitionKey::max_key(&r.columns)))
            .unwrap();
        // LARGEINT bounds need all 128 bits through the catalog's JSON.
        let mut big = RangePartitionInfo::new(vec![PartitionColumn {
            name: "k".into(),
            data_type: DataType::Largeint,
        }]);
        big.add_range(
            1,
            &NewRange::LessThan(PartitionKey(vec![PartitionValue::Int(i128::MAX - 1)])),
        )
        .unwrap();
        assert_eq!(big.ranges[0].lower.0, vec![PartitionValue::Int(i128::MIN)]);
        for info in [
            PartitionInfo::Unpartitioned,
            PartitionInfo::Range(big),
            PartitionInfo::Range(r.clone()),
            PartitionInfo::Expression(ExpressionPartitionInfo::Time {
                function: TimeFunction::TimeSlice {
                    interval: 7,
                    unit: TimeUnit::Day,
                },
                ranges: r,
            }),
        ] {
            let json = serde_json::to_vec(&info).unwrap();
            let back: PartitionInfo = serde_json::from_slice(&json).unwrap();
            assert_eq!(back, info);
        }
    }
}
