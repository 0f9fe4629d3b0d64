//! Which partition each row of a load batch goes to (StarRocks `OlapTablePartitionParam::
//! find_tablets` in `be/src/exec/tablet_info.cpp`), from the routes the FE sent
//! (`PartitionRouting`): range partitions by binary search over the sorted lower bounds, list
//! partitions through a hash index, both over the partition columns' Arrow values, a batch at
//! a time (one key column extraction per batch, no per-row allocation for one-column keys).
//!
//! NULL: a range whose lower bound is the minimum (`min`) takes NULL rows, as StarRocks's sink
//! sends no start key for such a partition; in list partitions NULL matches nothing. A row no
//! partition holds is answered as `None`: the sink's caller makes it an error row with
//! StarRocks's text ([`ROW_OUT_OF_PARTITION_RANGES`]) or, for expression partitioning, asks the
//! FE to create its partition ([`RowKeys::missing_texts`]).

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Int16Array, Int32Array,
    Int64Array, Int8Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::DataType;
use starload_proto::types::{
    partition_key_value::Value, PartitionKeyTuple, PartitionKind, PartitionRoute, PartitionRouting,
};
use std::cmp::Ordering;
use std::collections::HashMap;

/// The error-log text of a row no partition holds (StarRocks BE `tablet_sink.cpp`).
pub const ROW_OUT_OF_PARTITION_RANGES: &str =
    "The row is out of partition ranges. Please add a new partition.";

/// A bound value. The derived order is the bound order: `Min` below every value (and equal to
/// a NULL row value), `Max` above.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bound {
    Min,
    Int(i128),
    Str(String),
    Max,
}

impl Bound {
    fn from_proto(v: &starload_proto::types::PartitionKeyValue) -> Result<Self, RouteError> {
        Ok(match &v.value {
            Some(Value::Int(i)) => Bound::Int(*i as i128),
            Some(Value::Largeint(s)) => Bound::Int(
                s.parse()
                    .map_err(|_| RouteError::BadBound(format!("largeint {s}")))?,
            ),
            Some(Value::Text(s)) => Bound::Str(s.clone()),
            Some(Value::Min(_)) => Bound::Min,
            Some(Value::Max(_)) => Bound::Max,
            None => return Err(RouteError::BadBound("empty value".into())),
        })
    }
}

/// A row's value of one partition column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key<'a> {
    Null,
    Int(i128),
    Str(&'a str),
}

fn cmp_key_bound(k: Key<'_>, b: &Bound) -> Ordering {
    match (k, b) {
        (Key::Null, Bound::Min) => Ordering::Equal,
        (Key::Null, _) => Ordering::Less,
        (_, Bound::Min) => Ordering::Greater,
        (_, Bound::Max) => Ordering::Less,
        (Key::Int(a), Bound::Int(b)) => a.cmp(b),
        (Key::Str(a), Bound::Str(b)) => a.cmp(b.as_str()),
        // Mixed kinds do not occur for one column (the FE sends the column's kind).
        (Key::Int(_), Bound::Str(_)) => Ordering::Less,
        (Key::Str(_), Bound::Int(_)) => Ordering::Greater,
    }
}

fn cmp_tuple(row: &[Key<'_>], bound: &[Bound]) -> Ordering {
    for (k, b) in row.iter().zip(bound) {
        match cmp_key_bound(*k, b) {
            Ordering::Equal => continue,
            o => return o,
        }
    }
    Ordering::Equal
}

/// A routing failure (a route the FE sent that the BE cannot use).
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("invalid partition bound: {0}")]
    BadBound(String),
    #[error("partition column {0} is not in the load's columns")]
    MissingColumn(u32),
    #[error("partition column of type {0} cannot be routed")]
    UnsupportedType(DataType),
}

/// One partition column of a batch, as comparable keys.
enum KeyColumn {
    Int(Vec<Option<i128>>),
    Str(StringArray),
}

