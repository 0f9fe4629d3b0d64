//! The console's data, as JSON: every row a user sees comes from the SQL statement that shows
//! it (SHOW ROUTINE LOAD, SHOW ROUTINE LOAD TASK, SHOW FRONTENDS / BACKENDS, the job's
//! TrackingSQL) run through `ha::forward::execute` with the logged-in user's session (on a
//! follower FE: writes run on the leader, reads after the read index), and PAUSE / RESUME run
//! the statements themselves. Privilege checks, row filters and error texts are therefore
//! exactly the MySQL protocol's. What SQL does not show (the lag history, the rate of rows) is
//! added from the job's in-memory state, only for jobs the statement listed.

use super::advice;
use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler;
use crate::java_text::fmt_time;
use crate::result::{QueryResult, ResultSet};
use crate::routine_load::lag_history::{JobLagHistory, HORIZON_MS, RESOLUTION_MS};
use crate::routine_load::properties::DEFAULT_TIME_ZONE;
use crate::routine_load::JobEntry;
use crate::session::Session;
use crate::sql::Statement;
use crate::txn::TxnStatus;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use starload_proto::error_code;

/// Lines of the rejected-row log shown on a job page.
pub const MAX_REJECTED_LINES: usize = 200;
/// Transactions shown in a job's ledger.
pub const MAX_LEDGER_TXNS: usize = 50;
/// Window of the rows/s figures.
pub const RATE_WINDOW_MS: i64 = 60_000;

/// A failed API call: the HTTP status and the statement's error (errno, SQLSTATE, text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: SqlError,
}

impl ApiError {
    /// The status for a statement error: 403 for privilege denials, 404 for unknown jobs.
    pub fn from_sql(error: SqlError) -> Self {
        let status = if error.errno == error_code::ERR_ACCESS_DENIED.errno {
            StatusCode::FORBIDDEN
        } else if error.errno == error_code::ERR_PRIVILEGE_ROUTINELOAD_JOB_NOT_FOUND.errno {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        Self { status, error }
    }

    pub fn not_found(id: i64) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error: SqlError::plain(format!("routine load job {id} not found")),
        }
    }

    pub fn body(&self) -> Value {
        error_json(&self.error)
    }
}

fn error_json(e: &SqlError) -> Value {
    json!({"errno": e.errno, "sqlstate": e.sqlstate, "message": e.message})
}

/// `name` as a backquoted identifier.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Parses and executes `sql` for `session` (the MySQL connection's path, minus the socket):
/// on a follower FE, writes run on the leader and reads wait for the read index, as they do
/// for a MySQL client connected to that FE.
pub async fn run(ctx: &FeContext, session: &mut Session, sql: &str) -> SqlResult<QueryResult> {
    let stmt = crate::sql::parse(sql)?;
    crate::ha::forward::execute(ctx, session, sql, stmt).await
}

fn rows_of(r: QueryResult) -> ResultSet {
    match r {
        QueryResult::Rows(rs) => rs,
        QueryResult::Ok { .. } => ResultSet::default(),
    }
}

/// `{"columns": [...], "rows": [[...]]}` of a result set.
pub fn result_json(rs: &ResultSet) -> Value {
    json!({
        "columns": rs.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "rows": rs.rows,
    })
}

/// A statement's result as [`result_json`], or `{"error": ...}`.
async fn result_or_error(ctx: &FeContext, session: &mut Session, sql: &str) -> Value {
    match run(ctx, session, sql).await {
        Ok(r) => result_json(&rows_of(r)),
        Err(e) => json!({ "error": error_json(&e) }),
    }
}

/// One SHOW ROUTINE LOAD row as `{title: value}`.
fn row_object(rs: &ResultSet, row: &[Option<String>]) -> Map<String, Value> {
    rs.columns
        .iter()
        .zip(row)
        .map(|(c, v)| (c.name.clone(), json!(v)))
        .collect()
}

/// The statement the PAUSE button runs, parsed (None if the names cannot be written).
fn operate_sql(e: &JobEntry, op: Op) -> String {
    format!(
        "{} ROUTINE LOAD FOR {}.{}",
        op.keyword(),
        quote(&e.job.db_name),
        quote(&e.job.name)
    )
}

fn operate_stmt(e: &JobEntry, op: Op) -> Option<Statement> {
    crate::sql::parse(&operate_sql(e, op)).ok()
}

