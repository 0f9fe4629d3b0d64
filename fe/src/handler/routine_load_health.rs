//! starload's routine-load health statements (issue 16): `SHOW ROUTINE LOAD TXN` (the offset
//! ledger, `routine_load::txn_ledger`), `SHOW ROUTINE LOAD LAG` (`routine_load::lag`) and
//! `PREVIEW ROUTINE LOAD` (a dry run on a BE). Jobs are found as SHOW ROUTINE LOAD finds them
//! (final jobs included, newest first); a job on a table the user may not INSERT into is
//! reported as unknown, with SHOW ROUTINE LOAD's unknown-job text.

use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::authorize;
use crate::result::{QueryResult, ResultSet};
use crate::routine_load::lag::PartitionLag;
use crate::routine_load::show::fmt_time;
use crate::routine_load::txn_ledger::{self, LedgerEntry};
use crate::routine_load::JobEntry;
use crate::session::Session;
use crate::sql::routine_load::JobRef;
use crate::sql::routine_load_health::HealthStmt;

/// SHOW ROUTINE LOAD TXN titles.
pub const TXN_TITLES: [&str; 10] = [
    "TxnId",
    "Label",
    "Status",
    "CommitTime",
    "Offsets",
    "LoadedRows",
    "FilteredRows",
    "UnselectedRows",
    "ReceivedBytes",
    "Versions",
];

/// SHOW ROUTINE LOAD LAG titles (and information_schema.routine_load_lag's columns).
pub const LAG_TITLES: [&str; 11] = [
    "JobName",
    "Partition",
    "CommittedOffset",
    "LastStableOffset",
    "HighWatermark",
    "OffsetLag",
    "TimeLagSeconds",
    "Status",
    "LogStartOffset",
    "RetentionHorizonSeconds",
    "State",
];

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: HealthStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        HealthStmt::ShowTxn { job, limit } => show_txn(ctx, session, &job, limit),
        HealthStmt::ShowLag { job, from_db } => show_lag(ctx, session, job.as_ref(), from_db),
        HealthStmt::Preview { create, limit } => {
            super::routine_load_preview::preview(ctx, session, *create, limit).await
        }
        HealthStmt::Replay { job, filter } => {
            let e = visible_job(ctx, session, &job)?;
            super::routine_load_replay::replay(ctx, e, filter).await
        }
    }
}

fn session_time_zone(session: &Session) -> String {
    let tz = session.vars.get_str("time_zone");
    if tz.is_empty() {
        crate::routine_load::properties::DEFAULT_TIME_ZONE.to_string()
    } else {
        tz
    }
}

fn db_name(session: &Session, explicit: Option<&String>) -> SqlResult<String> {
    match explicit {
        Some(d) => Ok(d.clone()),
        None if !session.current_db.is_empty() => Ok(session.current_db.clone()),
        None => Err(SqlError::no_db().in_analyzer()),
    }
}

/// SHOW ROUTINE LOAD's text for a job it cannot list (`ShowRoutineLoadStmt` analysis).
fn unknown_job(name: &str, db: &str) -> SqlError {
    SqlError::analyzing(format!(
        "There is no running job named {name} in db {db}. Include history? true, you can try `show all routine load job for job_name` if you want to list stopped and cancelled jobs"
    ))
}

