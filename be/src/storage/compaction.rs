//! Compaction: folds a tablet's published versions <= a target version into *base rows*
//! (txn id 0, layout in `keys.rs`): aggregates folded, replaced and deleted rows dropped,
//! partial and conditional updates resolved. Reads at every version >= the target give the
//! same rows before, during and after a compaction; reads below it are refused
//! (`version already been compacted`, as in StarRocks).
//!
//! Which versions: never above the oldest version a running scan reads, and never above the
//! version that was visible `read_grace` ago (a query planned at an older version may not
//! have reached this BE yet). A tablet is compacted once at least `min_versions` versions are
//! eligible, or as soon as anything is eligible while loads are being slowed down.
//!
//! Crash safety: one RocksDB WriteBatch per group of sort keys carries, for each key, the new
//! base row, the delete of the old base row and the deletes of the folded delta rows, plus the
//! tablet meta (with the raised `compacted_version`). Every key is therefore wholly old or
//! wholly new after any batch, and both read the same; a BE killed mid-way restarts with the
//! same query results and simply compacts again. Loads never wait for a compaction: staging
//! and publish only take the tablet's state lock for the moment a batch is written.
//!
//! Back-pressure ([`CompactionPolicy::load_delay`]): once a tablet has more than half of
//! `max_versions` uncompacted versions, each staged batch waits a little (growing to
//! `max_delay` at `max_versions`), so loads slow down while compaction catches up instead of
//! failing with StarRocks's "too many versions".
//!
//! Metrics (per batch and per compaction): `starload_be_compaction_rows_read_total`,
//! `_rows_written_total`, `_rows_dropped_total`, `_batches_total`, `_versions_folded_total`,
//! `_runs_total`, `_duration_seconds` (histogram), `_running` (gauge),
//! `_max_pending_versions` (gauge), `_backpressure_milliseconds_total`.

use super::keys::{self, BASE_TXN};
use super::rocks::{RocksEngine, WriteBatch};
use super::row::{decode_row, encode_full_row};
use super::scan::{fold_agg, fold_upsert};
use super::tablet::{lock, Tablet};
use super::txn_state::TxnState;
use crate::error::BeError;
use starload_proto::types::KeysType;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// When and how much to compact (BE config keys in brackets).
#[derive(Debug, Clone)]
pub struct CompactionPolicy {
    /// Versions superseded less than this long ago stay readable
    /// (`compaction_read_grace_second`).
    pub read_grace: Duration,
    /// Eligible versions that start a compaction
    /// (`min_cumulative_compaction_num_singleton_deltas`).
    pub min_versions: i64,
    /// Uncompacted versions at which a staged batch waits `max_delay`; half of it starts the
    /// slow-down (`tablet_max_versions`).
    pub max_versions: i64,
    /// The longest back-pressure wait per staged batch (`compaction_max_load_delay_ms`).
    pub max_delay: Duration,
    /// Row operations per WriteBatch.
    pub batch_ops: usize,
}

impl CompactionPolicy {
    /// The policy `be.conf` describes (StarRocks's compaction settings).
    pub fn from_config(c: &crate::config::BeConfig) -> Self {
        Self {
            read_grace: Duration::from_secs(c.compaction_read_grace_second),
            min_versions: c.min_cumulative_compaction_num_singleton_deltas.max(1),
            max_versions: c.tablet_max_versions.max(2),
            max_delay: Duration::from_millis(c.compaction_max_load_delay_ms),
            ..Default::default()
        }
    }
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        Self {
            read_grace: Duration::from_secs(60),
            min_versions: 5,
            max_versions: 1000,
            max_delay: Duration::from_millis(1000),
            batch_ops: 16 * 1024,
        }
    }
}

impl CompactionPolicy {
    /// How long a batch staged on a tablet with `pending` uncompacted versions waits.
    pub fn load_delay(&self, pending: i64) -> Duration {
        let soft = (self.max_versions / 2).max(1);
        if pending <= soft {
            return Duration::ZERO;
        }
        let over = (pending - soft) as f64 / (self.max_versions - soft).max(1) as f64;
        self.max_delay.mul_f64(over.min(1.0))
    }
}

