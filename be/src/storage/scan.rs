//! Merge-on-read scans of one tablet at one published version.
//!
//! One forward pass over the tablet's row keys (sorted by sort key, then txn, then seq). Rows
//! of txns not PUBLISHED at a version <= V are skipped. Then per model:
//! - DUPLICATE: every row, in sort-key order (ties in txn id, then arrival order);
//! - AGGREGATE: rows with one sort key are folded in (version, seq) order with each value
//!   column's SUM / MAX / MIN / REPLACE / REPLACE_IF_NOT_NULL (SUM, MAX, MIN ignore NULLs);
//! - UNIQUE / PRIMARY: the latest row per key wins; `__op` = 1 deletes the key; partial rows
//!   overlay the columns they carry (a new key takes the column DEFAULTs); a row with a merge
//!   condition is ignored when the stored row's condition column is greater.
//!
//! Projection decodes only what is needed; simple predicates are applied to merged rows with
//! Arrow kernels, and predicates on the first sort-key column also narrow the RocksDB range.

use super::keys;
use super::rocks::RocksEngine;
use super::row::{
    decode_row, decode_value, ColBuilder, ColReader, Datum, RowValue, FLAG_CONDITION, FLAG_DELETE,
    FLAG_PARTIAL,
};
use super::tablet::{lock, Tablet};
use super::txn_state::TxnState;
use super::ScanPredicate;
use crate::error::BeError;
use arrow::array::{Array, ArrayRef, BooleanArray, Scalar, StringArray};
use arrow::compute::kernels::cmp;
use arrow::compute::{CastOptions, FilterBuilder};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use starload_proto::be::CompareOp;
use starload_proto::types::{AggType, KeysType};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// What to read.
#[derive(Debug, Clone)]
pub struct ScanRequest<'a> {
    /// Read at this published version.
    pub version: i64,
    /// Output columns by name, in order; empty = all.
    pub columns: &'a [String],
    pub predicates: &'a [ScanPredicate],
    /// Max rows returned; 0 = no limit.
    pub limit: usize,
    /// Rows per emitted batch (before predicates).
    pub batch_rows: usize,
}

struct Entry {
    version: i64,
    seq: u64,
    start: usize,
    end: usize,
}

/// Output state: builders for the needed columns, then filter/project/limit per batch.
struct Out<'t> {
    t: &'t Tablet,
    builders: Vec<Option<ColBuilder>>,
    needed: Vec<usize>,
    needed_schema: SchemaRef,
    out_schema: SchemaRef,
    /// Position of each output column in `needed`.
    out_pos: Vec<usize>,
    predicates: &'t [ScanPredicate],
    rows: usize,
    batch_rows: usize,
    remaining: usize,
    scratch: Vec<u8>,
}

fn cast_literal(lit: &str, a: &dyn Array, column: &str) -> Result<ArrayRef, BeError> {
    let src = StringArray::from(vec![lit]);
    let opts = CastOptions {
        safe: false,
        ..Default::default()
    };
    arrow::compute::cast_with_options(&src, a.data_type(), &opts).map_err(|e| {
        BeError::InvalidArgument(format!(
            "predicate on {column}: literal '{lit}' is not a {}: {e}",
            a.data_type()
        ))
    })
}

