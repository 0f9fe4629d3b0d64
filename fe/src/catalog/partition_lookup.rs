//! Which partition a row goes to: range lookup (binary search over the sorted ranges), list
//! lookup (a hash index built once per batch), and for expression partitioning the partition
//! StarRocks would create for the row (name and bounds, `AnalyzerUtils.
//! getAddPartitionClauseFromPartitionValues`).
//!
//! NULL: StarRocks sends no start key for a range partition whose lower bound is the type
//! minimum (OlapTableSink), so that partition takes everything below its upper bound, NULL
//! included (`RangePartitionInfo.getNullValuePartitions`: "NULL value would be put in the
//! MIN_VALUE partition"). Without such a partition a NULL row has no partition. A time
//! expression partition puts NULL in the partition of `0000-01-01` (`"NULL"` is read as
//! `0000-01-01`). In list partitions NULL matches no value (NULL list values are not
//! supported here).

use super::partition_info::{
    ExpressionPartitionInfo, ListPartitionInfo, PartitionColumn, PartitionInfo, PartitionKey,
    RangeItem, RangePartitionInfo, TimeFunction,
};
use super::partition_value::{PartitionValue, TimeUnit};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// The error-log text of a row no partition holds (BE `tablet_sink.cpp`, checked in the
/// StarRocks source).
pub const ROW_OUT_OF_PARTITION_RANGES: &str =
    "The row is out of partition ranges. Please add a new partition.";
/// Prefix of the error-log text when creating an automatic partition failed (same source).
pub const ROW_CREATE_PARTITION_FAILED: &str = "The row create partition failed since ";

/// Prefix of automatically created partitions (`DEFAULT_PARTITION_NAME_PREFIX`).
pub const AUTO_PARTITION_PREFIX: &str = "p";
/// Longest automatic list partition name before it is cut and suffixed with a hash
/// (`FeConstants.MAX_LIST_PARTITION_NAME_LENGTH`).
pub const MAX_LIST_PARTITION_NAME_LENGTH: usize = 50;

/// Bounds of a partition that expression partitioning creates for a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewPartitionBound {
    /// `[lower, upper)` of a time-function partition.
    Range {
        lower: PartitionKey,
        upper: PartitionKey,
    },
    /// The one value tuple of a column-expression partition.
    List(Vec<PartitionValue>),
}

/// A partition to create for rows of expression-partitioned tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartition {
    pub name: String,
    pub bound: NewPartitionBound,
}

/// Where one row goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowTarget {
    /// An existing partition (its id).
    Partition(i64),
    /// A partition to create first: index into [`BatchLocation::new_partitions`].
    New(usize),
    /// No partition holds the row: an error row.
    NoPartition,
}

/// The targets of a batch of rows, and the partitions to create (each once, first-seen order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchLocation {
    pub rows: Vec<RowTarget>,
    pub new_partitions: Vec<NewPartition>,
}

/// True when `row` lies at or above the range's lower bound (a minimum lower bound takes
/// everything below, NULL included).
fn at_or_above_lower(r: &RangeItem, row: &[PartitionValue], columns: &[PartitionColumn]) -> bool {
    r.lower.is_min_value(columns) || r.lower.0.as_slice() <= row
}

impl RangePartitionInfo {
    /// The partition holding `row` (one value per partition column), by binary search.
    pub fn find(&self, row: &[PartitionValue]) -> Option<i64> {
        // Ranges are sorted by lower bound and disjoint, so "lower <= row" is true for a
        // prefix of them; the candidate is the last of that prefix.
        let n = self
            .ranges
            .partition_point(|r| at_or_above_lower(r, row, &self.columns));
        let r = self.ranges.get(n.checked_sub(1)?)?;
        (row < r.upper.0.as_slice()).then_some(r.partition_id)
    }
}

/// A value -> partition index of a list table, built once for many rows.
#[derive(Debug, Clone, Default)]
pub struct ListIndex {
    by_values: HashMap<Vec<PartitionValue>, i64>,
}

impl ListIndex {
    pub fn new(info: &ListPartitionInfo) -> Self {
        let mut by_values = HashMap::new();
        for item in &info.items {
            for t in &item.values {
                by_values.insert(t.clone(), item.partition_id);
            }
        }
        Self { by_values }
    }

    /// The partition listing `row`.
    pub fn find(&self, row: &[PartitionValue]) -> Option<i64> {
        if row.contains(&PartitionValue::Null) {
            return None;
        }
        self.by_values.get(row).copied()
    }
}