/// True when `session` passes PAUSE's / RESUME's privilege check on the job (the check the
/// statement itself runs first, without running it).
fn can_operate(ctx: &FeContext, session: &Session, e: &JobEntry) -> bool {
    !e.job.state.is_final()
        && operate_stmt(e, Op::Pause)
            .is_some_and(|s| handler::authorize::check(ctx, session, &s).is_ok())
}

/// Current lag of the newest samples: (sum of offset lags, max time lag in seconds).
fn current_lag(h: &JobLagHistory) -> (Option<i64>, Option<f64>) {
    let newest: Vec<_> = h.partitions.values().filter_map(|v| v.last()).collect();
    if newest.is_empty() {
        return (None, None);
    }
    let offsets = newest.iter().map(|s| s.offset_lag).sum();
    let time = newest
        .iter()
        .filter_map(|s| s.time_lag_ms)
        .max()
        .map(|ms| ms as f64 / 1000.0);
    (Some(offsets), time)
}

/// The jobs page: every job SHOW ALL ROUTINE LOAD lists to this user, database by database.
pub async fn jobs(ctx: &FeContext, session: &mut Session) -> Value {
    let entries = ctx.routine_load.snapshot();
    let mut dbs: Vec<String> = entries.iter().map(|e| e.job.db_name.clone()).collect();
    dbs.sort();
    dbs.dedup();
    let now = now_ms();
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    for db in dbs {
        if ctx.catalog.get_db(&db).is_none() {
            continue;
        }
        let sql = format!("SHOW ALL ROUTINE LOAD FROM {}", quote(&db));
        let rs = match run(ctx, session, &sql).await {
            Ok(r) => rows_of(r),
            Err(e) => {
                errors.push(error_json(&e));
                continue;
            }
        };
        for row in &rs.rows {
            let show = row_object(&rs, row);
            let id = show
                .get("Id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<i64>().ok());
            let Some(e) = id.and_then(|id| entries.iter().find(|e| e.job.id == id)) else {
                continue;
            };
            let h = ctx.routine_load.lag_history.job(e.job.id);
            let (offset_lag, time_lag_s) = current_lag(&h);
            let rates = h.rates(now, RATE_WINDOW_MS);
            jobs.push(json!({
                "id": e.job.id,
                "name": e.job.name,
                "db": e.job.db_name,
                "table": e.job.table_name,
                "state": show.get("State"),
                "reason": show.get("ReasonOfStateChanged"),
                "advice": advice::for_job(e),
                "can_operate": can_operate(ctx, session, e),
                "loaded_rows": e.job.loaded_rows(),
                "error_rows": e.job.stat.error_rows,
                "rows_per_s": rates.map(|r| r.0),
                "error_rows_per_s": rates.map(|r| r.1),
                "offset_lag": offset_lag,
                "time_lag_s": time_lag_s,
                "show": show,
            }));
        }
    }
    json!({
        "user": session.user_identity(),
        "now_ms": now,
        "jobs": jobs,
        "errors": errors,
    })
}

/// Per partition: parallel arrays of sample times (s) and values, as the chart wants them.
fn history_json(h: &JobLagHistory) -> Value {
    let partitions: Map<String, Value> = h
        .partitions
        .iter()
        .map(|(p, samples)| {
            (
                p.to_string(),
                json!({
                    "t": samples.iter().map(|s| s.at_ms as f64 / 1000.0).collect::<Vec<_>>(),
                    "offset_lag": samples.iter().map(|s| s.offset_lag).collect::<Vec<_>>(),
                    "time_lag_s": samples
                        .iter()
                        .map(|s| s.time_lag_ms.map(|ms| ms as f64 / 1000.0))
                        .collect::<Vec<_>>(),
                    "committed_offset": samples.last().map(|s| s.committed_offset),
                    "high_watermark": samples.last().map(|s| s.high_watermark),
                    "last_stable_offset": samples.last().and_then(|s| s.last_stable_offset),
                }),
            )
        })
        .collect();
    json!({
        "horizon_s": HORIZON_MS / 1000,
        "resolution_s": RESOLUTION_MS / 1000,
        "partitions": partitions,
        "points": h.partitions.values().map(Vec::len).sum::<usize>(),
    })
}

/// The job's transactions the FE still keeps (newest first). Hook for issue 16's offset
/// ledger: per-partition `[from, to)` ranges are not recorded with a transaction yet, so
/// `ranges` is null until they are.
fn ledger_json(ctx: &FeContext, e: &JobEntry, tz: &str) -> Value {
    let mut txns: Vec<_> = [TxnStatus::COMMITTED, TxnStatus::VISIBLE, TxnStatus::ABORTED]
        .into_iter()
        .flat_map(|s| ctx.txn.list(s))
        .filter(|t| t.job_id == e.job.id)
        .collect();
    txns.sort_by_key(|t| std::cmp::Reverse(t.txn_id));
    txns.truncate(MAX_LEDGER_TXNS);
    let rows: Vec<Value> = txns
        .iter()
        .map(|t| {
            json!({
                "txn_id": t.txn_id,
                "label": t.label,
                "status": format!("{:?}", t.status),
                "commit_time": (t.commit_time_ms > 0).then(|| fmt_time(t.commit_time_ms, tz)),
                "versions": t.partition_versions,
                "reason": t.reason,
                "ranges": Value::Null,
            })
        })
        .collect();
    json!({
        "txns": rows,
        "ranges_available": false,
        "note": "Per-partition offset ranges per transaction come with the offset ledger (issue 16).",
    })
}

/// The job's rejected rows: what its TrackingSQL returns (the BEs' error logs), through the
/// handler. Hook for issue 17's rejected-row ledger, which replaces this when it lands.
async fn rejected_json(ctx: &FeContext, session: &mut Session, tracking_sql: &str) -> Value {
    if tracking_sql.is_empty() {
        return json!({"tracking_sql": null, "lines": [], "truncated": false});
    }
    match run(ctx, session, tracking_sql).await {
        Ok(r) => {
            let rs = rows_of(r);
            let mut lines: Vec<String> = rs
                .rows
                .iter()
                .filter_map(|r| r.first().cloned().flatten())
                .flat_map(|text| text.lines().map(str::to_string).collect::<Vec<_>>())
                .collect();
            let truncated = lines.len() > MAX_REJECTED_LINES;
            lines.truncate(MAX_REJECTED_LINES);
            json!({"tracking_sql": tracking_sql, "lines": lines, "truncated": truncated})
        }
        Err(e) => json!({"tracking_sql": tracking_sql, "error": error_json(&e)}),
    }
}

/// A job page's data. A job the user may not see answers as SHOW does: not found.
pub async fn job(ctx: &FeContext, session: &mut Session, id: i64) -> Result<Value, ApiError> {
    let e = ctx
        .routine_load
        .get(id)
        .ok_or_else(|| ApiError::not_found(id))?;
    // A job SHOW would hide is not found (SHOW's own error would name the job).
    if !handler::authorize::can_see_job(ctx, session, e.job.db_id, e.job.table_id) {
        return Err(ApiError::not_found(id));
    }
    let db = quote(&e.job.db_name);
    let sql = format!("SHOW ALL ROUTINE LOAD FOR {db}.{}", quote(&e.job.name));
    let rs = rows_of(run(ctx, session, &sql).await.map_err(ApiError::from_sql)?);
    // Same-named jobs (a stopped one and its successor) are all listed: take this id's row.
    let show = rs
        .rows
        .iter()
        .map(|r| row_object(&rs, r))
        .find(|o| o.get("Id").and_then(Value::as_str) == Some(id.to_string().as_str()))
        .ok_or_else(|| ApiError::not_found(id))?;
    let tasks = result_or_error(
        ctx,
        session,
        &format!(
            "SHOW ROUTINE LOAD TASK FROM {db} WHERE JobName = \"{}\"",
            e.job.name.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    )
    .await;
    let tracking = show
        .get("TrackingSQL")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let rejected = rejected_json(ctx, session, &tracking).await;
    // Issue 16's and 17's statements and table, run the same way when this FE has them (an
    // FE without them answers with its parse / unknown-table error, and the page falls back
    // to the ledger of transactions and the TrackingSQL lines above).
    let job_ref = format!("{db}.{}", quote(&e.job.name));
    let lag_now = result_or_error(
        ctx,
        session,
        &format!("SHOW ROUTINE LOAD LAG FOR {job_ref}"),
    )
    .await;
    let offset_ledger = result_or_error(
        ctx,
        session,
        &format!("SHOW ROUTINE LOAD TXN FOR {job_ref} LIMIT {MAX_LEDGER_TXNS}"),
    )
    .await;
    let rejected_ledger = result_or_error(
        ctx,
        session,
        &format!(
            "SELECT * FROM information_schema.routine_load_rejected_rows WHERE JOB_ID = {id} LIMIT {MAX_REJECTED_LINES}"
        ),
    )
    .await;
    let tz = Some(session.vars.get_str("time_zone"))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string());
    let h = ctx.routine_load.lag_history.job(id);
    let (offset_lag, time_lag_s) = current_lag(&h);
    let rates = h.rates(now_ms(), RATE_WINDOW_MS);
    Ok(json!({
        "user": session.user_identity(),
        "id": id,
        "name": e.job.name,
        "db": e.job.db_name,
        "table": e.job.table_name,
        "state": show.get("State"),
        "reason": show.get("ReasonOfStateChanged"),
        "advice": advice::for_job(&e),
        "can_operate": can_operate(ctx, session, &e),
        "loaded_rows": e.job.loaded_rows(),
        "error_rows": e.job.stat.error_rows,
        "rows_per_s": rates.map(|r| r.0),
        "error_rows_per_s": rates.map(|r| r.1),
        "offset_lag": offset_lag,
        "time_lag_s": time_lag_s,
        "lag": history_json(&h),
        // The retention horizon is a column of SHOW ROUTINE LOAD LAG (issue 16): `lag_now`.
        "retention": {"available": false, "note": "RetentionHorizonSeconds in the table below, where SHOW ROUTINE LOAD LAG is available (issue 16)."},
        "ledger": ledger_json(ctx, &e, &tz),
        "rejected": rejected,
        "lag_now": lag_now,
        "offset_ledger": offset_ledger,
        "rejected_ledger": rejected_ledger,
        "tasks": tasks,
        "show": show,
    }))
}

/// The cluster page: SHOW FRONTENDS and SHOW BACKENDS (each needs SYSTEM OPERATE or NODE).
pub async fn cluster(ctx: &FeContext, session: &mut Session) -> Value {
    let frontends = result_or_error(ctx, session, "SHOW FRONTENDS").await;
    let backends = result_or_error(ctx, session, "SHOW BACKENDS").await;
    json!({
        "user": session.user_identity(),
        "version": env!("CARGO_PKG_VERSION"),
        "frontends": frontends,
        "backends": backends,
    })
}

/// PAUSE or RESUME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Pause,
    Resume,
}

