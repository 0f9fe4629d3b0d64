//! Every metric the FE exposes on `GET /metrics` (http_port), and the typed events that bump
//! them. Layout: the table ([`METRICS`], one `static` per metric: name, kind, unit, label keys
//! with their allowed values, help), then one struct per event whose `emit()` writes the
//! event's log line and bumps its metrics (Vector's internal events), so a call site does one
//! thing and never names a metric. [`register`] describes the table at startup (the page then
//! has `# HELP` / `# TYPE` for every row, each known series at zero).
//!
//! Naming (checked by `starload_proto::telemetry::check_table`, the rules of
//! `promtool check metrics`): `starload_fe_<subsystem>_<name>[_<unit>][_total]`, counters and
//! only counters end in `_total`, seconds and bytes named in the metric. Where StarRocks has the
//! metric ([SR fe/metric/MetricRepo.java]) its name is kept, prefixed `starrocks_fe_` as
//! StarRocks's PrometheusMetricVisitor prints it; StarRocks's counters lack `_total`
//! (`query_err`, `routine_load_rows`, ...), which promtool rejects, so they get `_total` (the
//! name a Prometheus client library gives a counter). StarRocks's `connection_total` is a gauge,
//! which no `_total` name may be: it is `starload_fe_connections` here.
//!
//! Routine load: `starrocks_fe_routine_load_jobs{state}` counts jobs per state at scrape time,
//! as newer StarRocks does (one series per `RoutineLoadJob.JobState`, UNSTABLE included; no
//! job/table/database labels, which are unbounded). The row and byte counters move exactly when
//! a job's SHOW ROUTINE LOAD Statistic does (`RoutineLoadJob.updateNumOfData`): on a task's
//! commit, and on an empty-load abort that still counted rows (spec §5.4). StarRocks's
//! `routine_load_rows` counts total rows (loaded + filtered + unselected) and its
//! `routine_load_error_rows` the filtered ones; loaded and unselected rows, which StarRocks does
//! not count, are `starload_fe_routine_load_rows_{loaded,unselected}_total`. Renamed from the
//! inline names before this module: `starrocks_fe_connection_total` -> `starload_fe_connections`,
//! `starrocks_fe_query_err` -> `starrocks_fe_query_err_total`, `starload_fe_backends_total` ->
//! `starload_fe_backends`, `starload_fe_heartbeat_total` -> `starload_fe_heartbeats_total`.

use metrics::Unit;
use starload_proto::telemetry::{counter, gauge, Kind, Label, LabelValues, Metric};
use std::net::SocketAddr;
use std::time::Duration;

/// `result` of a heartbeat or a replica clone.
const OK_OR_ERROR: &[Label] = &[Label {
    key: "result",
    values: LabelValues::OneOf(&["ok", "error"]),
}];

/// StarRocks's `RoutineLoadJob.JobState` names, as SHOW ROUTINE LOAD prints them.
pub const ROUTINE_LOAD_JOB_STATES: &[&str] = &[
    "NEED_SCHEDULE",
    "RUNNING",
    "PAUSED",
    "STOPPED",
    "CANCELLED",
    "UNSTABLE",
];

