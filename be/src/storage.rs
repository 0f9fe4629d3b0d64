//! RocksDB tablets. `rocks.rs` is the only file that touches `rocksdb`; `keys.rs` documents
//! every key and the row encodings. Rows of a transaction are staged invisibly and become
//! visible at publish (`txn.rs`); scans merge per table model at one version (`scan.rs`).
//!
//! API used by the load path and the gRPC service: [`TabletStore::create_tablet`],
//! [`TabletStore::write_batch`] (+ [`TabletStore::sync`] at eos), [`TabletStore::publish`],
//! [`TabletStore::abort`], [`TabletStore::scan`] / [`TabletStore::scan_with`], and
//! [`buckets`] / [`bucket_of`] to route rows to tablets. Background work:
//! [`TabletStore::compact_due`] (`compaction.rs`), [`TabletStore::sweep`]; replica repair:
//! [`TabletStore::clone_begin`] (`clone.rs`).

pub mod clone;
pub mod compaction;
pub mod keys;
pub mod rocks;
pub mod row;
pub mod scan;
pub mod tablet;
pub mod txn;
pub mod txn_state;

use crate::error::BeError;
use arrow::array::{Array, ArrayRef};
use arrow::record_batch::RecordBatch;
use compaction::{CompactionPolicy, CompactionStats};
use rocks::{RocksEngine, WriteBatch};
use row::{ColReader, Datum, Kind};
use starload_proto::types::TabletSchema;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};
use tablet::{lock, Tablet, TabletMeta, INITIAL_VERSION};
use txn_state::TxnState;

pub use scan::ScanRequest;

/// How one staged batch is applied (PRIMARY/UNIQUE options).
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Columns present in the batch for a partial update; empty = full rows.
    pub partial_update_columns: Vec<String>,
    /// Conditional update column (`merge_condition`).
    pub merge_condition: Option<String>,
}

/// A simple pushed-down predicate: column <op> literal.
pub use starload_proto::be::ScanPredicate;

/// Rows per batch produced by [`TabletStore::scan`].
pub const SCAN_BATCH_ROWS: usize = 8192;

/// The tablet store of one BE.
pub struct TabletStore {
    engine: RocksEngine,
    tablets: RwLock<HashMap<i64, Arc<Tablet>>>,
    policy: CompactionPolicy,
    /// Woken when a load is slowed down by back-pressure (the compaction loop waits on it).
    pub compaction_wake: tokio::sync::Notify,
}

/// One tablet's versions, as reported to the FE (heartbeats) and shown in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabletVersionInfo {
    pub tablet_id: i64,
    /// 0 while a clone is pending (no readable version).
    pub visible_version: i64,
    pub compacted_version: i64,
}

impl TabletStore {
    /// Opens the store under `dir` with the default compaction policy.
    pub fn open(dir: &Path) -> Result<Self, BeError> {
        Self::open_with(dir, CompactionPolicy::default())
    }

    /// Opens the store under `dir`, loading every tablet's meta and txn states.
    pub fn open_with(dir: &Path, policy: CompactionPolicy) -> Result<Self, BeError> {
        let engine = RocksEngine::open(dir)?;
        let mut metas = Vec::new();
        let (lo, hi) = keys::tablet_meta_range();
        let mut it = engine.range(&lo, &hi);
        while it.valid() {
            let id = keys::parse_tablet_meta_key(it.key())?;
            metas.push(TabletMeta::decode(id, it.value())?);
            it.next();
        }
        it.status()?;
        drop(it);
        let mut tablets = HashMap::new();
        for meta in metas {
            let mut txns = HashMap::new();
            let (lo, hi) = keys::txn_state_range(meta.tablet_id);
            let mut it = engine.range(&lo, &hi);
            while it.valid() {
                let (_, txn) = keys::parse_txn_state_key(it.key())?;
                txns.insert(txn, TxnState::decode(it.value())?);
                it.next();
            }
            it.status()?;
            drop(it);
            let id = meta.tablet_id;
            tablets.insert(id, Arc::new(Tablet::new(meta, txns)?));
        }
        Ok(Self {
            engine,
            tablets: RwLock::new(tablets),
            policy,
            compaction_wake: tokio::sync::Notify::new(),
        })
    }

