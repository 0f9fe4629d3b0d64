//! INSERT INTO ... VALUES / SELECT and DELETE FROM a PRIMARY KEY table, through the same
//! transaction and publish path as routine load (StarRocks `InsertLoadJob` / `StmtExecutor.
//! handleDMLStmt`): one label per statement, rows evaluated by the query engine, staged on
//! every replica by a BE (`LoadRows`: conversion, strict mode, partition routing, the tablet
//! sink), committed in one metadata write with the partitions' new versions, and answered once
//! the transaction is VISIBLE:
//!
//! ```text
//! Query OK, 2 rows affected
//! {'label':'insert_9f0a4fd0-b64e-11ec-906b-bede076e9d08', 'status':'VISIBLE', 'txnId':'1006'}
//! ```
//!
//! With `enable_insert_strict` (default true) any filtered row fails the statement with
//! StarRocks's `ERROR 5025 (HY000): Insert has filtered data in strict mode,
//! tracking_url=...` and the transaction is aborted: nothing of it becomes visible.
//!
//! INSERT OVERWRITE loads the same way into temporary partitions and swaps them in
//! (`handler/overwrite.rs`).
//!
//! Every statement that began its transaction is recorded as a load job (SHOW LOAD,
//! `information_schema.loads`; `load_job`), FINISHED or CANCELLED, before it answers.

use crate::catalog::table::{KeysType, Table};
use crate::clock::now_ms;
use crate::cluster::partition_routing;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::query::query_env;
use crate::handler::resolve::{lookup_table, resolve_db};
use crate::load_job::record::{CancelType, EtlJobType, FailMsg, LoadJobState};
use crate::load_job::LoadJobRecord;
use crate::result::QueryResult;
use crate::routine_load::txn_callback::{quorum_failures, touched_partitions};
use crate::session::Session;
use crate::sql::ddl::TableRef;
use crate::sql::insert::{source_query, DeleteStmt, InsertStmt, WriteStmt};
use crate::txn::TxnStatus;
use crate::variables::{VarScope, VarValue};
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use starload_proto::be::LoadRowsRequest;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// StarRocks's errno of a failed INSERT (`ERR_FAILED_WHEN_INSERT`).
pub const ERR_FAILED_WHEN_INSERT: u16 = 5025;

/// How long a statement waits for its transaction to become VISIBLE before answering
/// `'status':'COMMITTED'` (StarRocks waits for publish the same way).
const VISIBLE_WAIT: Duration = Duration::from_secs(10);

/// Round-robin over alive BEs for the coordinator of a statement.
static NEXT_BE: AtomicUsize = AtomicUsize::new(0);

pub fn lookup(ctx: &FeContext, session: &Session, t: &TableRef) -> SqlResult<(String, Arc<Table>)> {
    let db = resolve_db(ctx, session, t.db.clone())?;
    Ok((db, lookup_table(ctx, session, t)?))
}

/// Executes INSERT / DELETE.
pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: WriteStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        WriteStmt::Insert(i) => insert(ctx, session, i).await,
        WriteStmt::Delete(d) => delete(ctx, session, d).await,
    }
}

/// The partition ids of `names` (StarRocks: `Unknown partition 'p' in table 't'`).
pub fn partition_ids(table: &Table, names: &Option<Vec<String>>) -> SqlResult<Option<Vec<i64>>> {
    let Some(names) = names else {
        return Ok(None);
    };
    names
        .iter()
        .map(|n| {
            table.partition_by_name(n).map(|p| p.id).ok_or_else(|| {
                SqlError::analyzing(format!("Unknown partition '{n}' in table '{}'", table.name))
            })
        })
        .collect::<SqlResult<Vec<_>>>()
        .map(Some)
}

/// An INSERT's rows, evaluated and checked against the target columns.
pub struct InsertRows {
    pub table: Arc<Table>,
    pub columns: Vec<String>,
    /// Utf8 columns, converted by the BE like loaded text.
    pub text: RecordBatch,
    pub label: String,
    /// What the statement's load job records besides the load's outcome.
    pub job: JobStart,
}

/// A write statement's facts for its load job (SHOW LOAD) that precede the load.
#[derive(Debug, Clone, Copy)]
pub struct JobStart {
    /// When the statement started (`createTimestamp`).
    pub created_ms: i64,
    /// Rows the statement's query read (StarRocks's ScanRows counts rows out of scan nodes:
    /// 0 for VALUES). The query's result rows stand in for the rows its scans produced.
    pub scanned_rows: u64,
}