// MySQL connections and statements (server/).
pub static CONNECTIONS_ACCEPTED: Metric = counter(
    "starload_fe_connections_accepted_total",
    "MySQL connections accepted on query_port.",
);
pub static CONNECTIONS: Metric = gauge(
    "starload_fe_connections",
    "MySQL connections open now (StarRocks's connection_total gauge).",
);
pub static QUERIES: Metric = counter(
    "starload_fe_queries_total",
    "Statements received (COM_QUERY).",
);
pub static SR_QUERY: Metric = counter(
    "starrocks_fe_query_total",
    "Statements received (StarRocks's query_total).",
);
pub static SR_REQUEST: Metric = counter(
    "starrocks_fe_request_total",
    "Requests received (StarRocks's request_total).",
);
pub static QUERY_DURATION: Metric = Metric {
    name: "starload_fe_query_duration_seconds",
    kind: Kind::Histogram,
    unit: Unit::Seconds,
    labels: &[],
    help: "Time from receiving a statement to its result or error.",
};
/// Issue 15: what replication adds to a task's commit (a 3-FE cluster against one FE).
pub static ROUTINE_LOAD_COMMIT_DURATION: Metric = Metric {
    name: "starload_fe_routine_load_commit_seconds",
    kind: Kind::Histogram,
    unit: Unit::Seconds,
    labels: &[],
    help: "Time to commit a routine load task's transaction (state, versions, progress: one replicated metadata write).",
};
/// Issue 15: how much of a commit is queueing behind other transaction writes (BEGIN,
/// VISIBLE) that hold the transaction lock across their own replicated write.
pub static TXN_COMMIT_LOCK_WAIT: Metric = Metric {
    name: "starload_fe_txn_commit_lock_wait_seconds",
    kind: Kind::Histogram,
    unit: Unit::Seconds,
    labels: &[],
    help: "Time a transaction's commit waited for the transaction lock before its metadata write.",
};
pub static QUERY_ERRORS: Metric = counter(
    "starload_fe_query_errors_total",
    "Statements answered with an error.",
);
pub static SR_QUERY_ERR: Metric = counter(
    "starrocks_fe_query_err_total",
    "Statements answered with an error (StarRocks's query_err).",
);
pub static AUTH_FAILURES: Metric = counter(
    "starload_fe_auth_failures_total",
    "MySQL logins refused (wrong user, host or password).",
);

// Backends (cluster/) and replica repair (txn/publish).
pub static BACKENDS: Metric = gauge("starload_fe_backends", "Backends registered.");
pub static BACKENDS_ONLINE: Metric = gauge(
    "starload_fe_backends_online",
    "Backends alive, read when /metrics is scraped.",
);
pub static BACKENDS_ALIVE: Metric = gauge(
    "starload_fe_backends_alive",
    "Backends alive after the last heartbeat round.",
);
pub static HEARTBEATS: Metric = Metric {
    labels: OK_OR_ERROR,
    ..counter(
        "starload_fe_heartbeats_total",
        "Heartbeats sent to backends, by result.",
    )
};
pub static REPLICA_CLONES: Metric = Metric {
    labels: OK_OR_ERROR,
    ..counter(
        "starload_fe_replica_clones_total",
        "Clones of lagging replicas (CloneTablet), by result.",
    )
};

// Routine load (routine_load/).
pub static SR_ROUTINE_LOAD_JOBS: Metric = Metric {
    labels: &[Label {
        key: "state",
        values: LabelValues::OneOf(ROUTINE_LOAD_JOB_STATES),
    }],
    ..gauge(
        "starrocks_fe_routine_load_jobs",
        "Routine load jobs per state, read when /metrics is scraped.",
    )
};
pub static SR_ROUTINE_LOAD_ROWS: Metric = counter(
    "starrocks_fe_routine_load_rows_total",
    "Rows read by routine load tasks: loaded, filtered and unselected (StarRocks's routine_load_rows).",
);
pub static SR_ROUTINE_LOAD_ERROR_ROWS: Metric = counter(
    "starrocks_fe_routine_load_error_rows_total",
    "Rows filtered out by routine load tasks as errors (StarRocks's routine_load_error_rows).",
);
pub static SR_ROUTINE_LOAD_RECEIVE_BYTES: Metric = Metric {
    unit: Unit::Bytes,
    ..counter(
        "starrocks_fe_routine_load_receive_bytes_total",
        "Bytes routine load tasks received from Kafka (StarRocks's routine_load_receive_bytes).",
    )
};
pub static ROUTINE_LOAD_ROWS_LOADED: Metric = counter(
    "starload_fe_routine_load_rows_loaded_total",
    "Rows routine load tasks loaded into tables.",
);
pub static ROUTINE_LOAD_ROWS_UNSELECTED: Metric = counter(
    "starload_fe_routine_load_rows_unselected_total",
    "Rows routine load tasks skipped by the job's WHERE clause.",
);
pub static ROUTINE_LOAD_TASKS: Metric = Metric {
    labels: &[Label {
        key: "result",
        values: LabelValues::OneOf(&["committed", "aborted"]),
    }],
    ..counter(
        "starload_fe_routine_load_tasks_total",
        "Routine load task transactions finished, by result.",
    )
};

