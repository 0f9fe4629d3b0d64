//! The job's side of a task's transaction (StarRocks's `TxnStateChangeCallback` on
//! `RoutineLoadJob`: beforeCommitted / afterCommitted / afterAborted / afterVisible), driven by
//! the BE's `ReportTask` (ARCHITECTURE.md step 4) and by the publish loop.
//!
//! Exactly-once rules enforced here (DESIGN.md §1):
//! - a report is applied only if its transaction is PREPARE, its label matches, and its task is
//!   still the job's current task for that transaction (late reports are rejected);
//! - it commits only if every partition's begin offset equals the job's progress and a
//!   majority of each touched tablet's replicas staged the rows;
//! - the commit writes the txn COMMITTED, the partition versions and the job's new progress and
//!   statistics in ONE batch; an abort never moves progress, except the empty-load rule
//!   (nothing loaded: the consumed offsets are skipped, spec §5.4).

use super::context::RoutineLoadContext;
use super::job::{code, AfterCommit, ErrorReason, JobState, TaskCounters};
use super::task::{RoutineLoadTask, TaskTxnStatus};
use super::{JobEntry, RoutineLoadManager};
use crate::clock::now_ms;
use crate::txn::{TransactionState, TxnStatus};
use starload_proto::error_code::ERR_LOAD_DATA_PARSE_ERROR;
use starload_proto::fe::ReportTaskRequest;
use starload_proto::types::{FailureReason, Status, StatusCode};
use std::collections::{BTreeMap, BTreeSet};

/// The abort reason of a load that imported nothing (newest StarRocks NO_ROWS_IMPORTED).
pub const EMPTY_LOAD_REASON: &str = "No rows were imported from upstream";

/// Crash-test failpoint (`fe/tests/routine_load_faults.rs`): the environment variable
/// `STARLOAD_FE_FAILPOINT`, read once per process, names an instant of the commit path at which
/// the FE aborts the process (as kill -9 would: nothing flushed, no answer to the BE):
/// - `before_commit_after_report`: a report passed every check, the commit batch is not written;
/// - `after_commit`: the commit batch is written, the BE has not been answered.
///
/// These instants cannot be hit from outside with a signal reliably; the tests restart the FE
/// without the variable and check that every row is loaded exactly once.
fn failpoint(name: &str) {
    static FAILPOINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let set = FAILPOINT.get_or_init(|| std::env::var("STARLOAD_FE_FAILPOINT").ok());
    if set.as_deref() == Some(name) {
        tracing::error!(
            failpoint = name,
            "STARLOAD_FE_FAILPOINT reached; aborting the process."
        );
        std::process::abort();
    }
}

/// What the FE decided for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Committed,
    /// Aborted with this reason.
    Aborted(String),
    /// Not applied (unknown or finished transaction); the BE discards its rows unless the
    /// transaction is COMMITTED/VISIBLE.
    Rejected(Status),
}

impl Decision {
    /// The status sent back to the BE.
    pub fn status(&self) -> Status {
        match self {
            Decision::Committed => Status::ok(),
            Decision::Aborted(r) => Status::err(StatusCode::Cancelled, r.clone()),
            Decision::Rejected(s) => s.clone(),
        }
    }
}

/// Tablets that did not reach a write quorum, or None when every tablet of the touched
/// partitions did. `replicas`: partition -> [(tablet, replica backends)].
/// Replicas that staged each reported tablet, and the partitions those tablets belong to with
/// every tablet's replicas (what a commit versions and checks the quorum of).
#[allow(clippy::type_complexity)]
pub fn touched_partitions(
    table: &crate::catalog::table::Table,
    infos: &[starload_proto::fe::TabletCommitInfo],
) -> (
    BTreeMap<i64, BTreeSet<i64>>,
    BTreeMap<i64, Vec<(i64, Vec<i64>)>>,
) {
    let staged: BTreeMap<i64, BTreeSet<i64>> = infos
        .iter()
        .map(|t| (t.tablet_id, t.backend_ids.iter().copied().collect()))
        .collect();
    let touched = table
        .all_partitions()
        .filter(|p| p.tablets.iter().any(|t| staged.contains_key(&t.id)))
        .map(|p| {
            (
                p.id,
                p.tablets
                    .iter()
                    .map(|t| (t.id, t.replicas.clone()))
                    .collect(),
            )
        })
        .collect();
    (staged, touched)
}