/// What a write statement hands to [`load`].
pub struct LoadInput<'a> {
    /// The target (a view whose partitions are temporary ones for INSERT OVERWRITE).
    pub table: &'a Table,
    /// The only partitions rows may go to.
    pub only: Option<&'a [i64]>,
    pub label: &'a str,
    pub columns: Vec<String>,
    /// Utf8 columns, converted by the BE like loaded text.
    pub rows: RecordBatch,
    pub job: JobStart,
}

async fn insert(ctx: &FeContext, session: &Session, stmt: InsertStmt) -> SqlResult<QueryResult> {
    if stmt.overwrite {
        return super::overwrite::execute(ctx, session, stmt).await;
    }
    let table = lookup(ctx, session, &stmt.table)?.1;
    let only = partition_ids(&table, &stmt.partitions)?;
    let rows = evaluate(ctx, session, &stmt, table).await?;
    load(
        ctx,
        session,
        LoadInput {
            table: &rows.table,
            only: only.as_deref(),
            label: &rows.label,
            columns: rows.columns,
            rows: rows.text,
            job: rows.job,
        },
    )
    .await
    .map(LoadOutcome::into_result)
}

/// Evaluates the INSERT's source into rows for `table`.
pub async fn evaluate(
    ctx: &FeContext,
    session: &Session,
    stmt: &InsertStmt,
    table: Arc<Table>,
) -> SqlResult<InsertRows> {
    let created_ms = now_ms();
    let columns: Vec<String> = match &stmt.columns {
        None => table.columns.iter().map(|c| c.name.clone()).collect(),
        Some(cols) => {
            let mut seen = BTreeSet::new();
            cols.iter()
                .map(|c| {
                    let col = table.column(c).ok_or_else(|| {
                        SqlError::analyzing(format!("Unknown column '{c}' in '{}'", table.name))
                    })?;
                    if !seen.insert(col.name.to_ascii_lowercase()) {
                        return Err(SqlError::analyzing(format!(
                            "Column '{}' specified twice",
                            col.name
                        )));
                    }
                    Ok(col.name.clone())
                })
                .collect::<SqlResult<_>>()?
        }
    };
    let (_, batches) = ctx
        .query
        .collect(&source_query(&stmt.source), query_env(ctx, session))
        .await?;
    let width = batches
        .first()
        .map(|b| b.num_columns())
        .unwrap_or(columns.len());
    if width != columns.len() {
        return Err(SqlError::analyzing(
            "Column count doesn't match value count",
        ));
    }
    let label = stmt
        .label
        .clone()
        .unwrap_or_else(|| format!("insert_{}", uuid::Uuid::new_v4()));
    let text = text_batch(&columns, &batches)?;
    let from_values = stmt
        .source
        .trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("VALUES"));
    let scanned_rows = if from_values {
        0
    } else {
        text.num_rows() as u64
    };
    Ok(InsertRows {
        table,
        columns,
        text,
        label,
        job: JobStart {
            created_ms,
            scanned_rows,
        },
    })
}

async fn delete(ctx: &FeContext, session: &Session, stmt: DeleteStmt) -> SqlResult<QueryResult> {
    let created_ms = now_ms();
    let (db, table) = lookup(ctx, session, &stmt.table)?;
    if table.keys_type != KeysType::Primary {
        return Err(SqlError::plain(format!(
            "DELETE ... WHERE on table {} is not supported by starload: only PRIMARY KEY tables delete by condition",
            table.name
        )));
    }
    let only = partition_ids(&table, &stmt.partitions)?;
    let keys: Vec<String> = table.key_columns().map(|c| c.name.clone()).collect();
    // The keys of the matching rows, read at the current visible versions, deleted as one
    // load of `__op = 1` rows (StarRocks turns a PRIMARY KEY DELETE into the same).
    let sql = format!(
        "SELECT {} FROM `{db}`.`{}` WHERE {}",
        keys.iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
        table.name,
        stmt.condition
    );
    let (_, batches) = ctx.query.collect(&sql, query_env(ctx, session)).await?;
    let mut cols = keys.clone();
    cols.push("__op".to_string());
    let mut text = text_batch(&keys, &batches)?;
    let n = text.num_rows();
    let mut arrays: Vec<ArrayRef> = text.columns().to_vec();
    arrays.push(Arc::new(StringArray::from(vec!["1"; n])));
    let mut fields: Vec<Field> = text
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("__op", DataType::Utf8, true));
    text =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(SqlError::internal)?;
    let label = format!("delete_{}", uuid::Uuid::new_v4());
    load(
        ctx,
        session,
        LoadInput {
            table: &table,
            only: only.as_deref(),
            label: &label,
            columns: cols,
            job: JobStart {
                created_ms,
                scanned_rows: text.num_rows() as u64,
            },
            rows: text,
        },
    )
    .await
    .map(LoadOutcome::into_result)
}