/// 1 while this FE is the active leader (StarRocks's `starrocks_fe_meta_log_count` family has
/// no leader gauge; ours lets an alert find a cluster with none or two).
pub static IS_LEADER: Metric = gauge(
    "starload_fe_is_leader",
    "1 while this FE is the leader that schedules, publishes and accepts BE reports.",
);
pub static LEADER_CHANGES: Metric = counter(
    "starload_fe_leader_changes_total",
    "Times this FE became or stopped being the active leader.",
);
pub static FOLLOWER_RELOADS: Metric = counter(
    "starload_fe_follower_reloads_total",
    "Times this follower or observer replaced its in-memory state with the replicated store.",
);

/// Issue 16: lag per job, set by the lag probe's round (`routine_load::lag_probe`).
/// StarRocks's gauge, emitted as StarRocks does: only with `enable_routine_load_lag_metrics`
/// and for jobs whose largest partition lag is at least `min_routine_load_lag_for_metrics`.
pub static SR_ROUTINE_LOAD_MAX_LAG_OF_PARTITION: Metric = Metric {
    labels: &[Label {
        key: "job_name",
        values: LabelValues::JobName,
    }],
    ..gauge(
        "starrocks_fe_routine_load_max_lag_of_partition",
        "Largest offset lag (last stable offset minus committed offset) over a job's partitions (StarRocks's routine_load_max_lag_of_partition).",
    )
};
pub static ROUTINE_LOAD_MAX_TIME_LAG: Metric = Metric {
    labels: &[Label {
        key: "job_name",
        values: LabelValues::JobName,
    }],
    unit: Unit::Seconds,
    ..gauge(
        "starload_fe_routine_load_max_time_lag_seconds",
        "Largest time lag over a job's partitions: now minus the Kafka timestamp of the next unread message (0 when caught up).",
    )
};
pub static ROUTINE_LOAD_MAX_OFFSET_LAG: Metric = Metric {
    labels: &[Label {
        key: "job_name",
        values: LabelValues::JobName,
    }],
    ..gauge(
        "starload_fe_routine_load_max_offset_lag",
        "Largest offset lag over a job's partitions, always emitted (StarRocks's gauge only with enable_routine_load_lag_metrics).",
    )
};
pub static ROUTINE_LOAD_MIN_RETENTION_HORIZON: Metric = Metric {
    labels: &[Label {
        key: "job_name",
        values: LabelValues::JobName,
    }],
    unit: Unit::Seconds,
    ..gauge(
        "starload_fe_routine_load_retention_horizon_seconds",
        "Smallest time over a job's lagging partitions before Kafka's retention deletes the next unread message, at the observed log start offset rate (absent when unknown).",
    )
};
pub static SR_ROUTINE_LOAD_PAUSED: Metric = counter(
    "starrocks_fe_routine_load_paused_total",
    "Times a routine load job was paused, by a user or by an error (StarRocks's routine_load_paused).",
);

/// Every metric of the FE, in page order.
pub static METRICS: &[&Metric] = &[
    &CONNECTIONS_ACCEPTED,
    &CONNECTIONS,
    &QUERIES,
    &SR_QUERY,
    &SR_REQUEST,
    &QUERY_DURATION,
    &ROUTINE_LOAD_COMMIT_DURATION,
    &TXN_COMMIT_LOCK_WAIT,
    &QUERY_ERRORS,
    &SR_QUERY_ERR,
    &AUTH_FAILURES,
    &BACKENDS,
    &BACKENDS_ONLINE,
    &BACKENDS_ALIVE,
    &HEARTBEATS,
    &REPLICA_CLONES,
    &IS_LEADER,
    &LEADER_CHANGES,
    &FOLLOWER_RELOADS,
    &SR_ROUTINE_LOAD_JOBS,
    &SR_ROUTINE_LOAD_MAX_LAG_OF_PARTITION,
    &ROUTINE_LOAD_MAX_OFFSET_LAG,
    &ROUTINE_LOAD_MAX_TIME_LAG,
    &ROUTINE_LOAD_MIN_RETENTION_HORIZON,
    &SR_ROUTINE_LOAD_PAUSED,
    &SR_ROUTINE_LOAD_ROWS,
    &SR_ROUTINE_LOAD_ERROR_ROWS,
    &SR_ROUTINE_LOAD_RECEIVE_BYTES,
    &ROUTINE_LOAD_ROWS_LOADED,
    &ROUTINE_LOAD_ROWS_UNSELECTED,
    &ROUTINE_LOAD_TASKS,
];