impl ListPartitionInfo {
    /// The partition listing `row` (linear; use [`ListIndex`] for batches).
    pub fn find(&self, row: &[PartitionValue]) -> Option<i64> {
        if row.contains(&PartitionValue::Null) {
            return None;
        }
        self.items
            .iter()
            .find(|i| i.values.iter().any(|t| t.as_slice() == row))
            .map(|i| i.partition_id)
    }
}

/// The partition a time expression makes for `value`: name and `[begin, begin + interval)`,
/// as `getAddPartitionClauseForRangePartition` names them: `p` + `yyyyMMddHHmm` (minute),
/// `yyyyMMddHH` (hour), `yyyyMMdd` (day), `yyyyMM` (month), `yyyy` (year). Weeks and quarters
/// have no name format in StarRocks (`unsupported automatic partition granularity`): None.
pub fn time_partition_for(
    function: TimeFunction,
    column: &PartitionColumn,
    value: &PartitionValue,
) -> Option<NewPartition> {
    let v = match value {
        PartitionValue::Null => PartitionValue::min_of(&column.data_type)?,
        other => other.clone(),
    };
    let dt = v.as_naive_datetime()?;
    let sliced = match function {
        TimeFunction::DateTrunc { unit } => unit.trunc(dt),
        TimeFunction::TimeSlice { interval, unit } => unit.time_slice(dt, interval)?,
    };
    let unit = function.unit();
    let begin = unit.trunc(sliced);
    let end = unit.add(begin, function.interval())?;
    let name = format!("{AUTO_PARTITION_PREFIX}{}", time_name(unit, begin)?);
    Some(NewPartition {
        name,
        bound: NewPartitionBound::Range {
            lower: PartitionKey(vec![PartitionValue::from_naive_datetime(
                begin,
                &column.data_type,
            )]),
            upper: PartitionKey(vec![PartitionValue::from_naive_datetime(
                end,
                &column.data_type,
            )]),
        },
    })
}

fn time_name(unit: TimeUnit, t: NaiveDateTime) -> Option<String> {
    let fmt = match unit {
        TimeUnit::Minute => "%Y%m%d%H%M",
        TimeUnit::Hour => "%Y%m%d%H",
        TimeUnit::Day => "%Y%m%d",
        TimeUnit::Month => "%Y%m",
        TimeUnit::Year => "%Y",
        _ => return None,
    };
    Some(t.format(fmt).to_string())
}

/// `AnalyzerUtils.getFormatPartitionValue`: letters and digits kept, `-`, `:` and space
/// dropped, anything else written as its code point in hex; a leading `-` adds `_`.
pub fn format_partition_value(value: &str) -> String {
    let mut s = String::new();
    if value.starts_with('-') {
        s.push('_');
    }
    for ch in value.chars() {
        match ch {
            c if c.is_ascii_alphanumeric() => s.push(c),
            // Dropped: the separators of dates and times.
            '-' | ':' | ' ' => {}
            c => s.push_str(&format!("{:x}", c as u32)),
        }
    }
    s
}

/// Java's `String.hashCode` (UTF-16 code units), used for long automatic names.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)))
}

/// The automatic list partition for a value tuple: `p` + formatted values joined by `_`,
/// cut at 50 characters plus `_` and the hex hash of the full name.
pub fn list_partition_for(row: &[PartitionValue]) -> NewPartition {
    let parts: Vec<String> = row
        .iter()
        .map(|v| format_partition_value(&v.string_value()))
        .collect();
    let mut name = format!("{AUTO_PARTITION_PREFIX}{}", parts.join("_"));
    if name.chars().count() > MAX_LIST_PARTITION_NAME_LENGTH {
        let hash = java_string_hash(&name);
        let cut: String = name.chars().take(MAX_LIST_PARTITION_NAME_LENGTH).collect();
        name = format!("{cut}_{:x}", hash);
    }
    NewPartition {
        name,
        bound: NewPartitionBound::List(row.to_vec()),
    }
}

