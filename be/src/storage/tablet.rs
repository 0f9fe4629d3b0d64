//! One tablet: its persisted meta (schema, visible version), the derived column layout used by
//! the codecs (key columns in sort-key order, value columns in column order), and the
//! in-memory txn table (loaded at open, updated under the tablet's locks).
//!
//! Invariants: `visible_version` only grows, by exactly one per publish (or jumps to a cloned
//! version); a txn PUBLISHED at a version keeps it until compaction folds it; rows of a
//! PUBLISHED txn are never rewritten except by compaction,
//! which folds them into base rows that give the same merged view at every version at or
//! above `compacted_version` (reads below it are refused), so a read at an allowed version V
//! is repeatable.

use super::row::{ColReader, Kind};
use super::txn_state::TxnState;
use crate::error::BeError;
use arrow::array::{Array, StringArray};
use arrow::datatypes::SchemaRef;
use prost::Message;
use starload_proto::types::{AggType, KeysType, TabletSchema};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// What a new tablet's version is: an empty partition is at version 1 (ARCHITECTURE.md).
pub const INITIAL_VERSION: i64 = 1;

/// The persisted meta of one tablet (key `0x01 tablet_id`).
#[derive(Debug, Clone, PartialEq)]
pub struct TabletMeta {
    pub tablet_id: i64,
    pub table_id: i64,
    pub partition_id: i64,
    pub visible_version: i64,
    /// Versions <= base_version were truncated away.
    pub base_version: i64,
    /// Versions <= compacted_version are folded into base rows (`compaction.rs`); reads below
    /// it are refused. 0 = never compacted.
    pub compacted_version: i64,
    /// The seq the next DUPLICATE base row gets (base rows of one sort key need distinct seqs).
    pub base_next_seq: u64,
    /// A clone started and has not finished: the tablet holds no readable version until a
    /// clone completes (`clone.rs`).
    pub clone_pending: bool,
    pub schema: TabletSchema,
}

/// Format 1: no compaction fields; format 2 adds `compacted_version`, `base_next_seq` and
/// `flags` (bit 0: clone pending).
const META_FORMAT_V1: u8 = 1;
const META_FORMAT: u8 = 2;
/// Bytes before the schema in format 2.
const META_HEAD_V2: usize = 57;
/// Bytes before the schema in format 1.
const META_HEAD_V1: usize = 33;

impl TabletMeta {
    /// Value bytes: `2 table_id partition_id visible_version base_version compacted_version
    /// base_next_seq flags` (8 bytes LE each) then the prost-encoded TabletSchema. Format 1 (read
    /// only) lacks the two compaction fields.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(META_HEAD_V2 + self.schema.encoded_len());
        v.push(META_FORMAT);
        for x in [
            self.table_id,
            self.partition_id,
            self.visible_version,
            self.base_version,
            self.compacted_version,
            self.base_next_seq as i64,
            self.clone_pending as i64,
        ] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        self.schema.encode(&mut v).ok();
        v
    }

    /// Parses the value written by [`TabletMeta::encode`] (format 1 or 2).
    pub fn decode(tablet_id: i64, b: &[u8]) -> Result<Self, BeError> {
        let bad = || BeError::Storage(format!("corrupt meta of tablet {tablet_id}"));
        let head = match b.first() {
            Some(&META_FORMAT) => META_HEAD_V2,
            Some(&META_FORMAT_V1) => META_HEAD_V1,
            _ => return Err(bad()),
        };
        if b.len() < head {
            return Err(bad());
        }
        let n = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[1 + i * 8..9 + i * 8]);
            i64::from_le_bytes(a)
        };
        let schema = TabletSchema::decode(&b[head..]).map_err(|_| bad())?;
        let v2 = head == META_HEAD_V2;
        Ok(Self {
            tablet_id,
            table_id: n(0),
            partition_id: n(1),
            visible_version: n(2),
            base_version: n(3),
            compacted_version: if v2 { n(4) } else { 0 },
            base_next_seq: if v2 { n(5) as u64 } else { 0 },
            clone_pending: v2 && n(6) & 1 != 0,
            schema,
        })
    }
}

/// Mutable state of a tablet, guarded by [`Tablet::state`].
#[derive(Debug)]
pub struct TabletState {
    pub visible_version: i64,
    pub base_version: i64,
    /// See [`TabletMeta::compacted_version`]; raised in memory when a compaction starts.
    pub compacted_version: i64,
    pub base_next_seq: u64,
    pub clone_pending: bool,
    pub txns: HashMap<i64, TxnState>,
    /// Versions scans are reading now (version -> number of scans): compaction stays below.
    pub readers: BTreeMap<i64, usize>,
    /// When each recent version became visible here (the open counts as the moment the
    /// visible version appeared): compaction folds only versions that were superseded longer
    /// ago than the read grace, so queries planned at them can still start their scans.
    pub visible_since: VecDeque<(Instant, i64)>,
}

