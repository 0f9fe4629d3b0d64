//! Clone: a replica that missed versions (its BE was down during loads, so it never staged
//! them) is rebuilt from a healthy replica. The healthy replica's merged rows at version V
//! (its ordinary scan, so the transfer is Arrow batches) become this tablet's base rows at V:
//! `visible_version = compacted_version = V`, exactly as if this replica had applied every
//! version up to V and compacted them. Staged transactions are kept, so the loads in flight
//! publish on top of V as usual (a staged txn whose version is <= V is superseded and
//! discarded at its publish).
//!
//! Crash safety: [`CloneWriter::begin`] persists `clone_pending` before deleting anything; a
//! tablet with `clone_pending` serves no reads, refuses publishes and reports version 0 to the
//! FE until a clone completes (the FE clones it again). [`CloneWriter::finish`] clears it in
//! the same WriteBatch that sets the new versions.

use super::keys::{self, BASE_TXN};
use super::rocks::{RocksEngine, WriteBatch};
use super::row::ColReader;
use super::tablet::{lock, Tablet};
use super::txn_state::TxnState;
use crate::error::BeError;
use arrow::record_batch::RecordBatch;
use starload_proto::types::KeysType;
use std::sync::Arc;
use std::time::Instant;

/// Row operations per WriteBatch while a clone installs rows.
const BATCH_OPS: usize = 16 * 1024;

/// Installs one clone of one tablet; see the module docs.
pub struct CloneWriter<'e> {
    engine: &'e RocksEngine,
    t: Arc<Tablet>,
    rows: u64,
}

impl<'e> CloneWriter<'e> {
    /// Marks the tablet clone-pending and deletes its base rows and the rows of every
    /// published txn (staged and aborted txns keep theirs).
    pub fn begin(engine: &'e RocksEngine, t: Arc<Tablet>) -> Result<Self, BeError> {
        {
            let _s = lock(&t.sweep_lock);
            let _w = lock(&t.write_lock);
            let published: std::collections::HashSet<i64> = {
                let mut st = lock(&t.state);
                st.clone_pending = true;
                let mut wb = WriteBatch::new();
                wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
                engine.write(wb, true)?;
                st.txns
                    .iter()
                    .filter(|(_, s)| matches!(s, TxnState::Published { .. }))
                    .map(|(id, _)| *id)
                    .chain([BASE_TXN])
                    .collect()
            };
            super::txn::delete_rows_where(engine, &t, |txn| published.contains(&txn))?;
        }
        Ok(Self { engine, t, rows: 0 })
    }

    /// Stores one batch of merged rows (tablet column order, as a scan returns them) as base
    /// rows.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), BeError> {
        let t = &self.t;
        if batch.num_columns() != t.schema.columns.len() {
            return Err(BeError::InvalidArgument(format!(
                "clone of tablet {}: {} columns, expected {}",
                t.id,
                batch.num_columns(),
                t.schema.columns.len()
            )));
        }
        let cast = |i: usize| -> Result<arrow::array::ArrayRef, BeError> {
            let a = batch.column(i);
            let dt = t.arrow_schema.field(i).data_type();
            if a.data_type() == dt {
                return Ok(a.clone());
            }
            arrow::compute::cast(a, dt)
                .map_err(|e| BeError::InvalidArgument(format!("clone of tablet {}: {e}", t.id)))
        };
        let key_cols = t
            .key_idx
            .iter()
            .map(|i| cast(*i))
            .collect::<Result<Vec<_>, _>>()?;
        let val_cols = t
            .value_idx
            .iter()
            .map(|i| cast(*i))
            .collect::<Result<Vec<_>, _>>()?;
        let key_readers = key_cols
            .iter()
            .zip(&t.key_kinds)
            .map(|(a, k)| ColReader::new(a.as_ref(), k))
            .collect::<Result<Vec<_>, _>>()?;
        let val_readers = val_cols
            .iter()
            .zip(&t.value_kinds)
            .map(|(a, k)| ColReader::new(a.as_ref(), k))
            .collect::<Result<Vec<_>, _>>()?;
        let dup = t.keys_type == KeysType::DupKeys;
        let bm_len = t.value_kinds.len().div_ceil(8);
        let mut next_seq = lock(&t.state).base_next_seq;
        let mut wb = WriteBatch::new();
        let mut key = Vec::with_capacity(64);
        let mut val = Vec::with_capacity(64);
        for row in 0..batch.num_rows() {
            keys::row_key_start(&mut key, t.id);
            for r in &key_readers {
                keys::encode_key_col(r, row, &mut key)?;
            }
            let seq = if dup {
                next_seq += 1;
                next_seq - 1
            } else {
                0
            };
            keys::row_key_end(&mut key, BASE_TXN, seq);
            val.clear();
            val.push(0);
            val.resize(1 + bm_len, 0);
            for (j, r) in val_readers.iter().enumerate() {
                if r.is_null(row) {
                    val[1 + j / 8] |= 1 << (j % 8);
                } else {
                    r.encode_value(row, &mut val)?;
                }
            }
            wb.put(&key, &val);
            if wb.len() >= BATCH_OPS {
                self.flush(std::mem::take(&mut wb), next_seq)?;
            }
        }
        self.flush(wb, next_seq)?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn flush(&self, mut wb: WriteBatch, next_seq: u64) -> Result<(), BeError> {
        if wb.is_empty() {
            return Ok(());
        }
        let mut st = lock(&self.t.state);
        st.base_next_seq = next_seq;
        wb.put(
            &keys::tablet_meta_key(self.t.id),
            &self.t.meta(&st).encode(),
        );
        self.engine.write(wb, false)
    }

    /// Makes the installed rows the tablet's content at `version`. Returns the rows installed.
    pub fn finish(self, version: i64) -> Result<u64, BeError> {
        let t = &self.t;
        let _w = lock(&t.write_lock);
        let mut st = lock(&t.state);
        let old: Vec<i64> = st
            .txns
            .iter()
            .filter(|(_, s)| matches!(s, TxnState::Published { .. }))
            .map(|(id, _)| *id)
            .collect();
        let mut wb = WriteBatch::new();
        for id in &old {
            wb.delete(&keys::txn_state_key(t.id, *id));
        }
        let prev = (
            st.visible_version,
            st.compacted_version,
            st.base_version,
            st.clone_pending,
        );
        st.visible_version = version;
        st.compacted_version = version;
        st.base_version = st.base_version.min(version);
        st.clone_pending = false;
        wb.put(&keys::tablet_meta_key(t.id), &t.meta(&st).encode());
        if let Err(e) = self.engine.write(wb, true) {
            (
                st.visible_version,
                st.compacted_version,
                st.base_version,
                st.clone_pending,
            ) = prev;
            return Err(e);
        }
        for id in old {
            st.txns.remove(&id);
        }
        st.visible_since.clear();
        st.visible_since.push_back((Instant::now(), version));
        crate::telemetry::TabletCloned {
            tablet: t.id,
            version,
            rows: self.rows,
        }
        .emit();
        Ok(self.rows)
    }
}