/// Describes every metric to the installed recorder (once, after installing it).
pub fn register() {
    starload_proto::telemetry::register(METRICS);
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// A MySQL connection was accepted; `open` connections now.
pub struct ConnectionAccepted {
    pub conn: u32,
    pub peer: SocketAddr,
    pub open: usize,
}

impl ConnectionAccepted {
    pub fn emit(self) {
        CONNECTIONS_ACCEPTED.counter().increment(1);
        CONNECTIONS.gauge().set(self.open as f64);
        tracing::debug!(conn = self.conn, peer = %self.peer, "Connection accepted.");
    }
}

/// A MySQL connection ended; `open` connections remain.
pub struct ConnectionClosed {
    pub conn: u32,
    pub open: usize,
}

impl ConnectionClosed {
    pub fn emit(self) {
        CONNECTIONS.gauge().set(self.open as f64);
        tracing::trace!(conn = self.conn, open = self.open, "Connection closed.");
    }
}

/// A statement arrived.
pub struct StatementStarted {
    pub conn: u32,
}

impl StatementStarted {
    pub fn emit(self) {
        QUERIES.counter().increment(1);
        SR_QUERY.counter().increment(1);
        SR_REQUEST.counter().increment(1);
        tracing::trace!(conn = self.conn, "Statement started.");
    }
}

/// A statement finished after `elapsed`, with `error` = (errno, message) if it failed.
pub struct StatementFinished<'a> {
    pub conn: u32,
    pub elapsed: Duration,
    pub error: Option<(u16, &'a str)>,
}

impl StatementFinished<'_> {
    pub fn emit(self) {
        QUERY_DURATION
            .histogram()
            .record(self.elapsed.as_secs_f64());
        if let Some((errno, message)) = self.error {
            QUERY_ERRORS.counter().increment(1);
            SR_QUERY_ERR.counter().increment(1);
            tracing::debug!(conn = self.conn, errno, error = %message, "Statement failed.");
        }
    }
}

/// A login was refused.
pub struct AuthFailed<'a> {
    pub user: &'a str,
    pub host: &'a str,
}

impl AuthFailed<'_> {
    pub fn emit(self) {
        AUTH_FAILURES.counter().increment(1);
        tracing::info!(user = %self.user, host = %self.host, "Access denied.");
    }
}

/// The lag probe's view of one job (issue 16).
pub struct RoutineLoadLagObserved<'a> {
    pub job_name: &'a str,
    pub max_offset_lag: i64,
    pub max_time_lag_ms: Option<i64>,
    pub min_retention_horizon_s: Option<i64>,
    /// `enable_routine_load_lag_metrics` and `min_routine_load_lag_for_metrics`.
    pub starrocks_lag_metric: Option<i64>,
}

impl RoutineLoadLagObserved<'_> {
    pub fn emit(self) {
        let job = self.job_name.to_string();
        ROUTINE_LOAD_MAX_OFFSET_LAG
            .gauge_at(job.clone())
            .set(self.max_offset_lag as f64);
        if let Some(min) = self.starrocks_lag_metric {
            if self.max_offset_lag >= min {
                SR_ROUTINE_LOAD_MAX_LAG_OF_PARTITION
                    .gauge_at(job.clone())
                    .set(self.max_offset_lag as f64);
            }
        }
        if let Some(ms) = self.max_time_lag_ms {
            ROUTINE_LOAD_MAX_TIME_LAG
                .gauge_at(job.clone())
                .set(ms as f64 / 1000.0);
        }
        if let Some(s) = self.min_retention_horizon_s {
            ROUTINE_LOAD_MIN_RETENTION_HORIZON
                .gauge_at(job)
                .set(s as f64);
        }
        tracing::trace!(
            job = self.job_name,
            lag = self.max_offset_lag,
            "Routine load lag observed."
        );
    }
}