    /// The compaction policy in force.
    pub fn policy(&self) -> &CompactionPolicy {
        &self.policy
    }

    fn all_tablets(&self) -> Vec<Arc<Tablet>> {
        self.tablets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Every tablet's versions, sorted by tablet id.
    pub fn tablet_versions(&self) -> Vec<TabletVersionInfo> {
        let mut v: Vec<TabletVersionInfo> = self
            .all_tablets()
            .iter()
            .map(|t| {
                let st = lock(&t.state);
                TabletVersionInfo {
                    tablet_id: t.id,
                    visible_version: if st.clone_pending {
                        0
                    } else {
                        st.visible_version
                    },
                    compacted_version: st.compacted_version,
                }
            })
            .collect();
        v.sort_unstable_by_key(|i| i.tablet_id);
        v
    }

    /// Compacts every tablet that is due (see [`compaction::target`]). Returns what was done.
    pub fn compact_due(&self) -> Result<Vec<CompactionStats>, BeError> {
        let now = std::time::Instant::now();
        let mut due: Vec<(i64, Arc<Tablet>, i64)> = Vec::new();
        let mut max_pending = 0i64;
        for t in self.all_tablets() {
            let done = {
                let st = lock(&t.state);
                let done = st.compacted_version.max(st.base_version).max(1);
                max_pending = max_pending.max(st.visible_version - done);
                done
            };
            if let Some((target, true)) = compaction::target(&t, &self.policy, now) {
                due.push((done - target, t, target));
            }
        }
        crate::telemetry::CompactionRoundPlanned {
            max_pending_versions: max_pending,
        }
        .emit();
        // Most eligible versions first.
        due.sort_by_key(|d| d.0);
        let mut out = Vec::new();
        for (_, t, target) in due {
            if let Some(s) = compaction::compact(&self.engine, &t, target, self.policy.batch_ops)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Compacts one tablet up to `version` now (ignoring the policy's thresholds, but never
    /// above a running read). None when there was nothing to fold.
    pub fn compact_tablet(
        &self,
        tablet_id: i64,
        version: i64,
    ) -> Result<Option<CompactionStats>, BeError> {
        let t = self.tablet(tablet_id)?;
        compaction::compact(&self.engine, &t, version, self.policy.batch_ops)
    }

    /// Starts replacing a lagging tablet's published data with a healthy replica's merged
    /// rows (see `clone.rs`).
    pub fn clone_begin(&self, tablet_id: i64) -> Result<clone::CloneWriter<'_>, BeError> {
        let t = self.tablet(tablet_id)?;
        clone::CloneWriter::begin(&self.engine, t)
    }

    /// The tablet, if this BE holds it.
    pub fn tablet(&self, tablet_id: i64) -> Result<Arc<Tablet>, BeError> {
        self.tablets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tablet_id)
            .cloned()
            .ok_or(BeError::TabletNotFound(tablet_id))
    }

    /// Ids of every tablet, sorted.
    pub fn tablet_ids(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self
            .tablets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        v.sort_unstable();
        v
    }

    /// Number of tablets.
    pub fn tablet_count(&self) -> usize {
        self.tablets.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Bytes the database uses.
    pub fn data_size(&self) -> u64 {
        self.engine.data_size()
    }

    /// Creates a tablet at version 1 (idempotent: an existing tablet is kept as is).
    pub fn create_tablet(
        &self,
        tablet_id: i64,
        table_id: i64,
        partition_id: i64,
        schema: TabletSchema,
    ) -> Result<(), BeError> {
        let mut map = self.tablets.write().unwrap_or_else(|p| p.into_inner());
        if map.contains_key(&tablet_id) {
            return Ok(());
        }
        let meta = TabletMeta {
            tablet_id,
            table_id,
            partition_id,
            visible_version: INITIAL_VERSION,
            base_version: 0,
            compacted_version: 0,
            base_next_seq: 0,
            clone_pending: false,
            schema,
        };
        let t = Tablet::new(meta.clone(), HashMap::new())?;
        let mut wb = WriteBatch::new();
        wb.put(&keys::tablet_meta_key(tablet_id), &meta.encode());
        self.engine.write(wb, true)?;
        map.insert(tablet_id, Arc::new(t));
        Ok(())
    }

    /// Drops a tablet and all its rows (idempotent).
    pub fn drop_tablet(&self, tablet_id: i64) -> Result<(), BeError> {
        let removed = self
            .tablets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&tablet_id);
        let _guards = removed
            .as_ref()
            .map(|t| (lock(&t.sweep_lock), lock(&t.write_lock)));
        let mut wb = WriteBatch::new();
        let (lo, hi) = keys::row_range(tablet_id);
        wb.delete_range(&lo, &hi);
        let (lo, hi) = keys::txn_state_range(tablet_id);
        wb.delete_range(&lo, &hi);
        wb.delete(&keys::tablet_meta_key(tablet_id));
        self.engine.write(wb, true)
    }

    /// Discards every version <= `version`; the tablet continues from `max(visible, version)`.
    pub fn truncate_tablet(&self, tablet_id: i64, version: i64) -> Result<(), BeError> {
        let t = self.tablet(tablet_id)?;
        let _s = lock(&t.sweep_lock);
        let _w = lock(&t.write_lock);
        let dead: std::collections::HashSet<i64> = {
            let mut st = lock(&t.state);
            if version < st.compacted_version {
                return Err(BeError::InvalidArgument(format!(
                    "cannot truncate tablet {} to version {version}: versions up to {} are compacted",
                    t.id, st.compacted_version
                )));
            }
            st.base_version = st.base_version.max(version);
            st.visible_version = st.visible_version.max(version);
            let mut wb = WriteBatch::new();
            wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
            self.engine.write(wb, true)?;
            st.txns
                .iter()
                .filter(
                    |(_, s)| matches!(s, TxnState::Published { version: v, .. } if *v <= version),
                )
                .map(|(id, _)| *id)
                .chain([keys::BASE_TXN])
                .collect()
        };
        txn::delete_rows_where(&self.engine, &t, |txn| dead.contains(&txn))?;
        Ok(())
    }

    /// Stages `batch` (tablet column order, optional trailing `__op` Int8; or columns by name
    /// for partial updates) for `txn_id`. Returns the rows written.
    pub fn write_batch(
        &self,
        txn_id: i64,
        tablet_id: i64,
        batch: &RecordBatch,
        opts: &WriteOptions,
    ) -> Result<u64, BeError> {
        let t = self.tablet(tablet_id)?;
        self.backpressure(&[&t]);
        let (rows, bytes) = txn::write_batch(&self.engine, &t, txn_id, batch, opts)?;
        crate::telemetry::TabletBatchWritten {
            tablet: tablet_id,
            rows,
            bytes,
        }
        .emit();
        Ok(rows)
    }

    /// Stages rows of one batch on many tablets in one write: `targets` pairs each tablet
    /// (at most once) with the indexes of its rows in `batch`. All or nothing.
    pub fn write_rows(
        &self,
        txn_id: i64,
        batch: &RecordBatch,
        targets: &[(i64, &[u32])],
        opts: &WriteOptions,
    ) -> Result<u64, BeError> {
        let tablets = targets
            .iter()
            .map(|(id, _)| self.tablet(*id))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&Tablet> = tablets.iter().map(|t| t.as_ref()).collect();
        self.backpressure(&refs);
        let with_rows: Vec<(&Tablet, &[u32])> = refs
            .iter()
            .zip(targets)
            .map(|(t, (_, rows))| (*t, *rows))
            .collect();
        let written = txn::write_rows(&self.engine, txn_id, batch, &with_rows, opts)?;
        let mut total = 0;
        for ((tablet, _), (rows, bytes)) in targets.iter().zip(written) {
            total += rows;
            crate::telemetry::TabletBatchWritten {
                tablet: *tablet,
                rows,
                bytes,
            }
            .emit();
        }
        Ok(total)
    }

    /// Slows a load down when a tablet of `ts` has too many uncompacted versions (compaction
    /// is behind): waits once, per the policy for the worst of them, and wakes the compaction
    /// loop. Never fails the load.
    fn backpressure(&self, ts: &[&Tablet]) {
        let Some((tablet, pending)) = ts
            .iter()
            .map(|t| {
                let st = lock(&t.state);
                (
                    t.id,
                    st.visible_version - st.compacted_version.max(st.base_version).max(1),
                )
            })
            .max_by_key(|(_, p)| *p)
        else {
            return;
        };
        let delay = self.policy.load_delay(pending);
        if delay.is_zero() {
            return;
        }
        self.compaction_wake.notify_one();
        crate::telemetry::TabletWriteBackpressured {
            tablet,
            pending,
            delay,
        }
        .emit();
        std::thread::sleep(delay);
    }

    /// Makes every staged row written so far durable (fsync of the WAL); called at `eos`.
    pub fn sync(&self) -> Result<(), BeError> {
        self.engine.sync_wal()
    }

    /// Makes `txn_id`'s staged rows visible as `version` of the tablet. Idempotent.
    pub fn publish(&self, txn_id: i64, tablet_id: i64, version: i64) -> Result<(), BeError> {
        let t = self.tablet(tablet_id)?;
        txn::publish(&self.engine, &t, txn_id, version, true)?;
        crate::telemetry::TabletPublished {
            tablet: tablet_id,
            txn: txn_id,
            version,
        }
        .emit();
        Ok(())
    }

    /// Publishes `txn_id` on many tablets (`(tablet, version)`) with ONE WAL fsync after all
    /// of them (a load touching 365 partitions publishes 365 x buckets tablets; one fsync
    /// each made publish dominate). Returns the outcome per tablet, in order; when the final
    /// sync fails every publish of the group is reported failed (the FE retries them, and
    /// publish is idempotent).
    pub fn publish_many(&self, txn_id: i64, tablets: &[(i64, i64)]) -> Vec<Result<(), BeError>> {
        let mut out: Vec<Result<(), BeError>> = tablets
            .iter()
            .map(|(tablet_id, version)| {
                let t = self.tablet(*tablet_id)?;
                txn::publish(&self.engine, &t, txn_id, *version, false)
            })
            .collect();
        if let Err(e) = self.engine.sync_wal() {
            let msg = e.to_string();
            for r in out.iter_mut().filter(|r| r.is_ok()) {
                *r = Err(BeError::Other(format!("publish not durable: {msg}")));
            }
        }
        for ((tablet_id, version), r) in tablets.iter().zip(&out) {
            if r.is_ok() {
                crate::telemetry::TabletPublished {
                    tablet: *tablet_id,
                    txn: txn_id,
                    version: *version,
                }
                .emit();
            }
        }
        out
    }

    /// Discards `txn_id`'s staged rows. Idempotent.
    pub fn abort(&self, txn_id: i64, tablet_id: i64) -> Result<(), BeError> {
        let t = self.tablet(tablet_id)?;
        txn::abort(&self.engine, &t, txn_id)
    }

    /// Deletes rows of aborted txns on every tablet. Returns rows deleted.
    pub fn sweep(&self) -> Result<u64, BeError> {
        let tablets: Vec<Arc<Tablet>> = self
            .tablets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut n = 0;
        for t in tablets {
            n += txn::sweep(&self.engine, &t)?;
        }
        Ok(n)
    }

    /// Txns with staged (neither published nor aborted) rows, with their tablets.
    pub fn staged_txns(&self) -> BTreeMap<i64, Vec<i64>> {
        let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (id, t) in self
            .tablets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            for (txn, s) in &lock(&t.state).txns {
                if matches!(s, TxnState::Staged { .. }) {
                    out.entry(*txn).or_default().push(*id);
                }
            }
        }
        out
    }

    /// Merged rows of the tablet at `version` (projection by column name; empty = all).
    pub fn scan(
        &self,
        tablet_id: i64,
        version: i64,
        columns: &[String],
        predicates: &[ScanPredicate],
    ) -> Result<Vec<RecordBatch>, BeError> {
        let mut out = Vec::new();
        let req = ScanRequest {
            version,
            columns,
            predicates,
            limit: 0,
            batch_rows: SCAN_BATCH_ROWS,
        };
        self.scan_with(tablet_id, &req, &mut |b| {
            out.push(b);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Streams merged rows to `emit` (which returns false to stop early).
    pub fn scan_with(
        &self,
        tablet_id: i64,
        req: &ScanRequest<'_>,
        emit: &mut dyn FnMut(RecordBatch) -> Result<bool, BeError>,
    ) -> Result<(), BeError> {
        let t = self.tablet(tablet_id)?;
        crate::telemetry::TabletScanStarted { tablet: tablet_id }.emit();
        scan::scan(&self.engine, &t, req, emit)
    }
}

#[inline]
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[inline]
fn hash_datum(d: &Datum<'_>) -> u64 {
    match d {
        Datum::Null => 0x5bd1_e995,
        Datum::Int(v) => fmix64(*v as u64),
        Datum::Large(v) => fmix64((*v as u64) ^ fmix64((*v >> 64) as u64)),
        Datum::Float(v) => fmix64(if *v == 0.0 { 0 } else { v.to_bits() }),
        Datum::Bytes(b) | Datum::List(b) => {
            // FNV-1a: stable across releases and platforms.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in *b {
                h ^= *c as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            h
        }
    }
}

/// The bucket of every row of `batch` (columns in tablet order, or named like the tablet's
/// columns): a stable hash of the HASH distribution columns modulo `bucket_num`; RANDOM
/// distribution (no distribution columns) deals rows round-robin.
pub fn buckets(batch: &RecordBatch, schema: &TabletSchema) -> Result<Vec<u32>, BeError> {
    let n = batch.num_rows();
    let nb = schema.bucket_num.max(1) as u64;
    if schema.distribution_idx.is_empty() {
        return Ok((0..n).map(|i| (i as u64 % nb) as u32).collect());
    }
    let ncols = schema.columns.len();
    let positional = batch.num_columns() == ncols || batch.num_columns() == ncols + 1;
    let mut h = vec![0u64; n];
    for &ci in &schema.distribution_idx {
        let col = schema.columns.get(ci as usize).ok_or_else(|| {
            BeError::InvalidArgument(format!("distribution column {ci} out of range"))
        })?;
        let arr: ArrayRef = if positional && batch.schema().field(ci as usize).name() == &col.name {
            batch.column(ci as usize).clone()
        } else {
            batch.column_by_name(&col.name).cloned().ok_or_else(|| {
                BeError::InvalidArgument(format!("distribution column {} missing", col.name))
            })?
        };
        let dt = starload_proto::schema::arrow_type(&col.r#type.clone().unwrap_or_default());
        let arr = if arr.data_type() == &dt {
            arr
        } else {
            arrow::compute::cast(&arr, &dt).map_err(|e| {
                BeError::InvalidArgument(format!("distribution column {}: {e}", col.name))
            })?
        };
        let kind = Kind::of(&dt)?;
        let r = ColReader::new(arr.as_ref(), &kind)?;
        for (i, hv) in h.iter_mut().enumerate() {
            let d = if arr.is_null(i) {
                Datum::Null
            } else {
                r.datum(i)
            };
            *hv = (hv.rotate_left(5) ^ hash_datum(&d)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    Ok(h.into_iter().map(|v| (fmix64(v) % nb) as u32).collect())
}

/// The bucket of row `row` of `batch` (see [`buckets`]; prefer it for whole batches).
pub fn bucket_of(batch: &RecordBatch, schema: &TabletSchema, row: usize) -> Result<u32, BeError> {
    let one = batch.slice(row, 1);
    if schema.distribution_idx.is_empty() {
        return Ok((row as u64 % schema.bucket_num.max(1) as u64) as u32);
    }
    Ok(buckets(&one, schema)?.first().copied().unwrap_or(0))
}

#[cfg(test)]
mod tests;
