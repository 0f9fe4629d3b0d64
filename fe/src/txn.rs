//! Load transactions (key `0x40 txn_id`): begin (label, id), commit together with the job's
//! progress in one atomic write, abort, publish to every replica (retried until visible, in
//! version order) and recovery at FE start. Mirrors StarRocks's `GlobalTransactionMgr` /
//! `DatabaseTransactionMgr` for the routine-load path (ARCHITECTURE.md steps 1, 4, 5, 6).
//!
//! Invariants:
//! - A label is used by at most one non-aborted transaction.
//! - COMMITTED is written in the same `MetaBatch` as the partitions' `committed_version`
//!   (through `Catalog::commit_partition_versions`) and the caller's extra puts (the job's new
//!   progress and statistics).
//! - A transaction leaves PREPARE exactly once; ABORTED never changes a partition version.
//! - Publish handles COMMITTED transactions in commit order, so per partition in version order.

pub mod publish;
pub mod state;

pub use state::{TransactionState, TxnStatus};

use crate::catalog::{Catalog, CatalogError};
use crate::clock::now_ms;
use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// What the transaction layer announces to whoever owns a transaction's load (routine load:
/// renew the task on VISIBLE, tell the BEs to drop staged rows on ABORTED). The transaction
/// layer owns the trait so it never calls up into `routine_load`; `context.rs` wires the
/// implementation (as the BE's storage announces task ends through `RoutineLoadTasks`).
pub trait TxnListener: Send + Sync {
    /// The transaction was aborted (by recovery, a timeout or its task's report).
    fn on_aborted(&self, txn: &TransactionState);
    /// The transaction became VISIBLE (published on a quorum of every tablet).
    fn on_visible(&self, txn: &TransactionState);
}

/// Failure of a transaction operation.
#[derive(Debug, thiserror::Error)]
pub enum TxnError {
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// `Label [%s] has already been used.` (LabelAlreadyUsedException)
    #[error("Label [{0}] has already been used.")]
    LabelUsed(String),
    #[error("transaction not found, id: {0}")]
    NotFound(i64),
    /// The transaction is not in the state the operation needs.
    #[error("transaction {txn_id}'s status is {status:?}")]
    WrongState { txn_id: i64, status: TxnStatus },
}

#[derive(Default)]
struct State {
    txns: BTreeMap<i64, TransactionState>,
    /// Labels of PREPARE/COMMITTED/VISIBLE transactions.
    labels: HashMap<String, i64>,
    next_commit_seq: i64,
}

impl State {
    /// Transaction `txn_id` if it is still PREPARE (the only state commit and abort start
    /// from).
    fn prepared(&self, txn_id: i64) -> Result<&TransactionState, TxnError> {
        let cur = self.txns.get(&txn_id).ok_or(TxnError::NotFound(txn_id))?;
        if cur.status != TxnStatus::PREPARE {
            return Err(TxnError::WrongState {
                txn_id,
                status: cur.status,
            });
        }
        Ok(cur)
    }
}

/// The transaction manager.
pub struct TxnManager {
    meta: Arc<MetaStore>,
    state: Mutex<State>,
    /// Woken when a transaction is committed (the publish loop waits on it).
    pub publish_wake: Notify,
}

