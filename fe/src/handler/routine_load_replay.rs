//! `REPLAY ROUTINE LOAD REJECTED FOR [db.]job [WHERE <partition/offset filter>]` (issue 17
//! item 3): after the user fixed the table or the job (ALTER), re-feeds the job's rejected rows
//! through its *current* COLUMNS, WHERE and properties into the table, as one transaction of
//! its own (label `replay_<job>_<uuid>`).
//!
//! Steps (one REPLAY per job at a time, on the active leader):
//! 1. The ledger rows of the job matching the filter, from every BE that answers (rows another
//!    REPLAY is loading are not listed).
//! 2. A transaction begins; one alive BE runs the rows' raw bytes through the job's load plan
//!    (`ReplayRejectedRows`: each row a message at its original partition and offset) and
//!    stages what loads on every replica.
//! 3. The BEs holding the rows that loaded mark them as replayed by this transaction
//!    (`MarkRejectedRowsReplayed`, fsynced; refused for a row another transaction marks).
//! 4. The transaction commits and the statement waits for it to become VISIBLE. Each BE's
//!    ledger resolver then deletes the rows it marked (or unmarks them if the transaction
//!    aborted, e.g. the FE died before committing), so a second REPLAY never loads a row twice.
//!
//! Rows rejected again, or dropped by the job's current WHERE, stay in the ledger. The answer
//! is one row: `Label`, `TxnId`, `Status` (VISIBLE, COMMITTED, or ABORTED when nothing
//! loaded), `Rows` (ledger rows taken), `LoadedRows`, `RejectedRows`, `UnselectedRows`.
//! Privileges: INSERT on the job's table (as PAUSE / ALTER of the job), checked by
//! `authorize.rs`.

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::insert::commit_staged_and_wait;
use crate::result::{QueryResult, ResultSet};
use crate::routine_load::scheduler::build_request;
use crate::routine_load::task::RoutineLoadTask;
use crate::routine_load::JobEntry;
use crate::sql::routine_load_health::ReplayFilter;
use starload_proto::be::{
    MarkRejectedRowsReplayedRequest, RejectedRow, RejectedRowKey, ReplayOutcome,
    ReplayRejectedRowsRequest,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// The answer's titles.
pub const REPLAY_TITLES: [&str; 7] = [
    "Label",
    "TxnId",
    "Status",
    "Rows",
    "LoadedRows",
    "RejectedRows",
    "UnselectedRows",
];

/// How long the statement waits for VISIBLE before answering COMMITTED.
const VISIBLE_WAIT: Duration = Duration::from_secs(30);

/// Jobs a REPLAY is running for: a second one waits for nothing and is refused.
static RUNNING: Mutex<Option<HashSet<i64>>> = Mutex::new(None);

struct Running(i64);

impl Running {
    fn take(job_id: i64, name: &str) -> SqlResult<Self> {
        let mut g = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if !g.get_or_insert_with(HashSet::new).insert(job_id) {
            return Err(SqlError::plain(format!(
                "A REPLAY of routine load job {name} is already running"
            )));
        }
        Ok(Self(job_id))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut g = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = g.as_mut() {
            s.remove(&self.0);
        }
    }
}

fn key_of(r: &RejectedRow) -> (i32, i64, u32, u32) {
    (r.partition, r.offset, r.row_start, r.row_ordinal)
}

/// The rows of `job_id` matching `filter`, as (holding BE, row), in (partition, offset)
/// order, each key once.
pub fn select_rows(
    listed: Vec<(i64, RejectedRow)>,
    job_id: i64,
    filter: &ReplayFilter,
) -> Vec<(i64, RejectedRow)> {
    let mut seen = BTreeSet::new();
    let mut rows: Vec<(i64, RejectedRow)> = listed
        .into_iter()
        .filter(|(_, r)| r.job_id == job_id && filter.matches(r.partition, r.offset))
        .filter(|(_, r)| seen.insert(key_of(r)))
        .collect();
    rows.sort_by_key(|(_, r)| key_of(r));
    rows
}

pub async fn replay(
    ctx: &FeContext,
    entry: JobEntry,
    filter: ReplayFilter,
) -> SqlResult<QueryResult> {
    let job = entry.job;
    let _running = Running::take(job.id, &job.name)?;
    let listed = ctx.cluster.rejected_rows(&[job.id]).await;
    let rows = select_rows(listed, job.id, &filter);
    let label = format!("replay_{}_{}", job.name, uuid::Uuid::new_v4().simple());
    let mut rs = ResultSet::with_titles(&REPLAY_TITLES);
    let answer = |rs: &mut ResultSet, txn: i64, status: &str, loaded: i64, rej: i64, uns: i64| {
        rs.rows = vec![vec![
            Some(label.clone()),
            Some(txn.to_string()),
            Some(status.to_string()),
            Some(rows.len().to_string()),
            Some(loaded.to_string()),
            Some(rej.to_string()),
            Some(uns.to_string()),
        ]];
    };
    if rows.is_empty() {
        answer(&mut rs, -1, "ABORTED", 0, 0, 0);
        return Ok(QueryResult::Rows(rs));
    }
    let be_id = ctx
        .routine_load
        .least_busy_backend(ctx.cluster.alive_backend_ids())
        .ok_or_else(|| SqlError::plain("No backend alive."))?;
    let cfg = ctx.config.get();
    let timeout_s = job.props.task_timeout_second.max(1);
    let txn_id = ctx
        .txn
        .begin(&label, job.db_id, job.table_id, 0, "", timeout_s, be_id)
        .map_err(|e| SqlError::plain(e.to_string()))?;
    let abort = |reason: &str| {
        if let Err(e) = ctx.txn.abort(txn_id, reason, |_| Ok(())) {
            tracing::warn!(txn = txn_id, error = %e, "Abort failed.");
        }
    };
    // The request a task of the job would get now (its current mapping), under our txn.
    let now = crate::clock::now_ms();
    let mut task = RoutineLoadTask::new(job.id, Vec::new(), now, now, timeout_s, -1);
    task.be_id = be_id;
    let rl = ctx.routine_load_context();
    let mut req = match build_request(&rl, &cfg, &job, &task, txn_id, &label) {
        Ok(r) => r,
        Err(e) => {
            abort(&e.to_string());
            return Err(SqlError::plain(format!("failed to create task: {e}")));
        }
    };
    // A message that still does not parse is an error row of the replay, not its failure.
    if let Some(load) = req.load.as_mut() {
        load.skip_on_fatal_parse_error = true;
        load.pause_on_fatal_parse_error = false;
        load.max_filter_ratio = 1.0;
    }
    req.dead_letter = None;
    let resp = ctx
        .cluster
        .replay_rejected_rows(
            be_id,
            ReplayRejectedRowsRequest {
                cluster_token: String::new(),
                task: Some(req),
                rows: rows.iter().map(|(_, r)| r.clone()).collect(),
            },
            Duration::from_secs(timeout_s as u64),
        )
        .await;
    let resp = match resp {
        Ok(r) if r.status.as_ref().is_none_or(|s| s.is_ok()) => r,
        Ok(r) => {
            let msg = r.status.map(|s| s.message).unwrap_or_default();
            abort(&msg);
            return Err(SqlError::plain(format!("REPLAY failed: {msg}")));
        }
        Err(e) => {
            abort(&e.to_string());
            return Err(SqlError::plain(format!("REPLAY failed: {e}")));
        }
    };
    let outcome = |i: usize| {
        resp.outcomes
            .get(i)
            .and_then(|o| ReplayOutcome::try_from(*o).ok())
            .unwrap_or(ReplayOutcome::Unspecified)
    };
    let count = |o: ReplayOutcome| (0..rows.len()).filter(|i| outcome(*i) == o).count() as i64;
    let (rejected, unselected) = (
        count(ReplayOutcome::Rejected),
        count(ReplayOutcome::Unselected),
    );
    if resp.loaded_rows <= 0 {
        abort("all partitions have no load data");
        answer(&mut rs, txn_id, "ABORTED", 0, rejected, unselected);
        return Ok(QueryResult::Rows(rs));
    }
    // Mark the loaded rows on the BEs that hold them before the commit: if the FE dies after
    // the commit, the resolvers still delete them; if before, the txn aborts and they unmark.
    let mut by_be: BTreeMap<i64, Vec<RejectedRowKey>> = BTreeMap::new();
    for (i, (be, r)) in rows.iter().enumerate() {
        if outcome(i) == ReplayOutcome::Loaded {
            by_be.entry(*be).or_default().push(RejectedRowKey {
                partition: r.partition,
                offset: r.offset,
                row_start: r.row_start,
                row_ordinal: r.row_ordinal,
            });
        }
    }
    for (be, keys) in by_be {
        let marked = ctx
            .cluster
            .mark_rejected_rows_replayed(
                be,
                MarkRejectedRowsReplayedRequest {
                    cluster_token: String::new(),
                    job_id: job.id,
                    txn_id,
                    fe_host: cfg.priority_networks.clone(),
                    fe_rpc_port: cfg.rpc_port as u32,
                    rows: keys,
                },
            )
            .await;
        if let Err(e) = marked {
            abort(&e);
            return Err(SqlError::plain(format!("REPLAY failed: {e}")));
        }
    }
    let visible = commit_staged_and_wait(
        ctx,
        job.table_id,
        &job.table_name,
        txn_id,
        &resp.tablet_commit_infos,
        VISIBLE_WAIT,
        abort,
    )
    .await?;
    answer(
        &mut rs,
        txn_id,
        if visible { "VISIBLE" } else { "COMMITTED" },
        resp.loaded_rows,
        rejected,
        unselected,
    );
    Ok(QueryResult::Rows(rs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(job: i64, p: i32, o: i64) -> RejectedRow {
        RejectedRow {
            job_id: job,
            partition: p,
            offset: o,
            ..Default::default()
        }
    }

    #[test]
    fn rows_are_filtered_ordered_and_unique() {
        let listed = vec![
            (2, row(7, 1, 5)),
            (1, row(7, 0, 9)),
            (1, row(7, 0, 3)),
            (3, row(7, 0, 3)),
            (1, row(8, 0, 4)),
        ];
        let all = select_rows(listed.clone(), 7, &ReplayFilter::default());
        let keys: Vec<(i64, i32, i64)> = all
            .iter()
            .map(|(b, r)| (*b, r.partition, r.offset))
            .collect();
        assert_eq!(keys, [(1, 0, 3), (1, 0, 9), (2, 1, 5)]);
        let f = ReplayFilter {
            partitions: Some(vec![0]),
            offset_min: Some(4),
            offset_max: None,
        };
        let some = select_rows(listed, 7, &f);
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].1.offset, 9);
    }
}