/// Rows of `batch` matching every predicate.
pub fn apply_predicates(
    batch: &RecordBatch,
    preds: &[ScanPredicate],
) -> Result<RecordBatch, BeError> {
    if preds.is_empty() || batch.num_rows() == 0 {
        return Ok(batch.clone());
    }
    let err = |e: arrow::error::ArrowError| BeError::Storage(format!("predicate: {e}"));
    let mut mask: Option<BooleanArray> = None;
    for p in preds {
        let col = batch.column_by_name(&p.column).ok_or_else(|| {
            BeError::InvalidArgument(format!("Unknown column '{}' in predicate", p.column))
        })?;
        let op = CompareOp::try_from(p.op).unwrap_or(CompareOp::Unspecified);
        let m = match op {
            CompareOp::IsNull => arrow::compute::is_null(col).map_err(err)?,
            CompareOp::IsNotNull => arrow::compute::is_not_null(col).map_err(err)?,
            CompareOp::Unspecified => {
                return Err(BeError::InvalidArgument(format!(
                    "predicate on {} has no operator",
                    p.column
                )))
            }
            _ => {
                let lit = cast_literal(&p.literal, col.as_ref(), &p.column)?;
                let s = Scalar::new(lit);
                match op {
                    CompareOp::Eq => cmp::eq(col, &s),
                    CompareOp::Ne => cmp::neq(col, &s),
                    CompareOp::Lt => cmp::lt(col, &s),
                    CompareOp::Le => cmp::lt_eq(col, &s),
                    CompareOp::Gt => cmp::gt(col, &s),
                    _ => cmp::gt_eq(col, &s),
                }
                .map_err(err)?
            }
        };
        mask = Some(match mask {
            None => m,
            Some(prev) => arrow::compute::and(&prev, &m).map_err(err)?,
        });
    }
    match mask {
        None => Ok(batch.clone()),
        Some(m) => {
            let f = FilterBuilder::new(&m).optimize().build();
            let cols = batch
                .columns()
                .iter()
                .map(|c| f.filter(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            RecordBatch::try_new(batch.schema(), cols).map_err(err)
        }
    }
}

impl<'t> Out<'t> {
    /// Appends the key columns of `sort_key` (row key without `0x10 tablet_id`).
    fn key(&mut self, sort_key: &[u8]) -> Result<(), BeError> {
        let mut pos = 0;
        for (j, k) in self.t.key_kinds.iter().enumerate() {
            let d = keys::decode_key_col(k, sort_key, &mut pos, &mut self.scratch)?;
            if let Some(b) = self.builders[self.t.key_idx[j]].as_mut() {
                b.append(&d)?;
            }
        }
        Ok(())
    }

    /// Appends the value columns of a full (non-partial) stored value without allocating.
    fn value_direct(&mut self, v: &[u8]) -> Result<(), BeError> {
        let t = self.t;
        let flags = v.first().copied().unwrap_or(0);
        let mut pos = 1;
        if flags & FLAG_CONDITION != 0 {
            pos += 2;
        }
        let bm_len = t.value_kinds.len().div_ceil(8);
        let nulls = v
            .get(pos..pos + bm_len)
            .ok_or_else(|| BeError::Storage("corrupt row value".into()))?;
        pos += bm_len;
        for (j, k) in t.value_kinds.iter().enumerate() {
            let is_null = nulls[j / 8] & (1 << (j % 8)) != 0;
            let b = self.builders[t.value_idx[j]].as_mut();
            if is_null {
                if let Some(b) = b {
                    b.append_null();
                }
            } else {
                let d = decode_value(k, v, &mut pos)?;
                if let Some(b) = b {
                    b.append(&d)?;
                }
            }
        }
        Ok(())
    }

    fn values(&mut self, vals: &[Datum<'_>]) -> Result<(), BeError> {
        for (j, d) in vals.iter().enumerate() {
            if let Some(b) = self.builders[self.t.value_idx[j]].as_mut() {
                b.append(d)?;
            }
        }
        Ok(())
    }

    /// Counts one emitted row; flushes a batch when full. Returns false when the limit is hit.
    fn row_done(
        &mut self,
        emit: &mut dyn FnMut(RecordBatch) -> Result<bool, BeError>,
    ) -> Result<bool, BeError> {
        self.rows += 1;
        if self.rows >= self.batch_rows {
            return self.flush(emit);
        }
        Ok(true)
    }

    fn flush(
        &mut self,
        emit: &mut dyn FnMut(RecordBatch) -> Result<bool, BeError>,
    ) -> Result<bool, BeError> {
        if self.rows == 0 {
            return Ok(self.remaining > 0);
        }
        let n = self.rows;
        self.rows = 0;
        let mut cols = Vec::with_capacity(self.needed.len());
        for &i in &self.needed {
            if let Some(b) = self.builders[i].as_mut() {
                cols.push(b.finish()?);
            }
        }
        let err = |e: arrow::error::ArrowError| BeError::Storage(format!("build batch: {e}"));
        let opts = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(n));
        let all = RecordBatch::try_new_with_options(self.needed_schema.clone(), cols, &opts)
            .map_err(err)?;
        let filtered = apply_predicates(&all, self.predicates)?;
        let mut cols: Vec<ArrayRef> = self
            .out_pos
            .iter()
            .map(|p| filtered.column(*p).clone())
            .collect();
        let mut rows = filtered.num_rows();
        if rows > self.remaining {
            cols = cols.iter().map(|c| c.slice(0, self.remaining)).collect();
            rows = self.remaining;
        }
        self.remaining -= rows;
        if rows > 0 {
            let opts = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows));
            let b = RecordBatch::try_new_with_options(self.out_schema.clone(), cols, &opts)
                .map_err(err)?;
            if !emit(b)? {
                self.remaining = 0;
            }
        }
        Ok(self.remaining > 0)
    }
}