/// What one compaction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactionStats {
    pub tablet_id: i64,
    pub from_version: i64,
    pub to_version: i64,
    pub rows_read: u64,
    pub rows_written: u64,
    pub rows_dropped: u64,
    pub batches: u64,
    /// (read, written, dropped) already counted in the metrics.
    reported: (u64, u64, u64),
    /// Stop (with an error) after this many batches (tests).
    max_batches: Option<u64>,
}

/// The version `t` may be compacted to now (None: nothing eligible), and whether it should be
/// (enough versions, or loads are being slowed down).
pub fn target(t: &Tablet, policy: &CompactionPolicy, now: Instant) -> Option<(i64, bool)> {
    let mut st = lock(&t.state);
    if st.clone_pending {
        return None;
    }
    let mut target = if policy.read_grace.is_zero() {
        st.trim_visible_since(now);
        st.visible_version
    } else {
        // No instant that old (shortly after boot): nothing is old enough yet.
        let cutoff = now.checked_sub(policy.read_grace)?;
        st.trim_visible_since(cutoff);
        st.visible_at(cutoff)?
    };
    if let Some(r) = st.oldest_reader() {
        target = target.min(r);
    }
    let done = st.compacted_version.max(st.base_version).max(1);
    if unfinished(&st) {
        // A compaction cut short (crash): finish it.
        return Some((target.max(st.compacted_version), true));
    }
    if target <= done {
        return None;
    }
    let pending = st.visible_version - done;
    let due = target - done >= policy.min_versions.max(1) || pending > policy.max_versions / 2;
    Some((target, due))
}

/// True when published txns at or below the compacted version still have their state: the
/// compaction that raised the version has not finished (its last step deletes those states).
fn unfinished(st: &super::tablet::TabletState) -> bool {
    st.compacted_version > 1
        && st.txns.values().any(|s| {
            matches!(s, TxnState::Published { version, .. }
                if *version <= st.compacted_version && *version > st.base_version)
        })
}

/// One entry of the sort key being folded: its full row key at `arena[key..val]`, its value
/// at `arena[val..end]`.
struct Pending {
    version: i64,
    seq: u64,
    key: usize,
    val: usize,
    end: usize,
}

/// Folds every published version of `t` <= `target` into base rows. Returns None when there
/// was nothing to do (target not above the current compacted version, or a clone runs).
pub fn compact(
    engine: &RocksEngine,
    t: &Tablet,
    target: i64,
    batch_ops: usize,
) -> Result<Option<CompactionStats>, BeError> {
    compact_limited(engine, t, target, batch_ops, None)
}

/// [`compact`] that stops with an error after `max_batches` row batches (tests use it to
/// leave a compaction half done, as a crash would).
pub fn compact_limited(
    engine: &RocksEngine,
    t: &Tablet,
    target: i64,
    batch_ops: usize,
    max_batches: Option<u64>,
) -> Result<Option<CompactionStats>, BeError> {
    let _s = lock(&t.sweep_lock);
    let started = Instant::now();
    let (folded, from, mut it) = {
        let mut st = lock(&t.state);
        let mut target = target.min(st.visible_version);
        if let Some(r) = st.oldest_reader() {
            target = target.min(r);
        }
        // Resuming a compaction cut short: at least up to where it had got.
        if unfinished(&st) {
            target = target.max(st.compacted_version);
        } else if target <= st.compacted_version {
            return Ok(None);
        }
        let floor = st.base_version;
        if st.clone_pending || target <= floor {
            return Ok(None);
        }
        let folded: HashMap<i64, i64> = st
            .txns
            .iter()
            .filter_map(|(id, s)| match s {
                TxnState::Published { version, .. } if *version > floor && *version <= target => {
                    Some((*id, *version))
                }
                _ => None,
            })
            .collect();
        let from = st.compacted_version;
        // From now on reads below `target` are refused; the first batch persists it.
        st.compacted_version = target;
        let (lo, hi) = keys::row_range(t.id);
        (folded, from, engine.range(&lo, &hi))
    };
    crate::telemetry::CompactionFoldStarted { tablet: t.id }.emit();
    let r = fold_rows(engine, t, &folded, &mut it, batch_ops, max_batches);
    drop(it);
    crate::telemetry::CompactionFoldEnded { tablet: t.id }.emit();
    let mut stats = r?;
    stats.tablet_id = t.id;
    stats.from_version = from;
    stats.to_version = lock(&t.state).compacted_version;
    finish(engine, t, &folded)?;
    crate::telemetry::CompactionDone {
        tablet: t.id,
        from: stats.from_version,
        to: stats.to_version,
        versions_folded: folded.len(),
        rows_read: stats.rows_read,
        rows_written: stats.rows_written,
        rows_dropped: stats.rows_dropped,
        elapsed: started.elapsed(),
    }
    .emit();
    Ok(Some(stats))
}