pub fn quorum_failures(
    replicas: &BTreeMap<i64, Vec<(i64, Vec<i64>)>>,
    staged: &BTreeMap<i64, BTreeSet<i64>>,
) -> Vec<i64> {
    let mut bad = Vec::new();
    for tablets in replicas.values() {
        for (tablet, bes) in tablets {
            let got = staged
                .get(tablet)
                .map(|s| bes.iter().filter(|b| s.contains(b)).count())
                .unwrap_or(0);
            if got < bes.len() / 2 + 1 {
                bad.push(*tablet);
            }
        }
    }
    bad
}

/// Why a report's offsets cannot be committed (the FE aborts the task with this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffsetMismatch {
    #[error("partition {partition} is not consumed by task {task}")]
    PartitionNotInTask { partition: i32, task: uuid::Uuid },
    #[error(
        "partition {partition} begin offset {begin} does not match the task's offset {task_offset}"
    )]
    NotTaskOffset {
        partition: i32,
        begin: i64,
        task_offset: i64,
    },
    /// Someone else committed the partition meanwhile (or the job was altered).
    #[error(
        "partition {partition} begin offset {begin} does not match the job's progress {progress:?}"
    )]
    NotJobProgress {
        partition: i32,
        begin: i64,
        progress: Option<i64>,
    },
    #[error("partition {partition} last offset {last} is before its begin offset {begin}")]
    LastBeforeBegin {
        partition: i32,
        last: i64,
        begin: i64,
    },
}

/// Checks the report's offsets against the task and the job's progress.
pub fn offsets_match(
    task: &RoutineLoadTask,
    progress: &super::progress::KafkaProgress,
    req: &ReportTaskRequest,
) -> Result<(), OffsetMismatch> {
    for p in &req.progress {
        let Some((_, begin)) = task.offsets.iter().find(|(tp, _)| *tp == p.partition) else {
            return Err(OffsetMismatch::PartitionNotInTask {
                partition: p.partition,
                task: task.id,
            });
        };
        if p.begin_offset != *begin {
            return Err(OffsetMismatch::NotTaskOffset {
                partition: p.partition,
                begin: p.begin_offset,
                task_offset: *begin,
            });
        }
        if progress.get(p.partition) != Some(*begin) {
            return Err(OffsetMismatch::NotJobProgress {
                partition: p.partition,
                begin: *begin,
                progress: progress.get(p.partition),
            });
        }
        if p.last_offset >= 0 && p.last_offset < p.begin_offset {
            return Err(OffsetMismatch::LastBeforeBegin {
                partition: p.partition,
                last: p.last_offset,
                begin: p.begin_offset,
            });
        }
    }
    Ok(())
}

fn counters(req: &ReportTaskRequest) -> TaskCounters {
    TaskCounters {
        loaded_rows: req.loaded_rows,
        filtered_rows: req.filtered_rows,
        unselected_rows: req.unselected_rows,
        received_bytes: req.received_bytes,
        load_cost_ms: req.load_cost_ms,
    }
}

/// The report's rows and bytes, for the routine load metrics.
fn task_rows(req: &ReportTaskRequest) -> crate::telemetry::TaskRows {
    crate::telemetry::TaskRows {
        loaded_rows: req.loaded_rows,
        filtered_rows: req.filtered_rows,
        unselected_rows: req.unselected_rows,
        received_bytes: req.received_bytes,
    }
}

/// Applies the report's consumed offsets (last + 1) and timestamps to the job.
fn advance_progress(entry: &mut JobEntry, req: &ReportTaskRequest) -> Vec<(i32, i64)> {
    let consumed: Vec<(i32, i64)> = req
        .progress
        .iter()
        .filter(|p| p.last_offset >= 0)
        .map(|p| (p.partition, p.last_offset))
        .collect();
    entry.job.progress.update_from_last_offsets(&consumed);
    let ts: Vec<(i32, i64)> = req
        .progress
        .iter()
        .filter(|p| p.last_offset >= 0 && p.last_timestamp_ms >= 0)
        .map(|p| (p.partition, p.last_timestamp_ms))
        .collect();
    entry.job.timestamp_progress.update_from_last_offsets(&ts);
    consumed
}