/// Folds AGGREGATE rows (in version order) into one. A FLOAT sum is rounded to FLOAT after
/// every step, so a sum folded by compaction (stored as FLOAT) continues exactly like the
/// sum the scan would have computed from the single rows.
pub fn fold_agg<'a>(t: &Tablet, rows: &[RowValue<'a>]) -> Vec<Datum<'a>> {
    let aggs = &t.value_aggs;
    let mut acc: Vec<Datum<'a>> = rows[0]
        .values
        .iter()
        .map(|v| v.unwrap_or(Datum::Null))
        .collect();
    for r in &rows[1..] {
        for (j, v) in r.values.iter().enumerate() {
            if let Some(new) = v {
                acc[j] = agg(aggs[j], acc[j], *new);
                if let (super::row::Kind::F32, Datum::Float(f)) = (&t.value_kinds[j], acc[j]) {
                    acc[j] = Datum::Float(f as f32 as f64);
                }
            }
        }
    }
    acc
}

/// Folds `new` into `cur` with one aggregate function (StarRocks aggregate_key semantics).
pub fn agg<'a>(f: AggType, cur: Datum<'a>, new: Datum<'a>) -> Datum<'a> {
    match f {
        AggType::Sum => match (cur, new) {
            (Datum::Null, x) | (x, Datum::Null) => x,
            (Datum::Int(a), Datum::Int(b)) => Datum::Int(a.wrapping_add(b)),
            (Datum::Large(a), Datum::Large(b)) => Datum::Large(a.wrapping_add(b)),
            (Datum::Float(a), Datum::Float(b)) => Datum::Float(a + b),
            (_, x) => x,
        },
        AggType::Max | AggType::Min => {
            if cur.is_null() {
                return new;
            }
            if new.is_null() {
                return cur;
            }
            let keep_new = match new.cmp_sql(&cur) {
                Ordering::Greater => f == AggType::Max,
                Ordering::Less => f == AggType::Min,
                Ordering::Equal => false,
            };
            if keep_new {
                new
            } else {
                cur
            }
        }
        AggType::ReplaceIfNotNull => {
            if new.is_null() {
                cur
            } else {
                new
            }
        }
        _ => new,
    }
}

fn default_datum(t: &Tablet, j: usize) -> Datum<'_> {
    t.value_defaults[j]
        .as_deref()
        .and_then(|b| decode_value(&t.value_kinds[j], b, &mut 0).ok())
        .unwrap_or(Datum::Null)
}

/// Folds UNIQUE/PRIMARY rows (in version order): None when the key ends deleted.
pub fn fold_upsert<'a>(t: &'a Tablet, rows: &[RowValue<'a>]) -> Option<Vec<Datum<'a>>> {
    let mut acc: Option<Vec<Datum<'a>>> = None;
    for r in rows {
        if r.flags & FLAG_DELETE != 0 {
            acc = None;
            continue;
        }
        if let (Some(c), Some(cur)) = (r.condition, acc.as_ref()) {
            if let Some(Some(new)) = r.values.get(c) {
                if cur[c].cmp_sql(new) == Ordering::Greater {
                    continue;
                }
            }
        }
        match acc.as_mut() {
            Some(cur) => {
                for (j, v) in r.values.iter().enumerate() {
                    if let Some(v) = v {
                        cur[j] = *v;
                    }
                }
            }
            None => {
                acc = Some(
                    r.values
                        .iter()
                        .enumerate()
                        .map(|(j, v)| v.unwrap_or_else(|| default_datum(t, j)))
                        .collect(),
                )
            }
        }
    }
    acc
}

/// Narrows `[lo, hi)` with predicates on the first sort-key column.
fn key_range(t: &Tablet, preds: &[ScanPredicate], lo: &mut Vec<u8>, hi: &mut Option<Vec<u8>>) {
    let (Some(&first), Some(kind)) = (t.key_idx.first(), t.key_kinds.first()) else {
        return;
    };
    let name = &t.schema.columns[first].name;
    let prefix = lo.clone();
    for p in preds.iter().filter(|p| &p.column == name) {
        let op = CompareOp::try_from(p.op).unwrap_or(CompareOp::Unspecified);
        if !matches!(
            op,
            CompareOp::Eq | CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
        ) {
            continue;
        }
        let src = StringArray::from(vec![p.literal.as_str()]);
        let opts = CastOptions {
            safe: false,
            ..Default::default()
        };
        let Ok(arr) = arrow::compute::cast_with_options(&src, &kind.data_type(), &opts) else {
            continue;
        };
        let Ok(r) = ColReader::new(arr.as_ref(), kind) else {
            continue;
        };
        let mut b = prefix.clone();
        if keys::encode_key_col(&r, 0, &mut b).is_err() {
            continue;
        }
        let after = keys::successor(&b);
        let raise = |lo: &mut Vec<u8>, v: Vec<u8>| {
            if v > *lo {
                *lo = v;
            }
        };
        let lower = |hi: &mut Option<Vec<u8>>, v: Option<Vec<u8>>| {
            if let Some(v) = v {
                if hi.as_ref().is_none_or(|h| v < *h) {
                    *hi = Some(v);
                }
            }
        };
        match op {
            CompareOp::Eq => {
                raise(lo, b.clone());
                lower(hi, after);
            }
            CompareOp::Ge => raise(lo, b),
            CompareOp::Gt => {
                if let Some(a) = after {
                    raise(lo, a)
                }
            }
            CompareOp::Lt => lower(hi, Some(b)),
            _ => lower(hi, after),
        }
    }
}

/// Registers a running read of one version of a tablet; compaction stays at or below the
/// oldest registered version. Dropped when the scan ends.
pub struct ReaderPin<'t> {
    t: &'t Tablet,
    version: i64,
}