impl TxnManager {
    /// Loads every persisted transaction. PREPARE transactions are kept here; the FE start-up
    /// (`recover`) aborts them because no task survives a restart.
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        let mut st = State::default();
        for (_, t) in meta.scan_prefix::<TransactionState>(&[keys::TXN])? {
            if t.status != TxnStatus::ABORTED {
                st.labels.insert(t.label.clone(), t.txn_id);
            }
            st.next_commit_seq = st.next_commit_seq.max(t.commit_seq + 1);
            st.txns.insert(t.txn_id, t);
        }
        Ok(Self {
            meta,
            state: Mutex::new(st),
            publish_wake: Notify::new(),
        })
    }

    /// True when this FE publishes and decides transactions (see `MetaStore::is_active_leader`).
    pub fn is_active_leader(&self) -> bool {
        self.meta.is_active_leader()
    }

    /// Replaces the in-memory transactions with what the store holds now.
    pub fn reload(&self) -> Result<(), MetaError> {
        let fresh = Self::load(self.meta.clone())?;
        *self.lock() = fresh.state.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A copy of one transaction.
    pub fn get(&self, txn_id: i64) -> Option<TransactionState> {
        self.lock().txns.get(&txn_id).cloned()
    }

    /// Every transaction in `status`, in commit order for COMMITTED.
    pub fn list(&self, status: TxnStatus) -> Vec<TransactionState> {
        let mut v: Vec<TransactionState> = self
            .lock()
            .txns
            .values()
            .filter(|t| t.status == status)
            .cloned()
            .collect();
        v.sort_by_key(|t| (t.commit_seq, t.txn_id));
        v
    }

    /// Begins a transaction: allocates its id and persists it as PREPARE.
    #[allow(clippy::too_many_arguments)]
    pub fn begin(
        &self,
        label: &str,
        db_id: i64,
        table_id: i64,
        job_id: i64,
        task_id: &str,
        timeout_s: i64,
        backend_id: i64,
    ) -> Result<i64, TxnError> {
        if self.lock().labels.contains_key(label) {
            return Err(TxnError::LabelUsed(label.to_string()));
        }
        let txn_id = self.meta.next_id()?;
        let t = TransactionState::prepare(
            txn_id,
            label.to_string(),
            db_id,
            table_id,
            job_id,
            task_id.to_string(),
            timeout_s,
            backend_id,
            now_ms(),
        );
        let mut st = self.lock();
        if st.labels.contains_key(label) {
            return Err(TxnError::LabelUsed(label.to_string()));
        }
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::TXN, txn_id), &t)?;
        self.meta.write(b)?;
        st.labels.insert(t.label.clone(), txn_id);
        st.txns.insert(txn_id, t);
        Ok(txn_id)
    }

    /// Commits a PREPARE transaction: assigns the next version of each partition in
    /// `partition_ids` and writes, in ONE batch, the COMMITTED state, the table's versions and
    /// whatever `extra` adds (the job's progress). `staged` lists the replicas that staged
    /// each tablet (only they publish). Returns the `(partition, version)` pairs.
    pub fn commit<F>(
        &self,
        catalog: &Catalog,
        txn_id: i64,
        partition_ids: &[i64],
        staged: Vec<(i64, Vec<i64>)>,
        extra: F,
    ) -> Result<Vec<(i64, i64)>, TxnError>
    where
        F: FnOnce(&mut MetaBatch, &[(i64, i64)]) -> Result<(), MetaError>,
    {
        let waiting = std::time::Instant::now();
        let mut st = self.lock();
        crate::telemetry::TxnCommitLockTaken {
            wait: waiting.elapsed(),
        }
        .emit();
        let mut next = st.prepared(txn_id)?.clone();
        next.status = TxnStatus::COMMITTED;
        next.commit_time_ms = now_ms();
        next.commit_seq = st.next_commit_seq;
        next.staged_replicas = staged;
        let versions =
            catalog.commit_partition_versions(next.table_id, partition_ids, |versions| {
                next.partition_versions = versions.to_vec();
                let mut b = MetaBatch::new();
                b.put(&keys::id_key(keys::TXN, txn_id), &next)?;
                extra(&mut b, versions)?;
                Ok(b)
            })?;
        st.next_commit_seq += 1;
        st.txns.insert(txn_id, next);
        drop(st);
        self.publish_wake.notify_one();
        Ok(versions)
    }

    /// Aborts a PREPARE transaction with `reason`; `extra` may add puts to the same batch
    /// (the empty-load rule moves the job's progress with the abort).
    pub fn abort<F>(
        &self,
        txn_id: i64,
        reason: &str,
        extra: F,
    ) -> Result<TransactionState, TxnError>
    where
        F: FnOnce(&mut MetaBatch) -> Result<(), MetaError>,
    {
        let mut st = self.lock();
        let mut next = st.prepared(txn_id)?.clone();
        next.status = TxnStatus::ABORTED;
        next.finish_time_ms = now_ms();
        next.reason = reason.to_string();
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::TXN, txn_id), &next)?;
        extra(&mut b)?;
        self.meta.write(b)?;
        st.labels.remove(&next.label);
        st.txns.insert(txn_id, next.clone());
        Ok(next)
    }

    /// Marks a COMMITTED transaction VISIBLE and raises the partitions' visible versions in
    /// one write.
    pub fn make_visible(&self, catalog: &Catalog, txn_id: i64) -> Result<(), TxnError> {
        let mut st = self.lock();
        let cur = st.txns.get(&txn_id).ok_or(TxnError::NotFound(txn_id))?;
        if cur.status != TxnStatus::COMMITTED {
            return Err(TxnError::WrongState {
                txn_id,
                status: cur.status,
            });
        }
        let mut next = cur.clone();
        next.status = TxnStatus::VISIBLE;
        next.finish_time_ms = now_ms();
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::TXN, txn_id), &next)?;
        catalog.publish_partition_versions(
            b,
            next.table_id,
            &next.partition_versions,
            next.finish_time_ms,
        )?;
        st.txns.insert(txn_id, next);
        Ok(())
    }

    /// PREPARE transactions past their timeout.
    pub fn timed_out(&self, now_ms: i64) -> Vec<TransactionState> {
        self.lock()
            .txns
            .values()
            .filter(|t| t.is_timed_out(now_ms))
            .cloned()
            .collect()
    }

    /// Forgets final transactions older than `keep_s` (label_keep_max_second).
    pub fn remove_expired(&self, now_ms: i64, keep_s: i64) -> Result<usize, TxnError> {
        let mut st = self.lock();
        let old: Vec<i64> = st
            .txns
            .values()
            .filter(|t| {
                t.status.is_final()
                    && t.finish_time_ms > 0
                    && now_ms - t.finish_time_ms > keep_s.saturating_mul(1000)
            })
            .map(|t| t.txn_id)
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let mut b = MetaBatch::new();
        for id in &old {
            b.delete(&keys::id_key(keys::TXN, *id));
        }
        self.meta.write(b)?;
        for id in &old {
            if let Some(t) = st.txns.remove(id) {
                if st.labels.get(&t.label) == Some(id) {
                    st.labels.remove(&t.label);
                }
            }
        }
        Ok(old.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::MetaStore;

    fn store() -> (tempfile::TempDir, Arc<MetaStore>) {
        let dir = tempfile::tempdir().unwrap();
        let m = Arc::new(MetaStore::open(dir.path()).unwrap());
        (dir, m)
    }

    #[test]
    fn begin_persists_and_rejects_used_labels() {
        let (dir, meta) = store();
        let id = {
            let tm = TxnManager::load(meta.clone()).unwrap();
            let id = tm.begin("j-1-u1", 1, 2, 3, "u1", 60, 7).unwrap();
            assert!(matches!(
                tm.begin("j-1-u1", 1, 2, 3, "u1", 60, 7),
                Err(TxnError::LabelUsed(_))
            ));
            id
        };
        drop(meta);
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let tm = TxnManager::load(meta).unwrap();
        assert_eq!(tm.get(id).unwrap().status, TxnStatus::PREPARE);
        // Abort frees the label; a second abort is refused.
        tm.abort(id, "timeout by txn manager", |_| Ok(())).unwrap();
        assert!(matches!(
            tm.abort(id, "x", |_| Ok(())),
            Err(TxnError::WrongState { .. })
        ));
        tm.begin("j-1-u1", 1, 2, 3, "u1", 60, 7).unwrap();
        assert_eq!(tm.list(TxnStatus::PREPARE).len(), 1);
    }

    #[test]
    fn expired_final_transactions_are_removed() {
        let (_dir, meta) = store();
        let tm = TxnManager::load(meta.clone()).unwrap();
        let id = tm.begin("a", 1, 2, 3, "u", 60, 7).unwrap();
        let t = tm.abort(id, "x", |_| Ok(())).unwrap();
        assert_eq!(tm.remove_expired(t.finish_time_ms + 1000, 1).unwrap(), 0);
        assert_eq!(tm.remove_expired(t.finish_time_ms + 1001, 1).unwrap(), 1);
        assert!(tm.get(id).is_none());
        let tm2 = TxnManager::load(meta).unwrap();
        assert!(tm2.get(id).is_none());
    }
}