fn record_watermarks(entry: &mut JobEntry, req: &ReportTaskRequest) {
    for p in &req.progress {
        if p.high_watermark >= 0 {
            entry.set_latest(p.partition, p.high_watermark);
        }
    }
}

/// How an abort affects the job (spec §3.4, `RoutineLoadJob.afterAborted`): the pause reason,
/// or None to renew the task. `failure` is the class the BE sent next to its text `reason`
/// (FE-side aborts pass INTERNAL). StarRocks finds the class by searching the text
/// (`TxnStatusChangeReason.fromString`); the BE names it instead, so a message that merely
/// quotes one of those words (user data, a column name) no longer pauses a job. UNSPECIFIED
/// (a peer that sends no class) renews the task like INTERNAL.
pub fn abort_effect(
    failure: FailureReason,
    reason: &str,
    be_id: i64,
    pause_on_fatal_parse_error: bool,
) -> Option<ErrorReason> {
    match failure {
        // StarRocks's OFFSET_OUT_OF_RANGE and PAUSE.
        FailureReason::OffsetOutOfRange | FailureReason::KafkaConfig => Some(ErrorReason::new(
            code::TASKS_ABORT_ERR,
            format!("be {be_id} abort task with reason: {reason}"),
        )),
        FailureReason::TooManyFilteredRows => Some(ErrorReason::new(
            code::TOO_MANY_FAILURE_ROWS_ERR,
            format!(
                "{reason}. Check the 'TrackingSQL' field for detailed information. If you are sure that the data has many errors, you can set 'max_filter_ratio' property to a greater value through ALTER ROUTINE LOAD and RESUME the job"
            ),
        )),
        FailureReason::FatalParseError if pause_on_fatal_parse_error => Some(ErrorReason::new(
            i32::from(ERR_LOAD_DATA_PARSE_ERROR.errno),
            ERR_LOAD_DATA_PARSE_ERROR.format(&[reason]),
        )),
        FailureReason::FatalParseError
        | FailureReason::BeOverloaded
        | FailureReason::Cancelled
        | FailureReason::Internal
        | FailureReason::Unspecified => None,
    }
}

/// Replaces task `idx` by a renewed one (same partitions, offsets from the job's progress).
pub fn renew_task(entry: &mut JobEntry, idx: usize, execute_at_ms: i64, message: Option<String>) {
    let now = now_ms();
    let old = &entry.tasks[idx];
    let offsets: Vec<(i32, i64)> = old
        .offsets
        .iter()
        .map(|(p, o)| (*p, entry.job.progress.get(*p).unwrap_or(*o)))
        .collect();
    let mut t = RoutineLoadTask::new(
        entry.job.id,
        offsets,
        now,
        execute_at_ms,
        entry.job.props.task_timeout_second,
        old.be_id.max(old.prev_be_id),
    );
    // The job's cached watermarks let the readiness check skip its Kafka query when they
    // already show new data (StarRocks's `hasMoreDataToConsume` reads the same job-level cache).
    t.raise_latest(&entry.latest_offsets);
    t.message = message;
    entry.tasks[idx] = t;
}