impl PartitionInfo {
    /// Locates a batch of rows given column-major: `columns[i][r]` is partition column `i` of
    /// row `r` (every column has `rows` values). Unpartitioned tables return `single_partition`
    /// for every row.
    pub fn locate_batch(
        &self,
        columns: &[Vec<PartitionValue>],
        rows: usize,
        single_partition: Option<i64>,
    ) -> BatchLocation {
        let mut out = BatchLocation {
            rows: Vec::with_capacity(rows),
            new_partitions: Vec::new(),
        };
        let mut new_by_name: HashMap<String, usize> = HashMap::new();
        let list_index = self.list_info().map(ListIndex::new);
        let mut row: Vec<PartitionValue> = Vec::with_capacity(columns.len());
        for r in 0..rows {
            row.clear();
            row.extend(
                columns
                    .iter()
                    .map(|c| c.get(r).cloned().unwrap_or(PartitionValue::Null)),
            );
            let target = match self {
                PartitionInfo::Unpartitioned => single_partition
                    .map(RowTarget::Partition)
                    .unwrap_or(RowTarget::NoPartition),
                PartitionInfo::Range(ri) => ri
                    .find(&row)
                    .map(RowTarget::Partition)
                    .unwrap_or(RowTarget::NoPartition),
                PartitionInfo::List(_) => list_index
                    .as_ref()
                    .and_then(|i| i.find(&row))
                    .map(RowTarget::Partition)
                    .unwrap_or(RowTarget::NoPartition),
                PartitionInfo::Expression(ExpressionPartitionInfo::Time { function, ranges }) => {
                    let value = row.first().cloned().unwrap_or(PartitionValue::Null);
                    // A NULL goes where 0000-01-01 goes.
                    let probe = match (&value, ranges.columns.first()) {
                        (PartitionValue::Null, Some(c)) => {
                            PartitionValue::min_of(&c.data_type).unwrap_or(PartitionValue::Null)
                        }
                        _ => value.clone(),
                    };
                    match ranges.find(std::slice::from_ref(&probe)) {
                        Some(id) => RowTarget::Partition(id),
                        None => match ranges
                            .columns
                            .first()
                            .and_then(|c| time_partition_for(*function, c, &value))
                        {
                            Some(p) => new_target(&mut out, &mut new_by_name, p),
                            None => RowTarget::NoPartition,
                        },
                    }
                }
                PartitionInfo::Expression(ExpressionPartitionInfo::Columns(_)) => {
                    match list_index.as_ref().and_then(|i| i.find(&row)) {
                        Some(id) => RowTarget::Partition(id),
                        None if row.contains(&PartitionValue::Null) => RowTarget::NoPartition,
                        None => new_target(&mut out, &mut new_by_name, list_partition_for(&row)),
                    }
                }
            };
            out.rows.push(target);
        }
        out
    }

    /// One row (see [`PartitionInfo::locate_batch`]).
    pub fn locate(&self, row: &[PartitionValue], single_partition: Option<i64>) -> BatchLocation {
        let columns: Vec<Vec<PartitionValue>> = row.iter().map(|v| vec![v.clone()]).collect();
        self.locate_batch(&columns, 1, single_partition)
    }
}

