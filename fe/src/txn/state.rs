//! `TransactionState`: one load transaction as persisted under key `0x40 txn_id` (JSON).
//! States: PREPARE (rows staged on BEs, invisible) → COMMITTED (versions assigned, written in
//! the same batch as the job's progress) → VISIBLE (a quorum of every tablet published), or
//! PREPARE → ABORTED (staged rows discarded; progress never moves, see DESIGN.md §1).

use serde::{Deserialize, Serialize};

/// Transaction status (`TransactionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum TxnStatus {
    PREPARE,
    COMMITTED,
    VISIBLE,
    ABORTED,
}

impl TxnStatus {
    pub fn is_final(self) -> bool {
        matches!(self, TxnStatus::VISIBLE | TxnStatus::ABORTED)
    }

    /// The proto enum value.
    pub fn to_proto(self) -> starload_proto::fe::TxnState {
        use starload_proto::fe::TxnState;
        match self {
            TxnStatus::PREPARE => TxnState::Prepare,
            TxnStatus::COMMITTED => TxnState::Committed,
            TxnStatus::VISIBLE => TxnState::Visible,
            TxnStatus::ABORTED => TxnState::Aborted,
        }
    }
}

/// One load transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionState {
    pub txn_id: i64,
    /// `<job_name>-<job_id>-<task_uuid>`, unique among live transactions.
    pub label: String,
    pub db_id: i64,
    pub table_id: i64,
    /// The routine load job (callback id).
    pub job_id: i64,
    /// The task's UUID text.
    pub task_id: String,
    pub status: TxnStatus,
    pub prepare_time_ms: i64,
    pub commit_time_ms: i64,
    pub finish_time_ms: i64,
    pub timeout_s: i64,
    /// The coordinator BE.
    pub backend_id: i64,
    /// Abort reason.
    pub reason: String,
    /// `(partition_id, version)` assigned at commit, in partition order.
    pub partition_versions: Vec<(i64, i64)>,
    /// Commit sequence: publish goes in this order (and so in version order per partition).
    #[serde(default)]
    pub commit_seq: i64,
    /// `(tablet_id, backends)` that staged the rows, from the BE's report, recorded at commit.
    /// Only these replicas may publish the txn: a replica that failed during the load has
    /// none or only part of the rows. Empty (transactions written before this field) = every
    /// replica.
    #[serde(default)]
    pub staged_replicas: Vec<(i64, Vec<i64>)>,
}

impl TransactionState {
    /// A new PREPARE transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        txn_id: i64,
        label: String,
        db_id: i64,
        table_id: i64,
        job_id: i64,
        task_id: String,
        timeout_s: i64,
        backend_id: i64,
        now_ms: i64,
    ) -> Self {
        Self {
            txn_id,
            label,
            db_id,
            table_id,
            job_id,
            task_id,
            status: TxnStatus::PREPARE,
            prepare_time_ms: now_ms,
            commit_time_ms: -1,
            finish_time_ms: -1,
            timeout_s,
            backend_id,
            reason: String::new(),
            partition_versions: Vec::new(),
            commit_seq: 0,
            staged_replicas: Vec::new(),
        }
    }

    /// Whether replica (`tablet`, `backend`) staged this txn's rows and may publish it.
    pub fn replica_staged(&self, tablet: i64, backend: i64) -> bool {
        self.staged_replicas.is_empty()
            || self
                .staged_replicas
                .iter()
                .any(|(t, bes)| *t == tablet && bes.contains(&backend))
    }

    /// PREPARE older than its timeout (the transaction manager aborts it).
    pub fn is_timed_out(&self, now_ms: i64) -> bool {
        self.status == TxnStatus::PREPARE
            && now_ms - self.prepare_time_ms > self.timeout_s.saturating_mul(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_json_and_times_out() {
        let t =
            TransactionState::prepare(10005, "j-1-u".into(), 1, 2, 3, "u".into(), 60, 10001, 1000);
        let back: TransactionState =
            serde_json::from_slice(&serde_json::to_vec(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        assert!(!t.is_timed_out(61_000));
        assert!(t.is_timed_out(61_001));
    }
}