/// Handles a BE's report of task end. Called by `rpc::report_task`.
pub fn on_report(ctx: &RoutineLoadContext, req: &ReportTaskRequest) -> Decision {
    let Some(txn) = ctx.txn.get(req.txn_id) else {
        return Decision::Rejected(Status::err(
            StatusCode::NotFound,
            format!("transaction not found, id: {}", req.txn_id),
        ));
    };
    if txn.label != req.label {
        return Decision::Rejected(Status::err(
            StatusCode::InvalidArgument,
            format!(
                "transaction {} has label {}, not {}",
                req.txn_id, txn.label, req.label
            ),
        ));
    }
    match txn.status {
        // A retried report of a task that was already committed.
        TxnStatus::COMMITTED | TxnStatus::VISIBLE => return Decision::Committed,
        TxnStatus::ABORTED => {
            return Decision::Rejected(Status::err(
                StatusCode::Cancelled,
                format!(
                    "transaction {} has been aborted: {}",
                    txn.txn_id, txn.reason
                ),
            ))
        }
        TxnStatus::PREPARE => {}
    }
    // The end offsets the task's consumers saw (SHOW ROUTINE LOAD LAG), whatever the decision.
    let ends: Vec<(i32, i64, i64)> = req
        .progress
        .iter()
        .map(|p| (p.partition, -1, p.high_watermark))
        .collect();
    ctx.routine_load
        .lag
        .observe_end(txn.job_id, &ends, now_ms());
    let mut jobs = ctx.routine_load.lock();
    let entry = jobs.get_mut(&txn.job_id);
    let task_idx = entry.as_ref().and_then(|e| {
        e.tasks
            .iter()
            .position(|t| t.txn_id == txn.txn_id && t.id.to_string() == req.task_id)
    });
    let (Some(entry), Some(idx)) = (entry, task_idx) else {
        // beforeCommitted: the task is no longer part of the job.
        let reason = format!(
            "txn {} could not be COMMITTED while task {} has been aborted.",
            txn.txn_id, txn.label
        );
        let mut job_after = jobs.get(&txn.job_id).map(|e| e.job.clone());
        if let Some(j) = job_after.as_mut() {
            j.stat.aborted_task_num += 1;
        }
        let res = ctx.txn.abort(txn.txn_id, &reason, |b| match &job_after {
            Some(j) => RoutineLoadManager::put_job(b, j),
            None => Ok(()),
        });
        if res.is_ok() {
            if let (Some(j), Some(e)) = (job_after, jobs.get_mut(&txn.job_id)) {
                e.job = j;
            }
        }
        drop(jobs);
        notify_abort(ctx, &txn);
        return Decision::Aborted(reason);
    };

    // `failure`: the class the BE sent with its status, INTERNAL for the FE's own reasons.
    let fail = |entry: &mut JobEntry,
                failure: FailureReason,
                reason: String,
                empty_load: bool|
     -> Decision {
        let mut next = entry.clone();
        next.job.stat.aborted_task_num += 1;
        if empty_load {
            advance_progress(&mut next, req);
            if let AfterCommit::Pause(r) = next.job.apply_counters(counters(req)) {
                next.change_state(JobState::PAUSED, Some(r), now_ms());
            }
        }
        record_watermarks(&mut next, req);
        let pause = abort_effect(
            failure,
            &reason,
            req.backend_id,
            next.job.props.pause_on_fatal_parse_error,
        );
        if next.job.state == JobState::RUNNING {
            match pause {
                Some(r) => next.change_state(JobState::PAUSED, Some(r), now_ms()),
                None => {
                    let at = now_ms() + next.job.props.max_batch_interval_s * 1000;
                    next.tasks[idx].txn_status = TaskTxnStatus::Aborted;
                    renew_task(
                        &mut next,
                        idx,
                        at,
                        Some(format!("previous task aborted because of {reason}")),
                    );
                }
            }
        }
        if !empty_load {
            let msg = if req.status.as_ref().is_some_and(|s| !s.is_ok()) {
                format!("The {} task failed due to: {}", req.task_id, reason)
            } else {
                reason.clone()
            };
            next.job.set_other_msg(&msg);
        }
        match ctx.txn.abort(txn.txn_id, &reason, |b| {
            RoutineLoadManager::put_job(b, &next.job)?;
            if empty_load {
                let skipped = super::txn_ledger::LedgerStatus::ABORTED;
                super::txn_ledger::put(b, &next.job, req, skipped, &[], now_ms())?;
            }
            Ok(())
        }) {
            Ok(_) => {
                if empty_load {
                    crate::telemetry::RoutineLoadEmptyLoadApplied {
                        job: txn.job_id,
                        txn: txn.txn_id,
                        rows: task_rows(req),
                    }
                    .emit();
                }
                *entry = next;
            }
            Err(e) => {
                tracing::warn!(txn = txn.txn_id, error = %e, "Abort failed.");
                return Decision::Rejected(Status::err(StatusCode::InternalError, e.to_string()));
            }
        }
        Decision::Aborted(reason)
    };

    let decision = 'decide: {
        if let Some(s) = req.status.as_ref().filter(|s| !s.is_ok()) {
            break 'decide fail(entry, s.reason(), s.message.clone(), false);
        }
        if let Err(reason) = offsets_match(&entry.tasks[idx], &entry.job.progress, req) {
            break 'decide fail(entry, FailureReason::Internal, reason.to_string(), false);
        }
        if req.loaded_rows == 0 {
            let advanced = req.progress.iter().any(|p| p.last_offset >= 0);
            break 'decide fail(
                entry,
                FailureReason::Internal,
                EMPTY_LOAD_REASON.to_string(),
                advanced,
            );
        }
        let Some(table) = ctx.catalog.get_table_by_id(entry.job.table_id) else {
            let r = ErrorReason::new(code::TABLE_ERR, "table not exist");
            let mut next = entry.clone();
            next.change_state(JobState::CANCELLED, Some(r), now_ms());
            let reason = "table not exist".to_string();
            if ctx
                .txn
                .abort(txn.txn_id, &reason, |b| {
                    RoutineLoadManager::put_job(b, &next.job)
                })
                .is_ok()
            {
                *entry = next;
            }
            break 'decide Decision::Aborted(reason);
        };
        let (staged, touched) = touched_partitions(&table, &req.tablet_commit_infos);
        if touched.is_empty() {
            break 'decide fail(
                entry,
                FailureReason::Internal,
                "no tablet of the target table was written".to_string(),
                false,
            );
        }
        let bad = quorum_failures(&touched, &staged);
        if !bad.is_empty() {
            break 'decide fail(
                entry,
                FailureReason::Internal,
                format!(
                    "Failed to commit txn {}. Tablet [{}] success replica num is less than quorum replica num",
                    txn.txn_id,
                    bad.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
                ),
                false,
            );
        }
        // Commit: txn COMMITTED + partition versions + job progress and statistics.
        let mut next = entry.clone();
        advance_progress(&mut next, req);
        next.job.stat.committed_task_num += 1;
        next.job.add_error_log_url(&req.error_log_url);
        let after = next.job.apply_counters(counters(req));
        record_watermarks(&mut next, req);
        next.tasks[idx].txn_status = TaskTxnStatus::Committed;
        let pids: Vec<i64> = touched.keys().copied().collect();
        failpoint("before_commit_after_report");
        let staged_replicas: Vec<(i64, Vec<i64>)> = staged
            .iter()
            .map(|(t, bes)| (*t, bes.iter().copied().collect()))
            .collect();
        let commit_started = std::time::Instant::now();
        match ctx.txn.commit(
            &ctx.catalog,
            txn.txn_id,
            &pids,
            staged_replicas,
            |b, versions| {
                RoutineLoadManager::put_job(b, &next.job)?;
                let committed = super::txn_ledger::LedgerStatus::COMMITTED;
                super::txn_ledger::put(b, &next.job, req, committed, versions, now_ms())
            },
        ) {
            Ok(_) => crate::telemetry::RoutineLoadTaskCommitted {
                job: txn.job_id,
                txn: txn.txn_id,
                rows: task_rows(req),
                commit: commit_started.elapsed(),
            }
            .emit(),
            Err(e) => {
                tracing::warn!(txn = txn.txn_id, error = %e, "Commit failed.");
                break 'decide fail(
                    entry,
                    FailureReason::Internal,
                    format!("commit failed: {e}"),
                    false,
                );
            }
        }
        failpoint("after_commit");
        *entry = next;
        if let AfterCommit::Pause(r) = after {
            let mut paused = entry.clone();
            paused.change_state(JobState::PAUSED, Some(r), now_ms());
            if ctx.routine_load.persist(&paused.job).is_ok() {
                *entry = paused;
            }
        }
        Decision::Committed
    };
    if let Some(e) = jobs.get(&txn.job_id) {
        ctx.routine_load
            .lag_history
            .record(&e.job, &req.progress, now_ms());
    }
    drop(jobs);
    tracing::debug!(job = txn.job_id, txn = txn.txn_id, rows = req.loaded_rows, decision = ?decision, "Task reported.");
    ctx.routine_load.wake.notify_one();
    if matches!(decision, Decision::Aborted(_)) {
        notify_abort(ctx, &txn);
    }
    decision
}