/// The query's rows as one batch of Utf8 columns (the BE converts them like loaded text).
fn text_batch(columns: &[String], batches: &[RecordBatch]) -> SqlResult<RecordBatch> {
    let mut values: Vec<Vec<Option<String>>> = vec![Vec::new(); columns.len()];
    for b in batches {
        for (i, col) in b.columns().iter().enumerate().take(columns.len()) {
            values[i].extend(crate::query::format::format_column(col)?);
        }
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(c, DataType::Utf8, true))
        .collect();
    let arrays: Vec<ArrayRef> = values
        .into_iter()
        .map(|v| Arc::new(StringArray::from(v)) as ArrayRef)
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(SqlError::internal)
}

fn encode_ipc(batch: &RecordBatch) -> SqlResult<Vec<u8>> {
    let mut buf = Vec::new();
    let mut w = datafusion::arrow::ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema())
        .map_err(SqlError::internal)?;
    w.write(batch).map_err(SqlError::internal)?;
    w.finish().map_err(SqlError::internal)?;
    drop(w);
    Ok(buf)
}

fn info(label: &str, status: &str, txn_id: i64) -> String {
    format!("{{'label':'{label}', 'status':'{status}', 'txnId':'{txn_id}'}}")
}

/// What a write statement's transaction came to.
pub struct LoadOutcome {
    pub label: String,
    pub txn_id: i64,
    pub rows: u64,
    /// True once the rows are visible; false when publish took longer than the wait
    /// (`'status':'COMMITTED'`) or nothing was loaded (the txn was aborted, as StarRocks).
    pub visible: bool,
    /// No row: the transaction was aborted (StarRocks still answers OK, `VISIBLE`).
    pub empty: bool,
}

impl LoadOutcome {
    /// StarRocks's OK packet: affected rows and the `{'label':..}` info.
    pub fn into_result(self) -> QueryResult {
        let status = if self.visible || self.empty {
            "VISIBLE"
        } else {
            "COMMITTED"
        };
        QueryResult::Ok {
            affected_rows: self.rows,
            info: info(&self.label, status, self.txn_id),
        }
    }
}

/// Stages `input.rows` into `input.table` under a new transaction labelled `input.label`,
/// commits and waits for it to become visible. Once the transaction began, the statement's
/// load job is recorded (FINISHED, or CANCELLED with the error) before this returns.
pub async fn load(
    ctx: &FeContext,
    session: &Session,
    input: LoadInput<'_>,
) -> SqlResult<LoadOutcome> {
    let alive = ctx.cluster.alive_backend_ids();
    if alive.is_empty() {
        return Err(SqlError::plain("No backend alive."));
    }
    let be = alive[NEXT_BE.fetch_add(1, Ordering::Relaxed) % alive.len()];
    let timeout_s = session.vars.get_i64("query_timeout").max(1);
    let txn_id = ctx
        .txn
        .begin(
            input.label,
            input.table.db_id,
            input.table.id,
            0,
            "",
            timeout_s,
            be,
        )
        .map_err(|e| SqlError::plain(e.to_string()))?;
    // The job id (a durable counter write) is allocated while the BE stages the rows, off the
    // statement's critical path.
    let meta = ctx.meta.clone();
    let job_id = tokio::task::spawn_blocking(move || meta.next_id());
    let mut seen = LoadSeen::default();
    let result = stage_and_commit(ctx, session, &input, txn_id, be, &mut seen).await;
    match job_id.await {
        Ok(Ok(id)) => record_job(ctx, session, &input, id, txn_id, be, &seen, &result),
        Ok(Err(e)) => tracing::warn!(txn = txn_id, error = %e, "Load job id allocation failed."),
        Err(e) => tracing::warn!(txn = txn_id, error = %e, "Load job id allocation failed."),
    }
    result
}

