//! The rows of one INSERT / DELETE statement (`BackendService.LoadRows`): the FE's query engine
//! evaluated them to text; here they take the same path as a routine load batch (StarRocks
//! runs INSERT through the same OlapTableSink): conversion to the column types (strict mode:
//! a value that does not convert is an error row), NOT NULL checks, partition routing (rows in
//! no partition are error rows; expression partitions are created on the fly) and the tablet
//! sink to every replica, staged under the statement's transaction. The FE decides the
//! transaction's fate from the answer (commit, or abort when rows were filtered in strict
//! mode).

use super::decode::{MessageChunk, MessageMeta, RowOrigin, SourceBatch};
use super::error::LoadError;
use super::error_rows::{self, ErrorRows};
use super::sink::{PartitionCreator, TabletSink};
use super::task::{error_log_url_on, FePartitionCreator};
use super::transform::LoadPlan;
use crate::config::BeConfig;
use crate::storage::{TabletStore, WriteOptions};
use arrow::array::{Array, RecordBatch, StringArray};
use starload_proto::be::{ColumnMapping, LoadRowsRequest, LoadRowsResponse};
use starload_proto::types::Status;
use std::sync::Arc;

/// Decodes the request's Arrow IPC stream into text columns.
fn text_columns(req: &LoadRowsRequest) -> Result<Vec<StringArray>, LoadError> {
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(&req.arrow_ipc), None)?;
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); req.columns.len()];
    for b in &batches {
        for (i, col) in cols.iter_mut().enumerate() {
            let Some(a) = b.columns().get(i) else {
                continue;
            };
            let a = arrow::compute::cast(a, &arrow::datatypes::DataType::Utf8)?;
            let s = a
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or(LoadError::NoSchema)?;
            col.extend((0..s.len()).map(|r| (!s.is_null(r)).then(|| s.value(r).to_string())));
        }
    }
    Ok(cols.into_iter().map(StringArray::from).collect())
}

/// The rows as one chunk of text lines (`v1\tv2...`, `\N` for NULL): what an error-log line
/// shows as the row, as StarRocks's INSERT error log shows the row's values.
fn row_chunk(cols: &[StringArray]) -> (MessageChunk, Vec<RowOrigin>) {
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
    let mut data = Vec::new();
    let mut msgs = Vec::with_capacity(n);
    let mut origins = Vec::with_capacity(n);
    for r in 0..n {
        let start = data.len() as u32;
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                data.push(b'\t');
            }
            if c.is_null(r) {
                data.extend_from_slice(b"\\N");
            } else {
                data.extend_from_slice(c.value(r).as_bytes());
            }
        }
        let end = data.len() as u32;
        msgs.push(MessageMeta {
            partition: 0,
            offset: r as i64,
            timestamp_ms: -1,
            start,
            len: end - start,
        });
        origins.push(RowOrigin { start, end });
    }
    (
        MessageChunk {
            data,
            msgs,
            ..Default::default()
        },
        origins,
    )
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Stages the request's rows; the answer carries the counters, the replicas that staged each
/// tablet and the error log of filtered rows.
pub fn load_rows(
    config: &BeConfig,
    store: &Arc<TabletStore>,
    rt: &tokio::runtime::Handle,
    req: &LoadRowsRequest,
) -> LoadRowsResponse {
    let mut resp = LoadRowsResponse {
        status: Some(Status::ok()),
        ..Default::default()
    };
    let mut sink: Option<TabletSink> = None;
    let result = (|| -> Result<ErrorRows, LoadError> {
        let schema = req.schema.clone().ok_or(LoadError::NoSchema)?;
        let mapping: Vec<ColumnMapping> = req
            .columns
            .iter()
            .map(|c| ColumnMapping {
                name: c.clone(),
                expr_sql: String::new(),
            })
            .collect();
        let plan = LoadPlan::new(
            &schema,
            &mapping,
            "",
            req.strict_mode,
            &req.timezone,
            now_secs(),
        )?;
        let cols = text_columns(req)?;
        let (chunk, origins) = row_chunk(&cols);
        let backend = req.backend.clone().unwrap_or_default();
        let creator: Option<Box<dyn PartitionCreator>> =
            req.partitions.as_ref().filter(|p| p.automatic).map(|_| {
                Box::new(FePartitionCreator::new(
                    format!("http://{}:{}", req.fe_host, req.fe_rpc_port),
                    config.cluster_token.clone(),
                    req.db_id,
                    req.table_id,
                    req.txn_id,
                    rt.clone(),
                )) as Box<dyn PartitionCreator>
            });
        let s = sink.insert(TabletSink::new(
            req.txn_id,
            schema,
            &req.tablets,
            req.partitions.as_ref(),
            creator,
            backend.backend_id,
            store.clone(),
            WriteOptions::default(),
            config.cluster_token.clone(),
            rt.clone(),
        )?);
        let mut errors = ErrorRows::new(0);
        errors.total = origins.len() as u64;
        let src = SourceBatch {
            columns: cols,
            origins,
        };
        let (batch, rows) = plan.apply_traced(&src, &chunk, &mut errors)?;
        for (r, reason) in s.write(&batch)? {
            let source_row = rows.as_ref().map(|v| v[r as usize]).unwrap_or(r) as usize;
            let o = src.origins[source_row];
            errors.reject(&reason, &chunk.data[o.start as usize..o.end as usize]);
        }
        let empty = RecordBatch::new_empty(plan.output_schema());
        s.close(&empty)?;
        Ok(errors)
    })();
    match result {
        Ok(errors) => {
            resp.total_rows = errors.total as i64;
            resp.loaded_rows = errors.loaded() as i64;
            resp.filtered_rows = errors.filtered as i64;
            if errors.filtered > 0 {
                let backend = req.backend.clone().unwrap_or_default();
                // The label's random part (`insert_<uuid>`) names the file, so the open
                // error-log endpoint serves it only to whoever was told the URL.
                let id = req.label.rsplit('_').next().unwrap_or(&req.label);
                let file = error_rows::error_log_file_name(id);
                if let Ok(Some(f)) = errors.write_log(&config.error_log_dir(), &file) {
                    resp.error_log_url = error_log_url_on(config, &backend, &f);
                }
            }
            if let Some(s) = &sink {
                resp.tablet_commit_infos = s.commit_infos();
            }
        }
        Err(e) => {
            if let Some(s) = &sink {
                s.abort_local();
            }
            tracing::warn!(txn = req.txn_id, error = %e, "Loading an INSERT's rows failed.");
            resp.status = Some(e.to_status());
        }
    }
    resp
}