/// After a transaction became VISIBLE: renew its task (`afterVisible`).
pub fn on_visible(ctx: &RoutineLoadContext, txn: &TransactionState) {
    let mut jobs = ctx.routine_load.lock();
    let Some(entry) = jobs.get_mut(&txn.job_id) else {
        return;
    };
    if entry.job.state != JobState::RUNNING {
        return;
    }
    let Some(idx) = entry.tasks.iter().position(|t| t.txn_id == txn.txn_id) else {
        return;
    };
    let consumed: Vec<(i32, i64)> = entry.tasks[idx]
        .offsets
        .iter()
        .filter_map(|(p, _)| entry.job.progress.get(*p).map(|n| (*p, n - 1)))
        .collect();
    let now = now_ms();
    // Kept up is judged on the freshest watermarks: those the BE reported at the end of the
    // task, not only those seen when the task was scheduled (StarRocks uses the latter, and so
    // waits max_batch_interval even when messages arrived while the task ran).
    let seen = entry.latest_offsets.clone();
    entry.tasks[idx].raise_latest(&seen);
    let at = if entry.tasks[idx].kept_up(&consumed) {
        now + entry.job.props.max_batch_interval_s * 1000
    } else {
        now
    };
    renew_task(entry, idx, at, None);
    drop(jobs);
    tracing::debug!(
        job = txn.job_id,
        txn = txn.txn_id,
        wait_ms = at - now,
        "Task visible; renewed."
    );
    ctx.routine_load.wake.notify_one();
}