/// A routine load job was paused (StarRocks counts every transition to PAUSED).
pub struct RoutineLoadPaused {
    pub job: i64,
}

impl RoutineLoadPaused {
    pub fn emit(self) {
        SR_ROUTINE_LOAD_PAUSED.counter().increment(1);
        tracing::debug!(job = self.job, "Routine load job paused.");
    }
}

/// Values read when `/metrics` is scraped.
pub struct MetricsScraped<'a> {
    pub connections: usize,
    pub backends_online: usize,
    pub backends: usize,
    /// Each routine load job's state, as SHOW ROUTINE LOAD prints it.
    pub job_states: &'a [&'a str],
}

impl MetricsScraped<'_> {
    pub fn emit(self) {
        CONNECTIONS.gauge().set(self.connections as f64);
        BACKENDS_ONLINE.gauge().set(self.backends_online as f64);
        BACKENDS.gauge().set(self.backends as f64);
        for state in ROUTINE_LOAD_JOB_STATES {
            let n = self.job_states.iter().filter(|s| *s == state).count();
            SR_ROUTINE_LOAD_JOBS.gauge_at(*state).set(n as f64);
        }
        tracing::trace!(jobs = self.job_states.len(), "Metrics scraped.");
    }
}

/// This FE became (`leader`) or stopped being the active leader.
pub struct LeadershipChanged {
    pub leader: bool,
}

impl LeadershipChanged {
    pub fn emit(self) {
        IS_LEADER.gauge().set(if self.leader { 1.0 } else { 0.0 });
        LEADER_CHANGES.counter().increment(1);
        tracing::info!(leader = self.leader, "Leadership changed.");
    }
}

/// A follower reloaded its state from the store, reflecting entries through `applied`.
pub struct FollowerReloaded {
    pub applied: u64,
    pub took: std::time::Duration,
}

impl FollowerReloaded {
    pub fn emit(self) {
        FOLLOWER_RELOADS.counter().increment(1);
        tracing::debug!(
            applied = self.applied,
            took_us = self.took.as_micros() as u64,
            "Reloaded replicated state."
        );
    }
}

/// A heartbeat round ended with `alive` backends.
pub struct HeartbeatRoundFinished {
    pub alive: usize,
}

impl HeartbeatRoundFinished {
    pub fn emit(self) {
        BACKENDS_ALIVE.gauge().set(self.alive as f64);
        tracing::trace!(alive = self.alive, "Heartbeat round finished.");
    }
}

/// A backend answered a heartbeat (with the cluster token's proof when one is set).
pub struct HeartbeatSucceeded {
    pub backend: i64,
}

impl HeartbeatSucceeded {
    pub fn emit(self) {
        HEARTBEATS.counter_at("ok").increment(1);
        tracing::trace!(backend = self.backend, "Heartbeat answered.");
    }
}

/// A heartbeat failed (timeout, RPC error, error status, token mismatch).
pub struct HeartbeatFailed<'a> {
    pub backend: i64,
    pub error: &'a str,
}

impl HeartbeatFailed<'_> {
    pub fn emit(self) {
        HEARTBEATS.counter_at("error").increment(1);
        tracing::debug!(
            backend = self.backend,
            error = self.error,
            "Heartbeat failed."
        );
    }
}

/// A lagging replica was cloned up to `version`.
pub struct ReplicaCloned {
    pub tablet: i64,
    pub backend: i64,
    pub version: i64,
}

impl ReplicaCloned {
    pub fn emit(self) {
        REPLICA_CLONES.counter_at("ok").increment(1);
        tracing::info!(
            tablet = self.tablet,
            backend = self.backend,
            version = self.version,
            "Replica cloned."
        );
    }
}

/// Cloning a lagging replica failed (retried after `REPAIR_AFTER`).
pub struct ReplicaCloneFailed<'a> {
    pub tablet: i64,
    pub backend: i64,
    pub error: &'a dyn std::fmt::Display,
}

