//! Transactions on a tablet: rows are STAGED under the txn id (invisible), become visible when
//! the txn is PUBLISHED at a version (only on top of the previous version), or are discarded
//! when ABORTED (the rows are deleted later by a sweep).
//!
//! Durability: staged rows are written with the WAL but without fsync (a killed process keeps
//! them; the FE aborts a task whose BE died before reporting); [`super::TabletStore::sync`] fsyncs
//! once when the coordinator sends `eos`, before staging is reported; publish, tablet meta and
//! truncate writes are fsynced because the FE counts them as done.

use super::keys;
use super::rocks::{RocksEngine, WriteBatch};
use super::row::{ColReader, FLAG_CONDITION, FLAG_DELETE, FLAG_PARTIAL};
use super::tablet::{lock, Tablet};
pub use super::txn_state::TxnState;
use super::WriteOptions;
use crate::error::BeError;
use arrow::array::{Array, ArrayRef, Int8Array};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use std::collections::HashSet;

/// Where each tablet column comes from in an incoming batch.
struct BatchLayout {
    /// Batch column (cast to the tablet type when needed) per key column.
    keys: Vec<ArrayRef>,
    /// Batch column per value column; None = not present (partial update).
    values: Vec<Option<ArrayRef>>,
    op: Option<Int8Array>,
    partial: bool,
    condition: Option<u16>,
}

fn cast_to(a: &ArrayRef, dt: &DataType, name: &str) -> Result<ArrayRef, BeError> {
    if a.data_type() == dt {
        return Ok(a.clone());
    }
    arrow::compute::cast(a, dt).map_err(|e| {
        BeError::InvalidArgument(format!(
            "column {name}: cannot store {} as {dt}: {e}",
            a.data_type()
        ))
    })
}

fn layout(t: &Tablet, batch: &RecordBatch, opts: &WriteOptions) -> Result<BatchLayout, BeError> {
    let n = t.schema.columns.len();
    let names = batch.schema();
    let positional = opts.partial_update_columns.is_empty()
        && (batch.num_columns() == n
            || (batch.num_columns() == n + 1 && names.field(n).name() == "__op"));
    let find = |i: usize| -> Option<ArrayRef> {
        if positional {
            return Some(batch.column(i).clone());
        }
        let name = &t.schema.columns[i].name;
        names.index_of(name).ok().map(|j| batch.column(j).clone())
    };
    let field = |i: usize| t.arrow_schema.field(i);
    let mut keys = Vec::with_capacity(t.key_idx.len());
    for &i in &t.key_idx {
        let a = find(i).ok_or_else(|| {
            BeError::InvalidArgument(format!("key column {} missing in batch", field(i).name()))
        })?;
        keys.push(cast_to(&a, field(i).data_type(), field(i).name())?);
    }
    // A partial update stores only the value columns the load names: the load path hands
    // over full-width batches (columns it does not name hold their defaults), and those must
    // not overwrite the stored values.
    let named = |i: usize| {
        opts.partial_update_columns.is_empty()
            || opts
                .partial_update_columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&t.schema.columns[i].name))
    };
    let mut values = Vec::with_capacity(t.value_idx.len());
    for &i in &t.value_idx {
        let a = find(i)
            .filter(|_| named(i))
            .map(|a| cast_to(&a, field(i).data_type(), field(i).name()))
            .transpose()?;
        if a.is_none() && opts.partial_update_columns.is_empty() {
            return Err(BeError::InvalidArgument(format!(
                "column {} missing in batch",
                field(i).name()
            )));
        }
        values.push(a);
    }
    let partial = values.iter().any(Option::is_none);
    let op = match names.index_of("__op") {
        Ok(j) if t.is_upsert_model() => {
            let a = cast_to(batch.column(j), &DataType::Int8, "__op")?;
            a.as_any().downcast_ref::<Int8Array>().cloned()
        }
        _ => None,
    };
    let condition = match &opts.merge_condition {
        Some(c) if !c.is_empty() && t.is_upsert_model() => {
            let pos = t
                .value_idx
                .iter()
                .position(|i| t.schema.columns[*i].name == *c)
                .ok_or_else(|| {
                    BeError::InvalidArgument(format!(
                        "merge_condition column {c} is not a value column"
                    ))
                })?;
            Some(pos as u16)
        }
        _ => None,
    };
    Ok(BatchLayout {
        keys,
        values,
        op,
        partial,
        condition,
    })
}

/// Stages `batch` for `txn_id` in one RocksDB write. Returns the rows and bytes written.
pub fn write_batch(
    engine: &RocksEngine,
    t: &Tablet,
    txn_id: i64,
    batch: &RecordBatch,
    opts: &WriteOptions,
) -> Result<(u64, u64), BeError> {
    let _w = lock(&t.write_lock);
    let mut wb = WriteBatch::new();
    let base = staged_so_far(t, txn_id)?;
    let staged = stage_rows(t, txn_id, batch, None, opts, base, &mut wb)?;
    engine.write(wb, false)?;
    let (n, bytes) = (staged.rows, staged.bytes);
    lock(&t.state).txns.insert(txn_id, staged.state);
    Ok((n, bytes))
}

