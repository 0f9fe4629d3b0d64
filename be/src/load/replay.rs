//! `REPLAY ROUTINE LOAD REJECTED` on a BE (issue 17): the FE sends the request a task of the
//! job would get now (its current COLUMNS, WHERE, properties and tablets, with the replay's own
//! transaction) and the ledger rows to replay; this BE runs each row's raw bytes through the
//! task's stages ([`LoadPipeline`]: decode, COLUMNS, WHERE, conversion, partition routing, the
//! tablet sink to every replica) and stages what loads under that transaction. The FE commits
//! it.
//!
//! Each ledger row is fed as a message of its own at its original partition, offset and
//! timestamp (so INCLUDE METADATA's PARTITION / OFFSET / TIMESTAMP_MS are the original's; KEY
//! and HEADERS are not in the ledger and come out NULL). Its outcome:
//! - LOADED: at least one row it decodes to was written (a JSON array message whose other
//!   elements are rejected again still counts as loaded, so a second REPLAY never writes its
//!   good elements twice);
//! - REJECTED: rejected again (decode, conversion, NOT NULL, no partition);
//! - UNSELECTED: the job's WHERE drops it.

use crate::config::BeConfig;
use crate::load::decode::MessageChunk;
use crate::load::error::LoadError;
use crate::load::task::LoadPipeline;
use crate::storage::TabletStore;
use arrow::array::RecordBatch;
use starload_proto::be::{ReplayOutcome, ReplayRejectedRowsRequest, ReplayRejectedRowsResponse};
use starload_proto::types::{Status, StatusCode};
use std::sync::Arc;

/// Rows written to the sink per batch.
const WRITE_ROWS: usize = 4096;

/// Runs a replay; failures are the response's status (the FE aborts the transaction).
pub fn run(
    config: &BeConfig,
    store: &Arc<TabletStore>,
    rt: &tokio::runtime::Handle,
    req: &ReplayRejectedRowsRequest,
) -> ReplayRejectedRowsResponse {
    match replay(config, store, rt, req) {
        Ok(r) => r,
        Err(e) => ReplayRejectedRowsResponse {
            status: Some(e.to_status()),
            ..Default::default()
        },
    }
}

fn replay(
    config: &BeConfig,
    store: &Arc<TabletStore>,
    rt: &tokio::runtime::Handle,
    req: &ReplayRejectedRowsRequest,
) -> Result<ReplayRejectedRowsResponse, LoadError> {
    let Some(task) = req.task.as_ref().filter(|t| t.schema.is_some()) else {
        return Ok(ReplayRejectedRowsResponse {
            status: Some(Status::err(
                StatusCode::InvalidArgument,
                "invalid replay: the task is required",
            )),
            ..Default::default()
        });
    };
    let backend_id = task.backend.as_ref().map_or(0, |b| b.backend_id);
    let mut pipe = LoadPipeline::new(
        task,
        backend_id,
        store.clone(),
        rt.clone(),
        &config.cluster_token,
    )?;
    // Remote replicas are written through gRPC clients that need the runtime's reactor.
    let _rt = rt.enter();
    let result = feed(&mut pipe, req);
    match result {
        Ok(mut resp) => {
            if let Err(e) = pipe.finish() {
                pipe.sink.abort_local();
                return Err(e);
            }
            resp.tablet_commit_infos = pipe.sink.commit_infos();
            resp.status = Some(Status::ok());
            Ok(resp)
        }
        Err(e) => {
            pipe.sink.abort_local();
            Err(e)
        }
    }
}

/// Decodes and transforms row by row (to know each row's outcome), writes in batches.
fn feed(
    pipe: &mut LoadPipeline,
    req: &ReplayRejectedRowsRequest,
) -> Result<ReplayRejectedRowsResponse, LoadError> {
    let mut outcomes = vec![ReplayOutcome::Unselected; req.rows.len()];
    // Output rows written per request row (a JSON array message may decode to several).
    let mut written = vec![0usize; req.rows.len()];
    let mut pending: Vec<RecordBatch> = Vec::new();
    // The request row of each pending output row.
    let mut owner: Vec<usize> = Vec::new();
    let mut loaded = 0i64;
    for (i, row) in req.rows.iter().enumerate() {
        let mut chunk = MessageChunk::default();
        chunk.push(row.partition, row.offset, row.timestamp_ms, &row.raw);
        let filtered_before = pipe.errors.filtered;
        let (batch, _, _) = pipe.prepare(&chunk)?;
        if batch.num_rows() > 0 {
            owner.extend(std::iter::repeat_n(i, batch.num_rows()));
            written[i] += batch.num_rows();
            outcomes[i] = ReplayOutcome::Loaded;
            pending.push(batch);
        } else if pipe.errors.filtered > filtered_before {
            outcomes[i] = ReplayOutcome::Rejected;
        }
        if owner.len() >= WRITE_ROWS || i + 1 == req.rows.len() {
            loaded += write(
                pipe,
                req,
                &mut pending,
                &mut owner,
                &mut written,
                &mut outcomes,
            )?;
        }
    }
    Ok(ReplayRejectedRowsResponse {
        status: None,
        outcomes: outcomes.iter().map(|o| *o as i32).collect(),
        loaded_rows: loaded,
        filtered_rows: pipe.errors.filtered as i64,
        unselected_rows: pipe.errors.unselected as i64,
        tablet_commit_infos: Vec::new(),
    })
}

/// Writes the pending batches; rows no partition holds are rejected (their request row is
/// REJECTED once none of its rows was written). Returns the rows written.
fn write(
    pipe: &mut LoadPipeline,
    req: &ReplayRejectedRowsRequest,
    pending: &mut Vec<RecordBatch>,
    owner: &mut Vec<usize>,
    written: &mut [usize],
    outcomes: &mut [ReplayOutcome],
) -> Result<i64, LoadError> {
    if pending.is_empty() {
        return Ok(0);
    }
    let schema = pipe.plan.output_schema();
    let batch = arrow::compute::concat_batches(&schema, pending.iter())?;
    pending.clear();
    let unrouted = pipe.sink.write(&batch)?;
    let mut loaded = batch.num_rows() as i64 - unrouted.len() as i64;
    for (r, reason) in unrouted {
        let i = owner[r as usize];
        pipe.errors.reject(&reason, &req.rows[i].raw);
        written[i] -= 1;
        if written[i] == 0 {
            outcomes[i] = ReplayOutcome::Rejected;
        }
    }
    owner.clear();
    loaded = loaded.max(0);
    Ok(loaded)
}