impl KeyColumn {
    fn from_array(a: &ArrayRef) -> Result<Self, RouteError> {
        fn ints<T: Array + 'static, F: Fn(&T, usize) -> i128>(
            a: &dyn Array,
            f: F,
        ) -> Vec<Option<i128>> {
            let arr = a.as_any().downcast_ref::<T>();
            (0..a.len())
                .map(|i| match arr {
                    Some(t) if !a.is_null(i) => Some(f(t, i)),
                    _ => None,
                })
                .collect()
        }
        let a = a.as_ref();
        Ok(match a.data_type() {
            DataType::Int8 => KeyColumn::Int(ints::<Int8Array, _>(a, |t, i| t.value(i) as i128)),
            DataType::Int16 => KeyColumn::Int(ints::<Int16Array, _>(a, |t, i| t.value(i) as i128)),
            DataType::Int32 => KeyColumn::Int(ints::<Int32Array, _>(a, |t, i| t.value(i) as i128)),
            DataType::Int64 => KeyColumn::Int(ints::<Int64Array, _>(a, |t, i| t.value(i) as i128)),
            DataType::Decimal128(_, 0) => {
                KeyColumn::Int(ints::<Decimal128Array, _>(a, |t, i| t.value(i)))
            }
            DataType::Date32 => {
                KeyColumn::Int(ints::<Date32Array, _>(a, |t, i| t.value(i) as i128))
            }
            DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None) => {
                KeyColumn::Int(ints::<TimestampMicrosecondArray, _>(a, |t, i| {
                    t.value(i) as i128
                }))
            }
            DataType::Boolean => {
                KeyColumn::Int(ints::<BooleanArray, _>(a, |t, i| t.value(i) as i128))
            }
            DataType::Utf8 => KeyColumn::Str(a.as_string::<i32>().clone()),
            other => return Err(RouteError::UnsupportedType(other.clone())),
        })
    }

    fn key(&self, row: usize) -> Key<'_> {
        match self {
            KeyColumn::Int(v) => v[row].map(Key::Int).unwrap_or(Key::Null),
            KeyColumn::Str(s) => {
                if s.is_null(row) {
                    Key::Null
                } else {
                    Key::Str(s.value(row))
                }
            }
        }
    }
}

/// The partition columns of one batch.
pub struct RowKeys {
    cols: Vec<KeyColumn>,
    types: Vec<DataType>,
}

impl RowKeys {
    fn key_into<'a>(&'a self, row: usize, out: &mut Vec<Key<'a>>) {
        out.clear();
        out.extend(self.cols.iter().map(|c| c.key(row)));
    }

    /// The partition column values of `row` as the FE parses them (`2020-01-01`,
    /// `2020-01-01 10:00:00`, `12`, text), None for NULL: what `CreatePartitions` carries.
    pub fn texts(&self, row: usize) -> Vec<Option<String>> {
        self.cols
            .iter()
            .zip(&self.types)
            .map(|(c, t)| match c.key(row) {
                Key::Null => None,
                Key::Str(s) => Some(s.to_string()),
                Key::Int(v) => Some(int_text(v, t)),
            })
            .collect()
    }

    /// The distinct texts of `rows` (first appearance order).
    pub fn missing_texts(&self, rows: &[u32]) -> Vec<Vec<Option<String>>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for &r in rows {
            let t = self.texts(r as usize);
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
        out
    }
}