impl Op {
    pub fn keyword(self) -> &'static str {
        match self {
            Op::Pause => "PAUSE",
            Op::Resume => "RESUME",
        }
    }
}

/// Runs PAUSE / RESUME ROUTINE LOAD on job `id` as `session`'s user.
pub async fn operate(
    ctx: &FeContext,
    session: &mut Session,
    id: i64,
    op: Op,
) -> Result<Value, ApiError> {
    let e = ctx
        .routine_load
        .get(id)
        .ok_or_else(|| ApiError::not_found(id))?;
    run(ctx, session, &operate_sql(&e, op))
        .await
        .map_err(ApiError::from_sql)?;
    let state = ctx
        .routine_load
        .get(id)
        .map(|e| e.job.state.name().to_string());
    Ok(json!({"ok": true, "id": id, "state": state}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_with_quoted_names_parse() {
        for sql in [
            format!("SHOW ALL ROUTINE LOAD FROM {}", quote("my`db")),
            format!(
                "SHOW ALL ROUTINE LOAD FOR {}.{}",
                quote("db"),
                quote("job-1")
            ),
            format!("PAUSE ROUTINE LOAD FOR {}.{}", quote("db"), quote("j")),
            format!("RESUME ROUTINE LOAD FOR {}.{}", quote("db"), quote("j")),
            format!(
                "SHOW ROUTINE LOAD TASK FROM {} WHERE JobName = \"j\"",
                quote("db")
            ),
        ] {
            assert!(crate::sql::parse(&sql).is_ok(), "{sql}");
        }
    }

    #[test]
    fn denials_are_403_and_unknown_jobs_404() {
        let denied = SqlError::code(
            error_code::ERR_ACCESS_DENIED,
            &["INSERT", "TABLE", " t", "", ""],
        );
        assert_eq!(ApiError::from_sql(denied).status, StatusCode::FORBIDDEN);
        let missing = SqlError::code(error_code::ERR_PRIVILEGE_ROUTINELOAD_JOB_NOT_FOUND, &["j"]);
        assert_eq!(ApiError::from_sql(missing).status, StatusCode::NOT_FOUND);
        assert_eq!(ApiError::not_found(1).status, StatusCode::NOT_FOUND);
    }
}