/// Stages the rows `rows` of `batch` on each tablet of `targets` for `txn_id`, every tablet
/// in ONE RocksDB write: a chunk spread over hundreds of partitions costs one write, not one
/// per tablet, and needs no per-tablet copy of the batch. All or nothing: on error no tablet
/// staged anything. Returns (rows, bytes) per target, in order.
pub fn write_rows(
    engine: &RocksEngine,
    txn_id: i64,
    batch: &RecordBatch,
    targets: &[(&Tablet, &[u32])],
    opts: &WriteOptions,
) -> Result<Vec<(u64, u64)>, BeError> {
    // Write locks in ascending tablet id, the one order every multi-tablet locker uses, so
    // two such writers cannot deadlock.
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|i| targets[*i].0.id);
    if let Some(w) = order
        .windows(2)
        .find(|w| targets[w[0]].0.id == targets[w[1]].0.id)
    {
        // Locking a tablet twice would deadlock: the caller merges a tablet's rows first.
        return Err(BeError::InvalidArgument(format!(
            "tablet {} appears twice in one staged write",
            targets[w[0]].0.id
        )));
    }
    // Rows are encoded before the write locks are taken: encoding is most of a write's CPU,
    // and two loads into the same tablets (two tasks on one BE, or every replica write when
    // replication_num is 3) would otherwise encode one after the other. The encoding is only
    // valid on top of what this txn had staged when it began (its row sequence numbers), so
    // that is checked again under the locks; if a concurrent write of the same txn moved it,
    // the rows are encoded again under the locks.
    let encode = |bases: &[Base]| -> Result<(WriteBatch, Vec<Staged>), BeError> {
        let mut wb = WriteBatch::new();
        let mut staged = Vec::with_capacity(targets.len());
        for ((t, rows), base) in targets.iter().zip(bases) {
            staged.push(stage_rows(
                t,
                txn_id,
                batch,
                Some(rows),
                opts,
                *base,
                &mut wb,
            )?);
        }
        Ok((wb, staged))
    };
    let bases_of = || -> Result<Vec<Base>, BeError> {
        targets
            .iter()
            .map(|(t, _)| staged_so_far(t, txn_id))
            .collect()
    };
    let bases = bases_of()?;
    let optimistic = encode(&bases)?;
    let _guards: Vec<_> = order
        .iter()
        .map(|i| lock(&targets[*i].0.write_lock))
        .collect();
    let now = bases_of()?;
    let (wb, staged) = if now == bases {
        optimistic
    } else {
        encode(&now)?
    };
    engine.write(wb, false)?;
    Ok(targets
        .iter()
        .zip(staged)
        .map(|((t, _), s)| {
            let out = (s.rows, s.bytes);
            lock(&t.state).txns.insert(txn_id, s.state);
            out
        })
        .collect())
}

/// What staging some rows on one tablet adds to its txn state (applied after the write).
struct Staged {
    rows: u64,
    bytes: u64,
    state: TxnState,
}

/// What `txn_id` has staged on a tablet so far: (next row sequence number, rows, bytes).
type Base = (u64, u64, u64);

/// `txn_id`'s [`Base`] on `t`; an error if the txn is already published or aborted there.
fn staged_so_far(t: &Tablet, txn_id: i64) -> Result<Base, BeError> {
    match lock(&t.state).txns.get(&txn_id) {
        None => Ok((0, 0, 0)),
        Some(TxnState::Staged {
            next_seq,
            rows,
            bytes,
        }) => Ok((*next_seq, *rows, *bytes)),
        Some(TxnState::Published { version, .. }) => Err(BeError::TxnState(format!(
            "txn {txn_id} is already published at version {version} on tablet {}",
            t.id
        ))),
        Some(TxnState::Aborted { .. }) => Err(BeError::TxnState(format!(
            "txn {txn_id} is aborted on tablet {}",
            t.id
        ))),
    }
}