fn new_target(
    out: &mut BatchLocation,
    by_name: &mut HashMap<String, usize>,
    p: NewPartition,
) -> RowTarget {
    if let Some(i) = by_name.get(&p.name) {
        return RowTarget::New(*i);
    }
    let i = out.new_partitions.len();
    by_name.insert(p.name.clone(), i);
    out.new_partitions.push(p);
    RowTarget::New(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_info::tests::{d, date_col, key};
    use crate::catalog::partition_info::{ListItem, NewRange};
    use crate::catalog::partition_value::Datetime;
    use crate::catalog::types::DataType;

    fn dt(s: &str) -> PartitionValue {
        PartitionValue::Datetime(Datetime::parse(s).unwrap())
    }

    fn monthly() -> RangePartitionInfo {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        r.add_range(1, &NewRange::LessThan(key("2020-01-01")))
            .unwrap();
        r.add_range(
            2,
            &NewRange::Fixed {
                lower: key("2020-01-01"),
                upper: key("2020-02-01"),
            },
        )
        .unwrap();
        r.add_range(
            3,
            &NewRange::Fixed {
                lower: key("2020-03-01"),
                upper: key("2020-04-01"),
            },
        )
        .unwrap();
        r.add_range(4, &NewRange::LessThan(PartitionKey::max_key(&r.columns)))
            .unwrap();
        r
    }

    #[test]
    fn range_lookup_at_boundaries() {
        let r = monthly();
        // Lower bound inclusive, upper bound exclusive.
        assert_eq!(r.find(&[d("2020-01-01")]), Some(2));
        assert_eq!(r.find(&[d("2020-01-31")]), Some(2));
        assert_eq!(r.find(&[d("2019-12-31")]), Some(1));
        // The gap [2020-02-01, 2020-03-01) has no partition.
        assert_eq!(r.find(&[d("2020-02-01")]), None);
        assert_eq!(r.find(&[d("2020-02-29")]), None);
        assert_eq!(r.find(&[d("2020-03-01")]), Some(3));
        // The MAXVALUE partition starts where the last one ended.
        assert_eq!(r.find(&[d("2020-04-01")]), Some(4));
        assert_eq!(r.find(&[d("9999-12-31")]), Some(4));
        // The type minimum and NULL go to the partition starting at the minimum.
        assert_eq!(r.find(&[d("0000-01-01")]), Some(1));
        assert_eq!(r.find(&[PartitionValue::Null]), Some(1));
    }

    #[test]
    fn null_has_no_range_without_a_minimum_partition() {
        let mut r = RangePartitionInfo::new(vec![date_col("dt")]);
        r.add_range(
            1,
            &NewRange::Fixed {
                lower: key("2020-01-01"),
                upper: key("2020-02-01"),
            },
        )
        .unwrap();
        assert_eq!(r.find(&[PartitionValue::Null]), None);
        assert_eq!(r.find(&[d("2019-12-31")]), None);
        assert_eq!(
            RangePartitionInfo::new(vec![date_col("dt")]).find(&[d("2020-01-01")]),
            None
        );
    }

    #[test]
    fn multi_column_range_lookup_compares_lexicographically() {
        let cols = vec![
            PartitionColumn {
                name: "k1".into(),
                data_type: DataType::Int,
            },
            PartitionColumn {
                name: "k2".into(),
                data_type: DataType::Int,
            },
        ];
        let mut r = RangePartitionInfo::new(cols);
        let lt = |a: i128, b: i128| {
            NewRange::LessThan(PartitionKey(vec![
                PartitionValue::Int(a),
                PartitionValue::Int(b),
            ]))
        };
        r.add_range(1, &lt(5, 0)).unwrap();
        r.add_range(2, &lt(5, 100)).unwrap();
        r.add_range(3, &lt(10, i32::MIN as i128)).unwrap();
        let row = |a: i128, b: i128| vec![PartitionValue::Int(a), PartitionValue::Int(b)];
        assert_eq!(r.find(&row(4, 1000)), Some(1));
        assert_eq!(r.find(&row(5, -1)), Some(1));
        assert_eq!(r.find(&row(5, 0)), Some(2));
        assert_eq!(r.find(&row(5, 99)), Some(2));
        assert_eq!(r.find(&row(5, 100)), Some(3));
        assert_eq!(r.find(&row(9, 7)), Some(3));
        assert_eq!(r.find(&row(10, i32::MIN as i128)), None);
        assert_eq!(
            r.find(&[PartitionValue::Int(5), PartitionValue::Null]),
            Some(1)
        );
    }

    #[test]
    fn batch_lookup_for_range_list_and_unpartitioned() {
        let info = PartitionInfo::Range(monthly());
        let col = vec![
            d("2020-01-15"),
            d("2020-02-15"),
            PartitionValue::Null,
            d("2021-01-01"),
        ];
        let b = info.locate_batch(&[col], 4, None);
        assert_eq!(
            b.rows,
            vec![
                RowTarget::Partition(2),
                RowTarget::NoPartition,
                RowTarget::Partition(1),
                RowTarget::Partition(4)
            ]
        );
        assert!(b.new_partitions.is_empty());

        let mut l = ListPartitionInfo::new(vec![PartitionColumn {
            name: "city".into(),
            data_type: DataType::Varchar(Some(10)),
        }]);
        let s = |v: &str| PartitionValue::Str(v.into());
        l.add_item(ListItem {
            partition_id: 7,
            values: vec![vec![s("a")], vec![s("b")]],
        })
        .unwrap();
        assert_eq!(l.find(&[s("b")]), Some(7));
        assert_eq!(l.find(&[PartitionValue::Null]), None);
        let info = PartitionInfo::List(l);
        let b = info.locate_batch(&[vec![s("a"), s("z"), PartitionValue::Null]], 3, None);
        assert_eq!(
            b.rows,
            vec![
                RowTarget::Partition(7),
                RowTarget::NoPartition,
                RowTarget::NoPartition
            ]
        );
        let b = PartitionInfo::Unpartitioned.locate(&[], Some(42));
        assert_eq!(b.rows, vec![RowTarget::Partition(42)]);
    }

    #[test]
    fn date_trunc_names_and_bounds() {
        let col = PartitionColumn {
            name: "ts".into(),
            data_type: DataType::Datetime,
        };
        let v = dt("2020-05-08 12:34:56");
        let cases = [
            (
                TimeUnit::Day,
                "p20200508",
                "2020-05-08 00:00:00",
                "2020-05-09 00:00:00",
            ),
            (
                TimeUnit::Month,
                "p202005",
                "2020-05-01 00:00:00",
                "2020-06-01 00:00:00",
            ),
            (
                TimeUnit::Year,
                "p2020",
                "2020-01-01 00:00:00",
                "2021-01-01 00:00:00",
            ),
            (
                TimeUnit::Hour,
                "p2020050812",
                "2020-05-08 12:00:00",
                "2020-05-08 13:00:00",
            ),
            (
                TimeUnit::Minute,
                "p202005081234",
                "2020-05-08 12:34:00",
                "2020-05-08 12:35:00",
            ),
        ];
        for (unit, name, lo, hi) in cases {
            let p = time_partition_for(TimeFunction::DateTrunc { unit }, &col, &v).unwrap();
            assert_eq!(p.name, name);
            assert_eq!(
                p.bound,
                NewPartitionBound::Range {
                    lower: PartitionKey(vec![dt(lo)]),
                    upper: PartitionKey(vec![dt(hi)])
                }
            );
        }
        assert!(time_partition_for(
            TimeFunction::DateTrunc {
                unit: TimeUnit::Week
            },
            &col,
            &v
        )
        .is_none());
        // DATE column: bounds are dates; NULL lands in 0000-01-01.
        let dcol = date_col("dt");
        let p = time_partition_for(
            TimeFunction::DateTrunc {
                unit: TimeUnit::Day,
            },
            &dcol,
            &PartitionValue::Null,
        )
        .unwrap();
        assert_eq!(p.name, "p00000101");
        assert_eq!(
            p.bound,
            NewPartitionBound::Range {
                lower: key("0000-01-01"),
                upper: key("0000-01-02")
            }
        );
    }

    #[test]
    fn time_slice_partitions_span_the_interval() {
        let dcol = date_col("dt");
        let p = time_partition_for(
            TimeFunction::TimeSlice {
                interval: 7,
                unit: TimeUnit::Day,
            },
            &dcol,
            &d("2021-01-31"),
        )
        .unwrap();
        assert_eq!(p.name, "p20210125");
        assert_eq!(
            p.bound,
            NewPartitionBound::Range {
                lower: key("2021-01-25"),
                upper: key("2021-02-01")
            }
        );
    }

    #[test]
    fn expression_batches_create_each_partition_once() {
        let mut ranges = RangePartitionInfo::new(vec![date_col("dt")]);
        ranges
            .add_range(
                9,
                &NewRange::Fixed {
                    lower: key("2020-05-08"),
                    upper: key("2020-05-09"),
                },
            )
            .unwrap();
        let info = PartitionInfo::Expression(ExpressionPartitionInfo::Time {
            function: TimeFunction::DateTrunc {
                unit: TimeUnit::Day,
            },
            ranges,
        });
        let col = vec![
            d("2020-05-08"),
            d("2020-05-10"),
            d("2020-05-10"),
            d("2020-05-11"),
        ];
        let b = info.locate_batch(&[col], 4, None);
        assert_eq!(
            b.rows,
            vec![
                RowTarget::Partition(9),
                RowTarget::New(0),
                RowTarget::New(0),
                RowTarget::New(1)
            ]
        );
        let names: Vec<&str> = b.new_partitions.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["p20200510", "p20200511"]);

        let cols = ListPartitionInfo::new(vec![
            PartitionColumn {
                name: "city".into(),
                data_type: DataType::Varchar(Some(10)),
            },
            PartitionColumn {
                name: "dt".into(),
                data_type: DataType::Date,
            },
        ]);
        let info = PartitionInfo::Expression(ExpressionPartitionInfo::Columns(cols));
        let b = info.locate_batch(
            &[
                vec![PartitionValue::Str("Beijing".into()), PartitionValue::Null],
                vec![d("2020-05-08"), d("2020-05-08")],
            ],
            2,
            None,
        );
        assert_eq!(b.rows, vec![RowTarget::New(0), RowTarget::NoPartition]);
        assert_eq!(b.new_partitions[0].name, "pBeijing_20200508");
    }

    #[test]
    fn list_partition_names_escape_like_starrocks() {
        assert_eq!(
            format_partition_value("2020-05-08 12:00:00"),
            "20200508120000"
        );
        assert_eq!(format_partition_value("-5"), "_5");
        assert_eq!(format_partition_value("a.b"), "a2eb");
        assert_eq!(format_partition_value("上海"), "4e0a6d77");
        assert_eq!(java_string_hash("hello"), 99162322);
        let long = PartitionValue::Str("x".repeat(60));
        let p = list_partition_for(&[long]);
        let full = format!("p{}", "x".repeat(60));
        assert_eq!(
            p.name,
            format!("{}_{:x}", &full[..50], java_string_hash(&full))
        );
    }
}