impl TabletState {
    /// The newest version that was already visible at `at` (None: none known that old).
    pub fn visible_at(&self, at: Instant) -> Option<i64> {
        self.visible_since
            .iter()
            .take_while(|(t, _)| *t <= at)
            .last()
            .map(|(_, v)| *v)
    }

    /// Forgets visibility times older than `at`, keeping the last one before it.
    pub fn trim_visible_since(&mut self, at: Instant) {
        while self.visible_since.len() > 1 && self.visible_since[1].0 <= at {
            self.visible_since.pop_front();
        }
    }

    /// The oldest version a running scan reads.
    pub fn oldest_reader(&self) -> Option<i64> {
        self.readers.keys().next().copied()
    }
}

/// A tablet in memory.
pub struct Tablet {
    pub id: i64,
    pub table_id: i64,
    pub partition_id: i64,
    pub schema: TabletSchema,
    pub arrow_schema: SchemaRef,
    pub keys_type: KeysType,
    /// Column index of each sort-key column, in key order.
    pub key_idx: Vec<usize>,
    pub key_kinds: Vec<Kind>,
    /// Column index of each value (non-key) column, in column order.
    pub value_idx: Vec<usize>,
    pub value_kinds: Vec<Kind>,
    pub value_aggs: Vec<AggType>,
    /// Encoded value of each value column's DEFAULT (None: NULL), for partial updates.
    pub value_defaults: Vec<Option<Vec<u8>>>,
    /// Serialises writes, publishes and aborts of this tablet (scans never take it).
    pub write_lock: Mutex<()>,
    /// Serialises sweeps, truncates, compactions and clones (everything that deletes rows).
    pub sweep_lock: Mutex<()>,
    pub state: Mutex<TabletState>,
}

/// Locks `m`, recovering the data of a poisoned lock (our critical sections keep their data
/// consistent before any fallible call).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tablet {
    /// Builds the in-memory tablet from its meta and txn states.
    pub fn new(meta: TabletMeta, txns: HashMap<i64, TxnState>) -> Result<Self, BeError> {
        let schema = meta.schema;
        let arrow_schema = Arc::new(starload_proto::schema::arrow_schema(&schema));
        let keys_type = KeysType::try_from(schema.keys_type).unwrap_or(KeysType::DupKeys);
        let n = schema.columns.len();
        let mut key_idx: Vec<usize> = schema.sort_key_idx.iter().map(|i| *i as usize).collect();
        if key_idx.is_empty() {
            key_idx = (0..n).filter(|i| schema.columns[*i].is_key).collect();
        }
        if let Some(bad) = key_idx.iter().find(|i| **i >= n) {
            return Err(BeError::InvalidArgument(format!(
                "sort key index {bad} out of range for tablet {}",
                meta.tablet_id
            )));
        }
        let value_idx: Vec<usize> = (0..n).filter(|i| !key_idx.contains(i)).collect();
        let kind = |i: &usize| Kind::of(arrow_schema.field(*i).data_type());
        let key_kinds = key_idx.iter().map(kind).collect::<Result<Vec<_>, _>>()?;
        if key_kinds.iter().any(|k| matches!(k, Kind::List(..))) {
            return Err(BeError::InvalidArgument(
                "an ARRAY column cannot be a key column".into(),
            ));
        }
        let value_kinds = value_idx.iter().map(kind).collect::<Result<Vec<_>, _>>()?;
        let value_aggs = value_idx
            .iter()
            .map(|i| AggType::try_from(schema.columns[*i].agg).unwrap_or(AggType::Unspecified))
            .collect();
        let value_defaults = value_idx
            .iter()
            .zip(&value_kinds)
            .map(|(i, k)| {
                let c = &schema.columns[*i];
                default_bytes(c.default_value.as_deref(), k)
                    .or_else(|| (!c.nullable).then(|| zero_bytes(k)).flatten())
            })
            .collect();
        Ok(Self {
            id: meta.tablet_id,
            table_id: meta.table_id,
            partition_id: meta.partition_id,
            arrow_schema,
            keys_type,
            key_idx,
            key_kinds,
            value_idx,
            value_kinds,
            value_aggs,
            value_defaults,
            write_lock: Mutex::new(()),
            sweep_lock: Mutex::new(()),
            state: Mutex::new(TabletState {
                visible_version: meta.visible_version,
                base_version: meta.base_version,
                compacted_version: meta.compacted_version,
                base_next_seq: meta.base_next_seq,
                clone_pending: meta.clone_pending,
                txns,
                readers: BTreeMap::new(),
                visible_since: VecDeque::from([(Instant::now(), meta.visible_version)]),
            }),
            schema,
        })
    }

    /// The meta as it must be persisted now.
    pub fn meta(&self, st: &TabletState) -> TabletMeta {
        TabletMeta {
            tablet_id: self.id,
            table_id: self.table_id,
            partition_id: self.partition_id,
            visible_version: st.visible_version,
            base_version: st.base_version,
            compacted_version: st.compacted_version,
            base_next_seq: st.base_next_seq,
            clone_pending: st.clone_pending,
            schema: self.schema.clone(),
        }
    }

    /// Current visible version.
    pub fn visible_version(&self) -> i64 {
        lock(&self.state).visible_version
    }

    /// Index of column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.schema.columns.iter().position(|c| c.name == name)
    }

    /// True for UNIQUE and PRIMARY KEY tablets (latest row wins, `__op` deletes).
    pub fn is_upsert_model(&self) -> bool {
        matches!(self.keys_type, KeysType::UniqueKeys | KeysType::PrimaryKeys)
    }
}