/// Tells the BEs holding the table's replicas to discard the transaction's staged rows
/// (best effort: a BE that misses it asks `GetTxnState` later). Every successful abort of a
/// task's transaction passes here, so this is where it is counted.
pub fn notify_abort(ctx: &RoutineLoadContext, txn: &TransactionState) {
    crate::telemetry::RoutineLoadTaskAborted {
        job: txn.job_id,
        txn: txn.txn_id,
    }
    .emit();
    let Some(table) = ctx.catalog.get_table_by_id(txn.table_id) else {
        return;
    };
    let mut by_be: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (_, t) in table.all_tablets() {
        for be in &t.replicas {
            by_be.entry(*be).or_default().push(t.id);
        }
    }
    ctx.cluster.abort_txn_on(txn.txn_id, by_be);
}

#[cfg(test)]
mod tests {
    use super::*;
    use starload_proto::fe::PartitionProgress;

    #[test]
    fn quorum_needs_a_majority_of_each_tablet() {
        let replicas = BTreeMap::from([(1, vec![(10, vec![1, 2, 3]), (11, vec![2, 3, 4])])]);
        let staged = BTreeMap::from([(10, BTreeSet::from([1, 2])), (11, BTreeSet::from([4, 9]))]);
        assert_eq!(quorum_failures(&replicas, &staged), vec![11]);
        let staged = BTreeMap::from([
            (10, BTreeSet::from([1, 3])),
            (11, BTreeSet::from([2, 3, 4])),
        ]);
        assert!(quorum_failures(&replicas, &staged).is_empty());
        let single = BTreeMap::from([(1, vec![(10, vec![5])])]);
        assert_eq!(quorum_failures(&single, &BTreeMap::new()), vec![10]);
    }

    #[test]
    fn offsets_must_equal_task_and_progress() {
        let task = RoutineLoadTask::new(1, vec![(0, 5), (1, 0)], 0, 0, 60, -1);
        let mut progress = super::super::progress::KafkaProgress::default();
        progress.set(0, 5);
        progress.set(1, 0);
        let mut req = ReportTaskRequest {
            progress: vec![PartitionProgress {
                partition: 0,
                begin_offset: 5,
                last_offset: 9,
                last_timestamp_ms: -1,
                high_watermark: 10,
            }],
            ..Default::default()
        };
        assert!(offsets_match(&task, &progress, &req).is_ok());
        req.progress[0].begin_offset = 4;
        assert!(matches!(
            offsets_match(&task, &progress, &req),
            Err(OffsetMismatch::NotTaskOffset { .. })
        ));
        req.progress[0].begin_offset = 5;
        progress.set(0, 10); // already committed by someone else
        assert!(matches!(
            offsets_match(&task, &progress, &req),
            Err(OffsetMismatch::NotJobProgress { .. })
        ));
        progress.set(0, 5);
        req.progress[0].partition = 7;
        assert!(matches!(
            offsets_match(&task, &progress, &req),
            Err(OffsetMismatch::PartitionNotInTask { .. })
        ));
    }