/// What the load reported, for its load job.
#[derive(Default)]
struct LoadSeen {
    loaded_rows: u64,
    filtered_rows: u64,
    tracking_url: Option<String>,
    /// Strict mode refused the filtered rows (StarRocks records such a job as `Cancelled`,
    /// without the statement's message).
    strict_rejected: bool,
}

/// Records the statement's load job (`InsertLoadJob.setLoadFinishOrCancel`): FINISHED when
/// the statement succeeded, else CANCELLED with `LOAD_RUN_FAIL` and StarRocks's message
/// (`Cancelled` for a strict-mode refusal, `Cancelled, msg: <error>` otherwise).
#[allow(clippy::too_many_arguments)]
fn record_job(
    ctx: &FeContext,
    session: &Session,
    input: &LoadInput<'_>,
    id: i64,
    txn_id: i64,
    be: i64,
    seen: &LoadSeen,
    result: &SqlResult<LoadOutcome>,
) {
    let (state, fail_msg) = match result {
        Ok(_) => (LoadJobState::FINISHED, None),
        Err(e) => (
            LoadJobState::CANCELLED,
            Some(FailMsg {
                cancel_type: CancelType::LOAD_RUN_FAIL,
                msg: if seen.strict_rejected {
                    "Cancelled".to_string()
                } else {
                    format!("Cancelled, msg: {}", e.message)
                },
            }),
        ),
    };
    let now = now_ms();
    // DML statements carry insert_timeout and insert_max_filter_ratio as the job's
    // properties (`DmlStmt.getTimeout` / `getMaxFilterRatio`, `LoadJob.setJobProperties`).
    let max_filter_ratio = match session
        .vars
        .get(VarScope::Session, "insert_max_filter_ratio")
    {
        Ok(VarValue::Double(d)) => d,
        _ => 0.0,
    };
    let job = LoadJobRecord {
        id,
        db_id: input.table.db_id,
        table_id: input.table.id,
        label: input.label.to_string(),
        job_type: EtlJobType::INSERT,
        state,
        timeout_s: session.vars.get_i64("insert_timeout"),
        max_filter_ratio,
        create_ms: input.job.created_ms,
        load_start_ms: input.job.created_ms,
        finish_ms: now,
        fail_msg,
        scan_rows: input.job.scanned_rows,
        filtered_rows: seen.filtered_rows,
        unselected_rows: 0,
        sink_rows: seen.loaded_rows,
        tracking_url: seen.tracking_url.clone(),
        txn_id,
        load_id: uuid::Uuid::new_v4().to_string(),
        backend_ids: vec![be],
    };
    let keep_s = ctx.config.get().label_keep_max_second;
    if let Err(e) = ctx.load_jobs.record(job, now, keep_s) {
        tracing::warn!(job = id, txn = txn_id, error = %e, "Recording the load job failed.");
    }
}