/// The value encoding of a column DEFAULT, parsed with Arrow's string cast (None when absent
/// or unparsable, which stores NULL).
fn default_bytes(text: Option<&str>, kind: &Kind) -> Option<Vec<u8>> {
    let text = text?;
    let src = StringArray::from(vec![text]);
    let arr = arrow::compute::cast(&src, &kind.data_type()).ok()?;
    let r = ColReader::new(arr.as_ref(), kind).ok()?;
    if arr.is_null(0) {
        return None;
    }
    let mut out = Vec::new();
    r.encode_value(0, &mut out).ok()?;
    Some(out)
}

/// The value a NOT NULL column without DEFAULT gets in a partial update of a new key: the
/// type's zero value, as StarRocks's `Column::append_default` (`TabletUpdates::get_column_values`):
/// 0 for numbers, "" for strings, 0000-01-01 for DATE (`DateValue::MIN_DATE_VALUE`) and
/// 0000-01-01 00:00:00 for DATETIME; None (NULL) for arrays.
fn zero_bytes(kind: &Kind) -> Option<Vec<u8>> {
    const ZERO_DATE_DAYS: i32 = -719_528;
    Some(match kind {
        Kind::Bool | Kind::I8 => vec![0],
        Kind::I16 => vec![0; 2],
        Kind::I32 | Kind::F32 => vec![0; 4],
        Kind::I64 | Kind::F64 => vec![0; 8],
        Kind::Decimal(..) => vec![0; 16],
        Kind::Utf8 => vec![0],
        // Days and microseconds from 1970-01-01 to 0000-01-01 (proleptic Gregorian).
        Kind::Date32 => ZERO_DATE_DAYS.to_le_bytes().to_vec(),
        Kind::TsUs => (i64::from(ZERO_DATE_DAYS) * 86_400_000_000)
            .to_le_bytes()
            .to_vec(),
        Kind::List(..) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use starload_proto::types::{ColumnDef, ColumnType, PrimitiveType};

    #[test]
    fn zero_values_of_dates_are_year_zero() {
        let days = crate::load::transform::convert::days_from_civil(0, 1, 1);
        assert_eq!(zero_bytes(&Kind::Date32), Some(days.to_le_bytes().to_vec()));
        let us = i64::from(days) * 86_400_000_000;
        assert_eq!(zero_bytes(&Kind::TsUs), Some(us.to_le_bytes().to_vec()));
    }

    #[test]
    fn meta_round_trip_and_corruption() {
        let schema = TabletSchema {
            keys_type: KeysType::AggKeys as i32,
            columns: vec![ColumnDef {
                name: "k".into(),
                r#type: Some(ColumnType {
                    r#type: PrimitiveType::Int as i32,
                    ..Default::default()
                }),
                is_key: true,
                ..Default::default()
            }],
            sort_key_idx: vec![0],
            ..Default::default()
        };
        let m = TabletMeta {
            tablet_id: 7,
            table_id: 1,
            partition_id: 2,
            visible_version: 5,
            base_version: 0,
            compacted_version: 3,
            base_next_seq: 99,
            clone_pending: true,
            schema,
        };
        assert_eq!(TabletMeta::decode(7, &m.encode()).unwrap(), m);
        // Format 1 (before compaction) still reads, with no compaction yet.
        let mut v1 = vec![1u8];
        for x in [1i64, 2, 5, 0] {
            v1.extend_from_slice(&x.to_le_bytes());
        }
        m.schema.encode(&mut v1).unwrap();
        let old = TabletMeta::decode(7, &v1).unwrap();
        assert_eq!(
            (
                old.visible_version,
                old.compacted_version,
                old.base_next_seq
            ),
            (5, 0, 0)
        );
        assert_eq!(old.schema, m.schema);
        assert!(TabletMeta::decode(7, &m.encode()[..20]).is_err());
        let mut bad = m.encode();
        bad[0] = 9;
        assert!(TabletMeta::decode(7, &bad).is_err());
    }

    #[test]
    fn defaults_parse_to_values() {
        let b = default_bytes(Some("42"), &Kind::I32).unwrap();
        assert_eq!(b, 42i32.to_le_bytes());
        assert!(default_bytes(Some("x"), &Kind::I32).is_none());
        assert!(default_bytes(None, &Kind::Utf8).is_none());
    }
}