/// The newest job named `j` the session may see (final jobs included).
fn visible_job(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<JobEntry> {
    let db = db_name(session, j.db.as_ref())?;
    let d = ctx
        .catalog
        .get_db(&db)
        .ok_or_else(|| SqlError::bad_db(&db).in_analyzer())?;
    ctx.routine_load
        .find(d.id, &j.name, true)
        .and_then(|id| ctx.routine_load.get(id))
        .filter(|e| authorize::can_see_job(ctx, session, e.job.db_id, e.job.table_id))
        .ok_or_else(|| unknown_job(&j.name, &db))
}

/// `0:[0,5) 1:[3,9)`: half-open ranges per partition.
pub fn offsets_text(e: &LedgerEntry) -> String {
    e.ranges
        .iter()
        .map(|r| format!("{}:[{},{})", r.partition, r.from, r.to))
        .collect::<Vec<_>>()
        .join(" ")
}

fn versions_text(e: &LedgerEntry) -> String {
    e.versions
        .iter()
        .map(|(p, v)| format!("{p}:{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn show_txn(
    ctx: &FeContext,
    session: &Session,
    j: &JobRef,
    limit: Option<u64>,
) -> SqlResult<QueryResult> {
    let e = visible_job(ctx, session, j)?;
    let tz = session_time_zone(session);
    let mut entries = txn_ledger::list(&ctx.meta, e.job.id).map_err(SqlError::internal)?;
    // Newest first.
    entries.sort_by_key(|x| std::cmp::Reverse(x.txn_id));
    if let Some(n) = limit {
        entries.truncate(n as usize);
    }
    let mut rs = ResultSet::with_titles(&TXN_TITLES);
    rs.rows = entries
        .iter()
        .map(|x| {
            vec![
                Some(x.txn_id.to_string()),
                Some(x.label.clone()),
                Some(format!("{:?}", x.status)),
                Some(fmt_time(x.commit_time_ms, &tz)),
                Some(offsets_text(x)),
                Some(x.loaded_rows.to_string()),
                Some(x.filtered_rows.to_string()),
                Some(x.unselected_rows.to_string()),
                Some(x.received_bytes.to_string()),
                Some(versions_text(x)),
            ]
        })
        .collect();
    Ok(QueryResult::Rows(rs))
}

fn opt(v: Option<i64>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// Seconds with millisecond precision (`12.345`).
pub fn seconds_text(ms: i64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// One LAG row.
pub fn lag_row(job_name: &str, state: &str, r: &PartitionLag) -> Vec<Option<String>> {
    vec![
        Some(job_name.to_string()),
        Some(r.partition.to_string()),
        opt(r.committed),
        opt(r.lso),
        opt(r.hw),
        opt(r.offset_lag),
        r.time_lag_ms.map(seconds_text),
        Some(r.status.name().to_string()),
        opt(r.log_start),
        opt(r.retention_horizon_s),
        Some(state.to_string()),
    ]
}

/// The LAG rows of jobs (for SHOW and information_schema).
pub fn lag_rows(
    ctx_lag: &crate::routine_load::lag::LagBook,
    entries: &[JobEntry],
) -> Vec<Vec<Option<String>>> {
    let now = now_ms();
    entries
        .iter()
        .flat_map(|e| {
            ctx_lag
                .rows(&e.job, now)
                .into_iter()
                .map(|r| lag_row(&e.job.name, e.job.state.name(), &r))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn show_lag(
    ctx: &FeContext,
    session: &Session,
    job: Option<&JobRef>,
    from_db: Option<String>,
) -> SqlResult<QueryResult> {
    let entries: Vec<JobEntry> = match job {
        Some(j) => {
            let j = JobRef {
                db: j.db.clone().or(from_db),
                name: j.name.clone(),
            };
            vec![visible_job(ctx, session, &j)?]
        }
        None => {
            let db = db_name(session, from_db.as_ref())?;
            let d = ctx
                .catalog
                .get_db(&db)
                .ok_or_else(|| SqlError::bad_db(&db).in_analyzer())?;
            ctx.routine_load
                .snapshot()
                .into_iter()
                .filter(|e| e.job.db_id == d.id && !e.job.state.is_final())
                .filter(|e| authorize::can_see_job(ctx, session, e.job.db_id, e.job.table_id))
                .collect()
        }
    };
    let mut rs = ResultSet::with_titles(&LAG_TITLES);
    rs.rows = lag_rows(&ctx.routine_load.lag, &entries);
    Ok(QueryResult::Rows(rs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(seconds_text(12_345), "12.345");
        assert_eq!(seconds_text(7), "0.007");
        let e = LedgerEntry {
            job_id: 1,
            txn_id: 2,
            label: "l".into(),
            status: txn_ledger::LedgerStatus::COMMITTED,
            ranges: vec![
                txn_ledger::OffsetRange {
                    partition: 0,
                    from: 0,
                    to: 5,
                },
                txn_ledger::OffsetRange {
                    partition: 3,
                    from: 7,
                    to: 9,
                },
            ],
            loaded_rows: 0,
            filtered_rows: 0,
            unselected_rows: 0,
            received_bytes: 0,
            commit_time_ms: 0,
            versions: vec![(10010, 4)],
        };
        assert_eq!(offsets_text(&e), "0:[0,5) 3:[7,9)");
        assert_eq!(versions_text(&e), "10010:4");
    }
}