impl ReplicaCloneFailed<'_> {
    pub fn emit(self) {
        REPLICA_CLONES.counter_at("error").increment(1);
        tracing::warn!(
            tablet = self.tablet,
            backend = self.backend,
            error = %self.error,
            "Replica clone failed."
        );
    }
}

/// The rows and bytes of one task report, as the job's statistics count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskRows {
    pub loaded_rows: i64,
    pub filtered_rows: i64,
    pub unselected_rows: i64,
    pub received_bytes: i64,
}

impl TaskRows {
    fn count(self) {
        let total = self.loaded_rows + self.filtered_rows + self.unselected_rows;
        SR_ROUTINE_LOAD_ROWS.counter().increment(count(total));
        SR_ROUTINE_LOAD_ERROR_ROWS
            .counter()
            .increment(count(self.filtered_rows));
        SR_ROUTINE_LOAD_RECEIVE_BYTES
            .counter()
            .increment(count(self.received_bytes));
        ROUTINE_LOAD_ROWS_LOADED
            .counter()
            .increment(count(self.loaded_rows));
        ROUTINE_LOAD_ROWS_UNSELECTED
            .counter()
            .increment(count(self.unselected_rows));
    }
}

/// A routine load task's transaction was committed (with the job's progress and statistics).
pub struct RoutineLoadTaskCommitted {
    pub job: i64,
    pub txn: i64,
    pub rows: TaskRows,
    /// The commit itself: COMMITTED state, versions, progress and ledger in one metadata write
    /// (one Raft entry, durable on a quorum of FEs).
    pub commit: std::time::Duration,
}

impl RoutineLoadTaskCommitted {
    pub fn emit(self) {
        ROUTINE_LOAD_TASKS.counter_at("committed").increment(1);
        ROUTINE_LOAD_COMMIT_DURATION
            .histogram()
            .record(self.commit.as_secs_f64());
        self.rows.count();
        tracing::debug!(
            job = self.job,
            txn = self.txn,
            loaded = self.rows.loaded_rows,
            filtered = self.rows.filtered_rows,
            unselected = self.rows.unselected_rows,
            bytes = self.rows.received_bytes,
            "Task committed."
        );
    }
}

/// A transaction's commit got the transaction lock after waiting `wait`.
pub struct TxnCommitLockTaken {
    pub wait: std::time::Duration,
}

impl TxnCommitLockTaken {
    pub fn emit(self) {
        TXN_COMMIT_LOCK_WAIT
            .histogram()
            .record(self.wait.as_secs_f64());
    }
}

/// A task that loaded nothing was aborted, but its consumed offsets and counted rows were
/// applied to the job (the empty-load rule, spec §5.4). The abort itself is
/// [`RoutineLoadTaskAborted`].
pub struct RoutineLoadEmptyLoadApplied {
    pub job: i64,
    pub txn: i64,
    pub rows: TaskRows,
}

impl RoutineLoadEmptyLoadApplied {
    pub fn emit(self) {
        self.rows.count();
        tracing::debug!(
            job = self.job,
            txn = self.txn,
            filtered = self.rows.filtered_rows,
            unselected = self.rows.unselected_rows,
            "Empty load applied to the job."
        );
    }
}

/// A routine load task's transaction was aborted (the reason stays in the transaction and in
/// SHOW ROUTINE LOAD).
pub struct RoutineLoadTaskAborted {
    pub job: i64,
    pub txn: i64,
}

impl RoutineLoadTaskAborted {
    pub fn emit(self) {
        ROUTINE_LOAD_TASKS.counter_at("aborted").increment(1);
        tracing::debug!(job = self.job, txn = self.txn, "Task aborted.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_keeps_the_naming_rules() {
        let bad = starload_proto::telemetry::check_table("fe", METRICS);
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn routine_load_states_are_starrocks_job_states() {
        use crate::routine_load::job::JobState;
        for s in [
            JobState::NEED_SCHEDULE,
            JobState::RUNNING,
            JobState::PAUSED,
            JobState::STOPPED,
            JobState::CANCELLED,
        ] {
            assert!(ROUTINE_LOAD_JOB_STATES.contains(&s.name()), "{}", s.name());
        }
    }
}