/// Writes `wb` with the current tablet meta, under the state lock (so that a concurrent
/// publish's meta is never overwritten by an older one).
fn write_batch(
    engine: &RocksEngine,
    t: &Tablet,
    mut wb: WriteBatch,
    next_seq: Option<u64>,
    stats: &mut CompactionStats,
) -> Result<(), BeError> {
    let ops = wb.len() as u64;
    let mut st = lock(&t.state);
    if let Some(s) = next_seq {
        st.base_next_seq = s;
    }
    wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
    engine.write(wb, false)?;
    drop(st);
    stats.batches += 1;
    crate::telemetry::CompactionBatchWritten { tablet: t.id, ops }.emit();
    Ok(())
}

fn fold_rows(
    engine: &RocksEngine,
    t: &Tablet,
    folded: &HashMap<i64, i64>,
    it: &mut super::rocks::RangeIter<'_>,
    batch_ops: usize,
    max_batches: Option<u64>,
) -> Result<CompactionStats, BeError> {
    let mut stats = CompactionStats {
        max_batches,
        ..Default::default()
    };
    let mut wb = WriteBatch::new();
    let batch_ops = batch_ops.max(1);
    if t.keys_type == KeysType::DupKeys {
        // Every row is kept: a folded delta row moves to a base key with a fresh seq.
        let mut next_seq = lock(&t.state).base_next_seq;
        let mut key = Vec::with_capacity(64);
        while it.valid() {
            let (sk, txn, _) = keys::split_row_key(it.key())?;
            if folded.contains_key(&txn) {
                key.clear();
                key.extend_from_slice(sk);
                keys::row_key_end(&mut key, BASE_TXN, next_seq);
                next_seq += 1;
                wb.put(&key, it.value());
                wb.delete(it.key());
                stats.rows_read += 1;
                stats.rows_written += 1;
                if wb.len() >= batch_ops {
                    flush(engine, t, &mut wb, Some(next_seq), &mut stats)?;
                }
            }
            it.next();
        }
        it.status()?;
        flush(engine, t, &mut wb, Some(next_seq), &mut stats)?;
        return Ok(stats);
    }
    let upsert = t.is_upsert_model();
    let mut group_key: Vec<u8> = Vec::new();
    let mut arena: Vec<u8> = Vec::new();
    let mut entries: Vec<Pending> = Vec::new();
    let mut has_delta = false;
    let mut val = Vec::with_capacity(64);
    loop {
        let next = if it.valid() {
            Some(keys::split_row_key(it.key())?)
        } else {
            it.status()?;
            None
        };
        let boundary = match &next {
            Some((sk, _, _)) => *sk != group_key.as_slice(),
            None => true,
        };
        if boundary && !entries.is_empty() {
            if has_delta {
                fold_group(
                    t,
                    upsert,
                    &group_key,
                    &arena,
                    &mut entries,
                    &mut wb,
                    &mut val,
                    &mut stats,
                )?;
                if wb.len() >= batch_ops {
                    flush(engine, t, &mut wb, None, &mut stats)?;
                }
            }
            entries.clear();
            arena.clear();
            has_delta = false;
        }
        let Some((sk, txn, seq)) = next else {
            break;
        };
        if boundary {
            group_key.clear();
            group_key.extend_from_slice(sk);
        }
        let version = if txn == BASE_TXN {
            Some(0)
        } else {
            folded.get(&txn).copied()
        };
        if let Some(version) = version {
            has_delta |= txn != BASE_TXN;
            let key = arena.len();
            arena.extend_from_slice(it.key());
            let val = arena.len();
            arena.extend_from_slice(it.value());
            entries.push(Pending {
                version,
                seq,
                key,
                val,
                end: arena.len(),
            });
        }
        it.next();
    }
    flush(engine, t, &mut wb, None, &mut stats)?;
    Ok(stats)
}