fn int_text(v: i128, t: &DataType) -> String {
    match t {
        DataType::Date32 => chrono::DateTime::from_timestamp(v as i64 * 86_400, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        DataType::Timestamp(..) => {
            let secs = (v as i64).div_euclid(1_000_000);
            let micros = (v as i64).rem_euclid(1_000_000);
            match chrono::DateTime::from_timestamp(secs, micros as u32 * 1000) {
                Some(d) if micros == 0 => d.format("%Y-%m-%d %H:%M:%S").to_string(),
                Some(d) => d.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                None => String::new(),
            }
        }
        DataType::Boolean => if v != 0 { "true" } else { "false" }.to_string(),
        _ => v.to_string(),
    }
}

struct RangeRoute {
    lower: Vec<Bound>,
    upper: Vec<Bound>,
    slot: usize,
}

/// Routes rows to partition slots (the index of the partition in the order routes were added).
pub struct PartitionRouter {
    kind: PartitionKind,
    column_idx: Vec<u32>,
    automatic: bool,
    /// RANGE: sorted by lower bound, never overlapping.
    ranges: Vec<RangeRoute>,
    /// LIST, one column.
    list_int: HashMap<i128, usize>,
    list_str: HashMap<String, usize>,
    /// LIST, several columns.
    list_multi: HashMap<Vec<Bound>, usize>,
    /// Partition id of each slot.
    ids: Vec<i64>,
}

fn tuple(t: &Option<PartitionKeyTuple>) -> Result<Vec<Bound>, RouteError> {
    t.as_ref()
        .map(|t| t.values.iter().map(Bound::from_proto).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

impl PartitionRouter {
    /// A router for `routing`; an absent or UNPARTITIONED routing puts every row in slot 0.
    pub fn new(routing: Option<&PartitionRouting>) -> Result<Self, RouteError> {
        let mut r = Self {
            kind: PartitionKind::Unpartitioned,
            column_idx: Vec::new(),
            automatic: false,
            ranges: Vec::new(),
            list_int: HashMap::new(),
            list_str: HashMap::new(),
            list_multi: HashMap::new(),
            ids: Vec::new(),
        };
        if let Some(routing) = routing {
            r.kind = routing.kind();
            if r.kind == PartitionKind::Unspecified {
                r.kind = PartitionKind::Unpartitioned;
            }
            r.column_idx = routing.column_idx.clone();
            r.automatic = routing.automatic;
            for p in &routing.partitions {
                r.add(p)?;
            }
        }
        Ok(r)
    }

    /// True when rows may need partitions created by the FE.
    pub fn is_automatic(&self) -> bool {
        self.automatic
    }

    /// True when there is one partition for every row.
    pub fn is_unpartitioned(&self) -> bool {
        self.kind == PartitionKind::Unpartitioned
    }

    /// The partition id of `slot`.
    pub fn partition_id(&self, slot: usize) -> Option<i64> {
        self.ids.get(slot).copied()
    }

    /// Adds a partition route; its slot is the next index. An id already routed is ignored
    /// (returns its slot).
    pub fn add(&mut self, p: &PartitionRoute) -> Result<usize, RouteError> {
        if let Some(s) = self.ids.iter().position(|id| *id == p.partition_id) {
            return Ok(s);
        }
        let slot = self.ids.len();
        match self.kind {
            PartitionKind::Range => {
                let lower = tuple(&p.lower)?;
                let upper = tuple(&p.upper)?;
                let at = self
                    .ranges
                    .partition_point(|r| r.lower.cmp(&lower) == Ordering::Less);
                self.ranges.insert(at, RangeRoute { lower, upper, slot });
            }
            PartitionKind::List => {
                for t in &p.values {
                    let vals: Vec<Bound> = t
                        .values
                        .iter()
                        .map(Bound::from_proto)
                        .collect::<Result<_, _>>()?;
                    match vals.as_slice() {
                        [Bound::Int(i)] if self.column_idx.len() == 1 => {
                            self.list_int.insert(*i, slot);
                        }
                        [Bound::Str(s)] if self.column_idx.len() == 1 => {
                            self.list_str.insert(s.clone(), slot);
                        }
                        _ => {
                            self.list_multi.insert(vals, slot);
                        }
                    }
                }
            }
            PartitionKind::Unpartitioned | PartitionKind::Unspecified => {}
        }
        self.ids.push(p.partition_id);
        Ok(slot)
    }

    /// The partition columns of `batch` (tablet column order).
    pub fn keys(&self, batch: &RecordBatch) -> Result<RowKeys, RouteError> {
        let mut cols = Vec::with_capacity(self.column_idx.len());
        let mut types = Vec::with_capacity(self.column_idx.len());
        for &i in &self.column_idx {
            let a = batch
                .columns()
                .get(i as usize)
                .ok_or(RouteError::MissingColumn(i))?;
            types.push(a.data_type().clone());
            cols.push(KeyColumn::from_array(a)?);
        }
        Ok(RowKeys { cols, types })
    }

    /// The slot of each of `rows` (None: no partition holds the row).
    pub fn route(&self, keys: &RowKeys, rows: impl Iterator<Item = usize>) -> Vec<Option<usize>> {
        let mut buf: Vec<Key<'_>> = Vec::with_capacity(keys.cols.len());
        // Kafka data mostly arrives in time order: the next row usually falls in the range
        // the previous one did, so that range is tried before the binary search.
        let mut last: Option<usize> = None;
        rows.map(|row| {
            if self.kind == PartitionKind::Unpartitioned {
                return (!self.ids.is_empty()).then_some(0);
            }
            keys.key_into(row, &mut buf);
            match self.kind {
                PartitionKind::Range => self.find_range(&buf, &mut last),
                PartitionKind::List => self.find_list(&buf),
                _ => None,
            }
        })
        .collect()
    }

    /// The slot of the range holding `key`; `last` is the index of the range the previous
    /// row fell in (tried first, updated on a hit).
    fn find_range(&self, key: &[Key<'_>], last: &mut Option<usize>) -> Option<usize> {
        if let Some(r) = last.and_then(|i| self.ranges.get(i)) {
            if cmp_tuple(key, &r.lower) != Ordering::Less
                && cmp_tuple(key, &r.upper) == Ordering::Less
            {
                return Some(r.slot);
            }
        }
        // The last range whose lower bound is <= key.
        let n = self
            .ranges
            .partition_point(|r| cmp_tuple(key, &r.lower) != Ordering::Less);
        let i = n.checked_sub(1)?;
        let r = self.ranges.get(i)?;
        let hit = cmp_tuple(key, &r.upper) == Ordering::Less;
        if hit {
            *last = Some(i);
        }
        hit.then_some(r.slot)
    }

    fn find_list(&self, key: &[Key<'_>]) -> Option<usize> {
        match key {
            [Key::Null] => None,
            [Key::Int(i)] if self.list_multi.is_empty() => self.list_int.get(i).copied(),
            [Key::Str(s)] if self.list_multi.is_empty() => self.list_str.get(*s).copied(),
            _ => {
                let owned: Option<Vec<Bound>> = key
                    .iter()
                    .map(|k| match k {
                        Key::Null => None,
                        Key::Int(i) => Some(Bound::Int(*i)),
                        Key::Str(s) => Some(Bound::Str(s.to_string())),
                    })
                    .collect();
                self.list_multi.get(&owned?).copied()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, Schema};
    use starload_proto::types::PartitionKeyValue;
    use std::sync::Arc;

    fn int(v: i64) -> PartitionKeyValue {
        PartitionKeyValue {
            value: Some(Value::Int(v)),
        }
    }
    fn min() -> PartitionKeyValue {
        PartitionKeyValue {
            value: Some(Value::Min(true)),
        }
    }
    fn max() -> PartitionKeyValue {
        PartitionKeyValue {
            value: Some(Value::Max(true)),
        }
    }
    fn text(s: &str) -> PartitionKeyValue {
        PartitionKeyValue {
            value: Some(Value::Text(s.into())),
        }
    }
    fn t(v: Vec<PartitionKeyValue>) -> Option<PartitionKeyTuple> {
        Some(PartitionKeyTuple { values: v })
    }
    fn range(id: i64, lo: PartitionKeyValue, hi: PartitionKeyValue) -> PartitionRoute {
        PartitionRoute {
            partition_id: id,
            lower: t(vec![lo]),
            upper: t(vec![hi]),
            values: vec![],
            bucket_num: 1,
        }
    }

    fn date_batch(days: Vec<Option<i32>>) -> RecordBatch {
        let s = Arc::new(Schema::new(vec![Field::new("dt", DataType::Date32, true)]));
        RecordBatch::try_new(s, vec![Arc::new(Date32Array::from(days))]).unwrap()
    }

    #[test]
    fn ranges_route_by_lower_bound_and_null_goes_to_the_min_partition() {
        // Added out of order: the router sorts by lower bound.
        let routing = PartitionRouting {
            kind: PartitionKind::Range as i32,
            column_idx: vec![0],
            partitions: vec![
                range(30, int(20), max()),
                range(10, min(), int(10)),
                range(20, int(10), int(15)),
            ],
            automatic: false,
        };
        let r = PartitionRouter::new(Some(&routing)).unwrap();
        let b = date_batch(vec![
            Some(-5),
            Some(9),
            Some(10),
            Some(14),
            Some(15),
            Some(99),
            None,
            // The previous row's range is tried first: a miss must fall back to the search.
            Some(12),
            Some(12),
            Some(20),
        ]);
        let keys = r.keys(&b).unwrap();
        let slots = r.route(&keys, 0..b.num_rows());
        let ids: Vec<Option<i64>> = slots
            .iter()
            .map(|s| s.and_then(|s| r.partition_id(s)))
            .collect();
        assert_eq!(
            ids,
            vec![
                Some(10),
                Some(10),
                Some(20),
                Some(20),
                None,
                Some(30),
                Some(10),
                Some(20),
                Some(20),
                Some(30)
            ]
        );
    }

    #[test]
    fn no_min_partition_means_null_has_no_partition() {
        let routing = PartitionRouting {
            kind: PartitionKind::Range as i32,
            column_idx: vec![0],
            partitions: vec![range(1, int(0), int(10))],
            automatic: true,
        };
        let r = PartitionRouter::new(Some(&routing)).unwrap();
        let b = date_batch(vec![None, Some(3), Some(10)]);
        let keys = r.keys(&b).unwrap();
        assert_eq!(r.route(&keys, 0..3), vec![None, Some(0), None]);
        // 1970-01-11: the FE gets the date text to name the partition after.
        assert_eq!(
            keys.missing_texts(&[0, 2, 2]),
            vec![vec![None], vec![Some("1970-01-11".into())]]
        );
    }

    #[test]
    fn lists_match_exact_values_and_multi_column_tuples() {
        let routing = PartitionRouting {
            kind: PartitionKind::List as i32,
            column_idx: vec![0],
            partitions: vec![PartitionRoute {
                partition_id: 7,
                lower: None,
                upper: None,
                values: vec![
                    PartitionKeyTuple {
                        values: vec![text("Tokyo")],
                    },
                    PartitionKeyTuple {
                        values: vec![text("Osaka")],
                    },
                ],
                bucket_num: 1,
            }],
            automatic: false,
        };
        let r = PartitionRouter::new(Some(&routing)).unwrap();
        let s = Arc::new(Schema::new(vec![Field::new("c", DataType::Utf8, true)]));
        let b = RecordBatch::try_new(
            s,
            vec![Arc::new(StringArray::from(vec![
                Some("Osaka"),
                Some("Kyoto"),
                None,
            ]))],
        )
        .unwrap();
        assert_eq!(
            r.route(&r.keys(&b).unwrap(), 0..3),
            vec![Some(0), None, None]
        );

        let multi = PartitionRouting {
            kind: PartitionKind::List as i32,
            column_idx: vec![0, 1],
            partitions: vec![PartitionRoute {
                partition_id: 8,
                lower: None,
                upper: None,
                values: vec![PartitionKeyTuple {
                    values: vec![int(1), text("a")],
                }],
                bucket_num: 1,
            }],
            automatic: false,
        };
        let r = PartitionRouter::new(Some(&multi)).unwrap();
        let s = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int32, true),
            Field::new("c", DataType::Utf8, true),
        ]));
        let b = RecordBatch::try_new(
            s,
            vec![
                Arc::new(Int32Array::from(vec![1, 1, 2])),
                Arc::new(StringArray::from(vec!["a", "b", "a"])),
            ],
        )
        .unwrap();
        assert_eq!(
            r.route(&r.keys(&b).unwrap(), 0..3),
            vec![Some(0), None, None]
        );
    }

    #[test]
    fn datetime_texts_keep_fractions_only_when_present() {
        assert_eq!(
            int_text(
                1_000_000 * 86_400 + 5,
                &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None)
            ),
            "1970-01-02 00:00:00.000005"
        );
        assert_eq!(
            int_text(
                0,
                &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None)
            ),
            "1970-01-01 00:00:00"
        );
    }
}