/// Encodes rows of `batch` (all, or the indexes `rows`) as `txn_id`'s staged rows of `t` on top
/// of `base` into `wb`, with the txn's new state. Writing `wb` is right only while `t`'s
/// [`staged_so_far`] still equals `base`: the caller checks that under `t.write_lock`.
fn stage_rows(
    t: &Tablet,
    txn_id: i64,
    batch: &RecordBatch,
    rows: Option<&[u32]>,
    opts: &WriteOptions,
    base: Base,
    wb: &mut WriteBatch,
) -> Result<Staged, BeError> {
    let lay = layout(t, batch, opts)?;
    let key_readers = lay
        .keys
        .iter()
        .zip(&t.key_kinds)
        .map(|(a, k)| ColReader::new(a.as_ref(), k))
        .collect::<Result<Vec<_>, _>>()?;
    let value_readers = lay
        .values
        .iter()
        .zip(&t.value_kinds)
        .map(|(a, k)| {
            a.as_ref()
                .map(|a| ColReader::new(a.as_ref(), k))
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let nv = t.value_kinds.len();
    let bm_len = nv.div_ceil(8);
    let mut presence = vec![0u8; bm_len];
    for (j, r) in value_readers.iter().enumerate() {
        if r.is_some() {
            presence[j / 8] |= 1 << (j % 8);
        }
    }
    let base_flags = if lay.partial { FLAG_PARTIAL } else { 0 }
        | if lay.condition.is_some() {
            FLAG_CONDITION
        } else {
            0
        };

    let (next_seq, rows0, bytes0) = base;
    let n = rows.map_or(batch.num_rows(), <[u32]>::len);
    let mut key = Vec::with_capacity(64);
    let mut val = Vec::with_capacity(64);
    let mut bytes = 0u64;
    for i in 0..n {
        let row = rows.map_or(i, |r| r[i] as usize);
        keys::row_key_start(&mut key, t.id);
        for r in &key_readers {
            keys::encode_key_col(r, row, &mut key)?;
        }
        keys::row_key_end(&mut key, txn_id, next_seq + i as u64);
        val.clear();
        let deleted = lay
            .op
            .as_ref()
            .is_some_and(|op| op.is_valid(row) && op.value(row) == 1);
        val.push(base_flags | if deleted { FLAG_DELETE } else { 0 });
        if lay.partial {
            val.extend_from_slice(&presence);
        }
        if let Some(c) = lay.condition {
            val.extend_from_slice(&c.to_le_bytes());
        }
        let bm_at = val.len();
        val.resize(bm_at + bm_len, 0);
        for (j, r) in value_readers.iter().enumerate() {
            if let Some(r) = r {
                if r.is_null(row) {
                    val[bm_at + j / 8] |= 1 << (j % 8);
                } else {
                    r.encode_value(row, &mut val)?;
                }
            }
        }
        bytes += (key.len() + val.len()) as u64;
        wb.put(&key, &val);
    }
    let state = TxnState::Staged {
        next_seq: next_seq + n as u64,
        rows: rows0 + n as u64,
        bytes: bytes0 + bytes,
    };
    wb.put(&keys::txn_state_key(t.id, txn_id), &state.encode());
    Ok(Staged {
        rows: n as u64,
        bytes,
        state,
    })
}

/// Makes `txn_id` visible as `version` (on top of `version - 1`). Idempotent. `sync`: fsync
/// the WAL with this write; without it the caller syncs once after a group of publishes
/// before anyone is told they happened.
pub fn publish(
    engine: &RocksEngine,
    t: &Tablet,
    txn_id: i64,
    version: i64,
    sync: bool,
) -> Result<(), BeError> {
    let _w = lock(&t.write_lock);
    let mut st = lock(&t.state);
    let rows = match st.txns.get(&txn_id) {
        Some(TxnState::Published { version: v, .. }) if *v == version => return Ok(()),
        Some(TxnState::Published { version: v, .. }) => {
            return Err(BeError::TxnState(format!(
                "txn {txn_id} is already published at version {v} on tablet {}, not {version}",
                t.id
            )))
        }
        Some(TxnState::Aborted { .. }) => {
            return Err(BeError::TxnState(format!(
                "txn {txn_id} is aborted on tablet {}",
                t.id
            )))
        }
        // Staged here but the version arrived meanwhile through a clone (the cloned base
        // rows hold it): the staged rows are superseded.
        Some(TxnState::Staged { .. }) if version <= st.compacted_version && !st.clone_pending => {
            let state = TxnState::Aborted { swept: false };
            let mut wb = WriteBatch::new();
            wb.put(&keys::txn_state_key(t.id, txn_id), &state.encode());
            engine.write(wb, false)?;
            st.txns.insert(txn_id, state);
            return Ok(());
        }
        Some(TxnState::Staged { rows, .. }) => *rows,
        // A txn whose state compaction pruned long ago: the FE repeats a publish it already
        // made (the version is folded into the base rows here).
        None if version <= st.compacted_version && !st.clone_pending => return Ok(()),
        // Never staged here: this replica missed the load (it was down or failed; every
        // healthy replica gets at least an empty `eos` write, so a replica that took part
        // always knows the txn). Publishing it would make the version visible here WITHOUT
        // the txn's rows and reads served by this replica would silently miss them (found by
        // fe/tests/routine_load_faults.rs: a BE killed while loads went on). Refused: the
        // replica stays at the previous version and reads above it go to other replicas.
        None => {
            return Err(BeError::TxnState(format!(
                "txn {txn_id} was never staged on tablet {}; this replica missed the load",
                t.id
            )))
        }
    };
    if version <= st.visible_version {
        return Err(BeError::TxnState(format!(
            "version {version} of tablet {} is already published by another txn (visible {})",
            t.id, st.visible_version
        )));
    }
    if st.clone_pending {
        return Err(BeError::VersionMissing {
            tablet_id: t.id,
            visible: 0,
            version,
        });
    }
    if version != st.visible_version + 1 {
        return Err(BeError::VersionMissing {
            tablet_id: t.id,
            visible: st.visible_version,
            version,
        });
    }
    let state = TxnState::Published { version, rows };
    let mut wb = WriteBatch::new();
    wb.put(&keys::txn_state_key(t.id, txn_id), &state.encode());
    let prev = st.visible_version;
    st.visible_version = version;
    wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
    if let Err(e) = engine.write(wb, sync) {
        st.visible_version = prev;
        return Err(e);
    }
    st.txns.insert(txn_id, state);
    st.visible_since
        .push_back((std::time::Instant::now(), version));
    Ok(())
}

/// Marks `txn_id` aborted (its rows become garbage for the sweep). Idempotent; a txn never
/// seen on this tablet is recorded as aborted so that a late batch is refused.
pub fn abort(engine: &RocksEngine, t: &Tablet, txn_id: i64) -> Result<(), BeError> {
    let _w = lock(&t.write_lock);
    let rows = match lock(&t.state).txns.get(&txn_id) {
        Some(TxnState::Published { version, .. }) => {
            return Err(BeError::TxnState(format!(
                "txn {txn_id} is already published at version {version} on tablet {}",
                t.id
            )))
        }
        Some(TxnState::Aborted { .. }) => return Ok(()),
        Some(TxnState::Staged { rows, .. }) => *rows,
        None => 0,
    };
    let state = TxnState::Aborted { swept: rows == 0 };
    let mut wb = WriteBatch::new();
    wb.put(&keys::txn_state_key(t.id, txn_id), &state.encode());
    engine.write(wb, false)?;
    lock(&t.state).txns.insert(txn_id, state);
    Ok(())
}

/// Deletes the rows of every row key whose txn satisfies `dead`, in batches.
pub fn delete_rows_where(
    engine: &RocksEngine,
    t: &Tablet,
    dead: impl Fn(i64) -> bool,
) -> Result<u64, BeError> {
    let (lo, hi) = keys::row_range(t.id);
    let mut it = engine.range(&lo, &hi);
    let mut wb = WriteBatch::new();
    let mut deleted = 0u64;
    while it.valid() {
        let (_, txn, _) = keys::split_row_key(it.key())?;
        if dead(txn) {
            wb.delete(it.key());
            deleted += 1;
            if wb.len() >= 16 * 1024 {
                engine.write(std::mem::take(&mut wb), false)?;
            }
        }
        it.next();
    }
    it.status()?;
    if !wb.is_empty() {
        engine.write(wb, false)?;
    }
    Ok(deleted)
}

/// Deletes the rows of aborted txns and marks them swept. Returns rows deleted.
pub fn sweep(engine: &RocksEngine, t: &Tablet) -> Result<u64, BeError> {
    let _s = lock(&t.sweep_lock);
    let dead: HashSet<i64> = lock(&t.state)
        .txns
        .iter()
        .filter(|(_, s)| matches!(s, TxnState::Aborted { swept: false }))
        .map(|(id, _)| *id)
        .collect();
    if dead.is_empty() {
        return Ok(0);
    }
    let n = delete_rows_where(engine, t, |txn| dead.contains(&txn))?;
    let _w = lock(&t.write_lock);
    let mut wb = WriteBatch::new();
    let swept = TxnState::Aborted { swept: true };
    for id in &dead {
        wb.put(&keys::txn_state_key(t.id, *id), &swept.encode());
    }
    engine.write(wb, false)?;
    let mut st = lock(&t.state);
    for id in dead {
        st.txns.insert(id, swept);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txn_state_round_trip() {
        for s in [
            TxnState::Staged {
                next_seq: 3,
                rows: 3,
                bytes: 99,
            },
            TxnState::Published {
                version: 7,
                rows: 3,
            },
            TxnState::Aborted { swept: true },
            TxnState::Aborted { swept: false },
        ] {
            assert_eq!(TxnState::decode(&s.encode()).unwrap(), s);
        }
        assert!(TxnState::decode(&[1, 9]).is_err());
        let mut b = TxnState::Aborted { swept: true }.encode();
        b[1] = 7;
        assert!(TxnState::decode(&b).is_err());
    }
}