/// The load of [`load`] after its transaction began: stage on `be`, check, commit, wait.
async fn stage_and_commit(
    ctx: &FeContext,
    session: &Session,
    input: &LoadInput<'_>,
    txn_id: i64,
    be: i64,
    seen: &mut LoadSeen,
) -> SqlResult<LoadOutcome> {
    let (table, only, label) = (input.table, input.only, input.label);
    let abort = |reason: &str| {
        if let Err(e) = ctx.txn.abort(txn_id, reason, |_| Ok(())) {
            tracing::warn!(txn = txn_id, error = %e, "Abort failed.");
        }
    };
    let mut tablets = ctx.cluster.tablet_locations(table);
    if let Some(ids) = only {
        tablets.retain(|t| ids.contains(&t.partition_id));
    }
    let cfg = ctx.config.get();
    let req = LoadRowsRequest {
        cluster_token: cfg.cluster_token.clone(),
        txn_id,
        label: label.to_string(),
        db_id: table.db_id,
        table_id: table.id,
        schema: Some(table.tablet_schema()),
        tablets,
        partitions: Some(partition_routing::routing(table, only)),
        columns: input.columns.clone(),
        arrow_ipc: encode_ipc(&input.rows)?,
        timezone: session.vars.get_str("time_zone"),
        fe_host: cfg.priority_networks.clone(),
        fe_rpc_port: cfg.rpc_port as u32,
        backend: ctx.cluster.backend_addr(be),
        strict_mode: session.vars.get_bool("enable_insert_strict"),
    };
    let resp = match ctx.cluster.load_rows(be, req).await {
        Ok(r) => r,
        Err(e) => {
            abort(&e.to_string());
            return Err(SqlError::plain(e.to_string()));
        }
    };
    if let Some(s) = resp.status.as_ref().filter(|s| !s.is_ok()) {
        abort(&s.message);
        return Err(SqlError::plain(s.message.clone()));
    }
    seen.loaded_rows = resp.loaded_rows.max(0) as u64;
    seen.filtered_rows = resp.filtered_rows.max(0) as u64;
    seen.tracking_url = Some(resp.error_log_url.clone()).filter(|u| !u.is_empty());
    if resp.filtered_rows > 0 && session.vars.get_bool("enable_insert_strict") {
        seen.strict_rejected = true;
        abort("Insert has filtered data in strict mode");
        return Err(SqlError {
            errno: ERR_FAILED_WHEN_INSERT,
            sqlstate: "HY000".to_string(),
            message: format!(
                "Insert has filtered data in strict mode, tracking_url={}",
                resp.error_log_url
            ),
        });
    }
    if resp.loaded_rows == 0 {
        // StarRocks aborts an empty load ("all partitions have no load data") and answers OK.
        abort("all partitions have no load data");
        return Ok(LoadOutcome {
            label: label.to_string(),
            txn_id,
            rows: 0,
            visible: false,
            empty: true,
        });
    }
    let visible = commit_staged_and_wait(
        ctx,
        table.id,
        &table.name,
        txn_id,
        &resp.tablet_commit_infos,
        VISIBLE_WAIT,
        abort,
    )
    .await?;
    Ok(LoadOutcome {
        label: label.to_string(),
        txn_id,
        rows: resp.loaded_rows as u64,
        visible,
        empty: false,
    })
}

/// Commits a statement's transaction whose rows the BEs staged (`infos`) and waits for it to
/// become VISIBLE for at most `wait` (read-your-writes; false: answered COMMITTED). Each touched tablet needs a
/// quorum of its replicas staged, as StarRocks requires; otherwise, or when the commit fails,
/// `abort` is called with the reason and StarRocks's error is returned. Shared by INSERT /
/// DELETE and REPLAY ROUTINE LOAD REJECTED.
pub async fn commit_staged_and_wait(
    ctx: &FeContext,
    table_id: i64,
    table_name: &str,
    txn_id: i64,
    infos: &[starload_proto::fe::TabletCommitInfo],
    wait: Duration,
    abort: impl Fn(&str),
) -> SqlResult<bool> {
    // The table as it is now: partitions may have been added since the load was planned.
    let current = ctx
        .catalog
        .get_table_by_id(table_id)
        .ok_or_else(|| SqlError::bad_table(table_name))?;
    let (staged, touched) = touched_partitions(&current, infos);
    let bad = quorum_failures(&touched, &staged);
    if !bad.is_empty() || touched.is_empty() {
        let msg = format!(
            "Failed to commit txn {txn_id}. Tablet [{}] success replica num is less than quorum replica num",
            bad.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        );
        abort(&msg);
        return Err(SqlError::plain(msg));
    }
    let pids: Vec<i64> = touched.keys().copied().collect();
    let staged_replicas: Vec<(i64, Vec<i64>)> = staged
        .iter()
        .map(|(t, bes)| (*t, bes.iter().copied().collect()))
        .collect();
    if let Err(e) = ctx
        .txn
        .commit(&ctx.catalog, txn_id, &pids, staged_replicas, |_, _| Ok(()))
    {
        abort(&e.to_string());
        return Err(SqlError::plain(format!("commit failed: {e}")));
    }
    Ok(wait_visible(ctx, txn_id, wait).await)
}

/// Polls until `txn_id` is VISIBLE; false when `wait` ran out first.
pub async fn wait_visible(ctx: &FeContext, txn_id: i64, wait: Duration) -> bool {
    let start = Instant::now();
    loop {
        if ctx
            .txn
            .get(txn_id)
            .is_some_and(|t| t.status == TxnStatus::VISIBLE)
        {
            return true;
        }
        if start.elapsed() >= wait {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