impl Drop for ReaderPin<'_> {
    fn drop(&mut self) {
        let mut st = lock(&self.t.state);
        if let Some(n) = st.readers.get_mut(&self.version) {
            *n -= 1;
            if *n == 0 {
                st.readers.remove(&self.version);
            }
        }
    }
}

/// The txns whose rows a read at `version` sees, with the version each is visible from
/// (base rows of compaction count as version 0), and a pin that keeps compaction from
/// folding above `version` while the read runs.
pub fn visible_txns(
    t: &Tablet,
    version: i64,
) -> Result<(HashMap<i64, i64>, ReaderPin<'_>), BeError> {
    let mut st = lock(&t.state);
    // A tablet being cloned has no readable version until the clone completes.
    let visible = if st.clone_pending {
        0
    } else {
        st.visible_version
    };
    if version > visible {
        return Err(BeError::VersionMissing {
            tablet_id: t.id,
            visible,
            version,
        });
    }
    if version < st.compacted_version {
        return Err(BeError::VersionCompacted {
            tablet_id: t.id,
            version,
            max_version: st.visible_version,
        });
    }
    // Versions <= compacted_version still count: a compaction that is running (or was cut
    // short by a crash) has not yet moved every row of them into base rows.
    let floor = st.base_version;
    let mut published: HashMap<i64, i64> = st
        .txns
        .iter()
        .filter_map(|(id, s)| match s {
            TxnState::Published { version: v, .. } if *v <= version && *v > floor => {
                Some((*id, *v))
            }
            _ => None,
        })
        .collect();
    published.insert(keys::BASE_TXN, 0);
    *st.readers.entry(version).or_insert(0) += 1;
    Ok((published, ReaderPin { t, version }))
}