fn flush(
    engine: &RocksEngine,
    t: &Tablet,
    wb: &mut WriteBatch,
    next_seq: Option<u64>,
    stats: &mut CompactionStats,
) -> Result<(), BeError> {
    if wb.is_empty() {
        return Ok(());
    }
    if stats.max_batches.is_some_and(|m| stats.batches >= m) {
        return Err(BeError::Other("compaction interrupted".into()));
    }
    write_batch(engine, t, std::mem::take(wb), next_seq, stats)?;
    // Counted per batch, for the rows this batch made durable.
    let now = (stats.rows_read, stats.rows_written, stats.rows_dropped);
    let (r, w, d) = stats.reported;
    crate::telemetry::CompactionRowsFlushed {
        read: now.0 - r,
        written: now.1 - w,
        dropped: now.2 - d,
    }
    .emit();
    stats.reported = now;
    Ok(())
}

/// Folds one sort key's base row and folded delta rows into its new base row.
#[allow(clippy::too_many_arguments)]
fn fold_group(
    t: &Tablet,
    upsert: bool,
    sort_key_full: &[u8],
    arena: &[u8],
    entries: &mut [Pending],
    wb: &mut WriteBatch,
    val: &mut Vec<u8>,
    stats: &mut CompactionStats,
) -> Result<(), BeError> {
    entries.sort_by_key(|e| (e.version, e.seq));
    let rows = entries
        .iter()
        .map(|e| decode_row(&t.value_kinds, &arena[e.val..e.end]))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = if upsert {
        fold_upsert(t, &rows)
    } else {
        Some(fold_agg(t, &rows))
    };
    for e in entries.iter() {
        wb.delete(&arena[e.key..e.val]);
    }
    stats.rows_read += entries.len() as u64;
    match merged {
        Some(vals) => {
            encode_full_row(&t.value_kinds, &vals, val)?;
            let mut key = Vec::with_capacity(sort_key_full.len() + keys::ROW_TAIL);
            key.extend_from_slice(sort_key_full);
            keys::row_key_end(&mut key, BASE_TXN, 0);
            wb.put(&key, val);
            stats.rows_written += 1;
            stats.rows_dropped += entries.len() as u64 - 1;
        }
        None => stats.rows_dropped += entries.len() as u64,
    }
    Ok(())
}

/// The last step: deletes the states of the folded txns (their rows are all base rows now;
/// a repeated publish of one is recognised by its version, see `txn::publish`) and persists
/// the meta.
fn finish(engine: &RocksEngine, t: &Tablet, folded: &HashMap<i64, i64>) -> Result<(), BeError> {
    let _w = lock(&t.write_lock);
    let mut st = lock(&t.state);
    let mut wb = WriteBatch::new();
    for id in folded.keys() {
        wb.delete(&keys::txn_state_key(t.id, *id));
    }
    wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
    engine.write(wb, true)?;
    for id in folded.keys() {
        st.txns.remove(id);
    }
    Ok(())
}