    #[test]
    fn abort_effect_pauses_on_codes_and_renews_otherwise() {
        use FailureReason as F;
        let msg = "Broker: Offset out of range, partition 0 offset 9 has no data";
        assert_eq!(
            abort_effect(F::OffsetOutOfRange, msg, 3, false)
                .unwrap()
                .to_string(),
            "ErrorReason{errCode = 104, msg='be 3 abort task with reason: Broker: Offset out of range, partition 0 offset 9 has no data'}"
        );
        let pause = "PAUSE: failed to set 'fetch.message.max.bytes', value: 'x', err: bad";
        assert_eq!(
            abort_effect(F::KafkaConfig, pause, 7, false).unwrap(),
            ErrorReason::new(104, format!("be 7 abort task with reason: {pause}"))
        );
        assert_eq!(
            abort_effect(F::TooManyFilteredRows, "too many filtered rows", 3, false).unwrap(),
            ErrorReason::new(
                102,
                "too many filtered rows. Check the 'TrackingSQL' field for detailed information. If you are sure that the data has many errors, you can set 'max_filter_ratio' property to a greater value through ALTER ROUTINE LOAD and RESUME the job"
            )
        );
        let parse = "parse error. The value is array type in json document stream";
        assert_eq!(abort_effect(F::FatalParseError, parse, 3, false), None);
        assert_eq!(
            abort_effect(F::FatalParseError, parse, 3, true).unwrap(),
            ErrorReason::new(
                5611,
                "parse error. The value is array type in json document stream. Check the 'TrackingSQL' field for detailed information."
            )
        );
        // Every other class renews the task, with or without pause_on_fatal_parse_error.
        for f in [F::BeOverloaded, F::Cancelled, F::Internal, F::Unspecified] {
            for p in [false, true] {
                assert_eq!(abort_effect(f, "Cancelled", 3, p), None, "{f:?} {p}");
            }
        }
    }

    #[test]
    fn abort_effect_reads_the_code_not_the_text() {
        use FailureReason as F;
        // Texts that StarRocks's substring search would have taken for a pause reason: a
        // message that only quotes them (user data, a column name) renews the task.
        for text in [
            "Expr 'k = 'PAUSE'' analyze error: x",
            "tablet 9 has too few healthy replicas: 0 of 1, last error: Offset out of range",
            "parse error in column 'too many filtered rows'",
        ] {
            assert_eq!(abort_effect(F::Internal, text, 3, true), None, "{text}");
        }
        // And the code alone decides: the text need not carry the word.
        assert_eq!(
            abort_effect(F::OffsetOutOfRange, "no data", 3, false).map(|r| r.code),
            Some(104)
        );
        assert_eq!(
            abort_effect(F::FatalParseError, "bad json", 3, true).map(|r| r.code),
            Some(5611)
        );
    }

    #[test]
    fn offset_mismatch_texts() {
        let task = RoutineLoadTask::new(1, vec![(0, 5)], 0, 0, 60, -1);
        assert_eq!(
            OffsetMismatch::PartitionNotInTask {
                partition: 7,
                task: task.id
            }
            .to_string(),
            format!("partition 7 is not consumed by task {}", task.id)
        );
        assert_eq!(
            OffsetMismatch::NotJobProgress {
                partition: 0,
                begin: 5,
                progress: Some(10)
            }
            .to_string(),
            "partition 0 begin offset 5 does not match the job's progress Some(10)"
        );
        assert_eq!(
            OffsetMismatch::NotTaskOffset {
                partition: 0,
                begin: 4,
                task_offset: 5
            }
            .to_string(),
            "partition 0 begin offset 4 does not match the task's offset 5"
        );
        assert_eq!(
            OffsetMismatch::LastBeforeBegin {
                partition: 1,
                last: 3,
                begin: 4
            }
            .to_string(),
            "partition 1 last offset 3 is before its begin offset 4"
        );
    }
}