/// Scans `t` at `req.version`, calling `emit` per output batch (it returns false to stop).
pub fn scan(
    engine: &RocksEngine,
    t: &Tablet,
    req: &ScanRequest<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<bool, BeError>,
) -> Result<(), BeError> {
    let (published, _pin) = visible_txns(t, req.version)?;
    let n = t.schema.columns.len();
    let index = |c: &String| {
        t.column_index(c)
            .ok_or_else(|| BeError::InvalidArgument(format!("Unknown column '{c}'")))
    };
    let out_idx: Vec<usize> = if req.columns.is_empty() {
        (0..n).collect()
    } else {
        req.columns.iter().map(index).collect::<Result<_, _>>()?
    };
    let mut want = vec![false; n];
    for i in &out_idx {
        want[*i] = true;
    }
    for p in req.predicates {
        want[index(&p.column)?] = true;
    }
    let needed: Vec<usize> = (0..n).filter(|i| want[*i]).collect();
    let batch_rows = req.batch_rows.max(1);
    let mut builders = Vec::with_capacity(n);
    let kind_of = |i: usize| -> Result<super::row::Kind, BeError> {
        super::row::Kind::of(t.arrow_schema.field(i).data_type())
    };
    for (i, w) in want.iter().enumerate() {
        builders.push(if *w {
            Some(ColBuilder::new(&kind_of(i)?, batch_rows)?)
        } else {
            None
        });
    }
    let needed_schema = Arc::new(Schema::new(
        needed
            .iter()
            .map(|i| t.arrow_schema.field(*i).clone())
            .collect::<Vec<_>>(),
    ));
    let out_schema = Arc::new(Schema::new(
        out_idx
            .iter()
            .map(|i| t.arrow_schema.field(*i).clone())
            .collect::<Vec<_>>(),
    ));
    let out_pos = out_idx
        .iter()
        .map(|i| needed.iter().position(|x| x == i).unwrap_or(0))
        .collect();
    let mut out = Out {
        t,
        builders,
        needed,
        needed_schema,
        out_schema,
        out_pos,
        predicates: req.predicates,
        rows: 0,
        batch_rows,
        remaining: if req.limit == 0 {
            usize::MAX
        } else {
            req.limit
        },
        scratch: Vec::new(),
    };
    let (lo0, hi0) = keys::row_range(t.id);
    let mut lo = lo0.to_vec();
    let mut hi = Some(hi0.to_vec());
    key_range(t, req.predicates, &mut lo, &mut hi);
    let hi = hi.unwrap_or_else(|| hi0.to_vec());
    if lo >= hi {
        return Ok(());
    }
    // The iterator's snapshot is taken under the state lock, so the txn table and the rows
    // it sees belong together (a compaction batch or publish lands wholly before or after).
    let mut it = {
        let _st = lock(&t.state);
        engine.range(&lo, &hi)
    };
    let prefix = 9;
    let dup = t.keys_type == KeysType::DupKeys;
    let upsert = t.is_upsert_model();

    let mut group_key: Vec<u8> = Vec::new();
    let mut arena: Vec<u8> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut more = true;
    while it.valid() && more {
        let (sk, txn, seq) = keys::split_row_key(it.key())?;
        let Some(&version) = published.get(&txn) else {
            it.next();
            continue;
        };
        if dup {
            let v = it.value();
            out.key(&sk[prefix..])?;
            if v.first().is_some_and(|f| f & FLAG_PARTIAL != 0) {
                let rv = decode_row(&t.value_kinds, v)?;
                let vals: Vec<Datum<'_>> = rv
                    .values
                    .iter()
                    .enumerate()
                    .map(|(j, d)| d.unwrap_or_else(|| default_datum(t, j)))
                    .collect();
                out.values(&vals)?;
            } else {
                out.value_direct(v)?;
            }
            more = out.row_done(emit)?;
            it.next();
            continue;
        }
        if sk != group_key.as_slice() {
            if !entries.is_empty() {
                more = flush_group(
                    &mut out,
                    &group_key[prefix..],
                    &arena,
                    &mut entries,
                    upsert,
                    emit,
                )?;
                arena.clear();
            }
            group_key.clear();
            group_key.extend_from_slice(sk);
        }
        let start = arena.len();
        arena.extend_from_slice(it.value());
        entries.push(Entry {
            version,
            seq,
            start,
            end: arena.len(),
        });
        it.next();
    }
    it.status()?;
    if more && !entries.is_empty() {
        more = flush_group(
            &mut out,
            &group_key[prefix..],
            &arena,
            &mut entries,
            upsert,
            emit,
        )?;
    }
    if more {
        out.flush(emit)?;
    }
    Ok(())
}

/// Merges one sort key's entries and emits the resulting row (if any).
fn flush_group(
    out: &mut Out<'_>,
    sort_key: &[u8],
    arena: &[u8],
    entries: &mut Vec<Entry>,
    upsert: bool,
    emit: &mut dyn FnMut(RecordBatch) -> Result<bool, BeError>,
) -> Result<bool, BeError> {
    let t = out.t;
    if entries.len() == 1 {
        let v = &arena[entries[0].start..entries[0].end];
        let flags = v.first().copied().unwrap_or(0);
        let deleted = upsert && flags & FLAG_DELETE != 0;
        entries.clear();
        if deleted {
            return Ok(true);
        }
        if flags & FLAG_PARTIAL == 0 {
            out.key(sort_key)?;
            out.value_direct(v)?;
            return out.row_done(emit);
        }
        // A partial row alone: the fold fills the columns it lacks.
        let rows = vec![decode_row(&t.value_kinds, v)?];
        let merged = if upsert {
            fold_upsert(t, &rows)
        } else {
            Some(fold_agg(t, &rows))
        };
        return match merged {
            None => Ok(true),
            Some(vals) => {
                out.key(sort_key)?;
                out.values(&vals)?;
                out.row_done(emit)
            }
        };
    }
    entries.sort_by_key(|e| (e.version, e.seq));
    let rows = entries
        .iter()
        .map(|e| decode_row(&t.value_kinds, &arena[e.start..e.end]))
        .collect::<Result<Vec<_>, _>>()?;
    entries.clear();
    let merged = if upsert {
        fold_upsert(t, &rows)
    } else {
        Some(fold_agg(t, &rows))
    };
    match merged {
        None => Ok(true),
        Some(vals) => {
            out.key(sort_key)?;
            out.values(&vals)?;
            out.row_done(emit)
        }
    }
}
