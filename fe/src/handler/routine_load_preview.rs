//! `PREVIEW ROUTINE LOAD <CREATE body> [LIMIT n]` (issue 16 item 3): a dry run of a job that
//! does not exist yet.
//!
//! - The statement is analysed by CREATE ROUTINE LOAD's own analysis
//!   (`routine_load::analyze_create`), so its errors are CREATE's, in CREATE's order; nothing
//!   is written (no job id is taken, no job, no transaction).
//! - The start offsets are the job's: `kafka_partitions` / `kafka_offsets` (datetimes
//!   resolved), else every partition of the topic at `kafka_default_offsets` (default
//!   OFFSET_END), OFFSET_BEGINNING / OFFSET_END resolved to the watermarks as the scheduler
//!   does. An unreachable broker or a missing topic fails here, within
//!   `routine_load_kafka_timeout_second`.
//! - One alive BE runs the request a task of the job would get (`scheduler::build_request`,
//!   txn -1) through `PreviewRoutineLoad`: it reads at most n messages with a consumer of its
//!   own (no offset commit) and runs the task's decode, COLUMNS, WHERE, conversion and
//!   partition routing (`be/src/load/preview.rs`), so every outcome is what a load would do.
//!   The call is bounded by the job's task timeout.
//! - The answer has one row per source row in (partition, offset) order: `Partition`,
//!   `Offset`, `Result` (LOADED, REJECTED or UNSELECTED), `ErrorMsg` (StarRocks's text for a
//!   rejected row), `RawData` (the row's bytes as the message carried them), then the table's
//!   columns with the values a load would write (NULL for rows not loaded).

use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::query::format;
use crate::result::{ColumnKind, QueryResult, ResultColumn, ResultSet};
use crate::routine_load::job::RoutineLoadJob;
use crate::routine_load::kafka_meta;
use crate::routine_load::scheduler::{build_request, resolve_start_offsets, source_of};
use crate::routine_load::task::RoutineLoadTask;
use crate::session::Session;
use crate::sql::routine_load::CreateRoutineLoad;
use datafusion::arrow::ipc::reader::StreamReader;
use starload_proto::be::{PreviewOutcome, PreviewRoutineLoadRequest};
use std::time::Duration;

/// The columns before the table's.
pub const PREVIEW_TITLES: [&str; 5] = ["Partition", "Offset", "Result", "ErrorMsg", "RawData"];

pub async fn preview(
    ctx: &FeContext,
    session: &Session,
    create: CreateRoutineLoad,
    limit: u64,
) -> SqlResult<QueryResult> {
    let cfg = ctx.config.get();
    let job = super::routine_load::analyze_create(ctx, session, &create).await?;
    let kafka_timeout = Duration::from_secs(cfg.routine_load_kafka_timeout_second.max(1) as u64);
    let offsets = start_offsets(&job, kafka_timeout)
        .await
        .map_err(SqlError::plain)?;
    // The least busy alive BE, as the scheduler would pick for a new task.
    let be_id = ctx
        .routine_load
        .least_busy_backend(ctx.cluster.alive_backend_ids())
        .ok_or_else(|| SqlError::plain("No alive backend to run PREVIEW ROUTINE LOAD"))?;
    let now = now_ms();
    let mut task =
        RoutineLoadTask::new(job.id, offsets, now, now, job.props.task_timeout_second, -1);
    task.be_id = be_id;
    let rl = ctx.routine_load_context();
    let req = build_request(&rl, &cfg, &job, &task, -1, "")
        .map_err(|e| SqlError::plain(format!("failed to create task: {e}")))?;
    let timeout = Duration::from_secs(job.props.task_timeout_second.max(1) as u64);
    let resp = ctx
        .cluster
        .preview_routine_load(
            be_id,
            PreviewRoutineLoadRequest {
                cluster_token: String::new(),
                task: Some(req),
                limit: limit as i64,
            },
            timeout,
        )
        .await
        .map_err(|e| SqlError::plain(format!("PREVIEW ROUTINE LOAD failed: {e}")))?;
    if let Some(s) = resp.status.as_ref().filter(|s| !s.is_ok()) {
        return Err(SqlError::plain(s.message.clone()));
    }
    render(&resp).map(QueryResult::Rows)
}

/// Partition -> first offset a new job would read (`scheduler::prepare`'s resolution).
async fn start_offsets(job: &RoutineLoadJob, timeout: Duration) -> Result<Vec<(i32, i64)>, String> {
    let src = source_of(job);
    let fail = |e: String| {
        format!(
            "Failed to get all partitions of kafka topic: {} error: {e}",
            job.kafka.topic
        )
    };
    let explicit = job.kafka.explicit_partitions();
    let parts = if explicit.is_empty() {
        kafka_meta::partitions(&src, timeout).await.map_err(fail)?
    } else {
        explicit
    };
    resolve_start_offsets(job, &src, &parts, timeout)
        .await
        .map_err(fail)
}

fn outcome_name(o: i32) -> &'static str {
    match PreviewOutcome::try_from(o) {
        Ok(PreviewOutcome::Loaded) => "LOADED",
        Ok(PreviewOutcome::Rejected) => "REJECTED",
        Ok(PreviewOutcome::Unselected) => "UNSELECTED",
        _ => "UNKNOWN",
    }
}

/// The answer as a result set: the fixed columns, then the table's (typed as a SELECT would).
fn render(resp: &starload_proto::be::PreviewRoutineLoadResponse) -> SqlResult<ResultSet> {
    let reader = StreamReader::try_new(std::io::Cursor::new(&resp.arrow_ipc), None)
        .map_err(|e| SqlError::internal(format!("preview batch: {e}")))?;
    let schema = reader.schema();
    let mut values: Vec<Vec<Option<String>>> = Vec::new();
    for b in reader {
        let b = b.map_err(|e| SqlError::internal(format!("preview batch: {e}")))?;
        format::append_batch(&b, &mut values)?;
    }
    let mut columns = vec![
        ResultColumn::new(PREVIEW_TITLES[0], ColumnKind::Int),
        ResultColumn::new(PREVIEW_TITLES[1], ColumnKind::Bigint),
        ResultColumn::varchar(PREVIEW_TITLES[2]),
        ResultColumn::varchar(PREVIEW_TITLES[3]),
        ResultColumn::varchar(PREVIEW_TITLES[4]),
    ];
    let titles: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    columns.extend(format::result_columns(&schema, &titles));
    let width = schema.fields().len();
    let rows = resp
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Some(r.partition.to_string()),
                Some(r.offset.to_string()),
                Some(outcome_name(r.outcome).to_string()),
                (!r.reason.is_empty()).then(|| r.reason.clone()),
                Some(String::from_utf8_lossy(&r.raw).into_owned()),
            ];
            match usize::try_from(r.batch_row)
                .ok()
                .and_then(|i| values.get(i))
            {
                Some(v) => row.extend(v.iter().cloned()),
                None => row.extend(std::iter::repeat_n(None, width)),
            }
            row
        })
        .collect();
    Ok(ResultSet { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use starload_proto::be::{PreviewRoutineLoadResponse, PreviewRow};
    use std::sync::Arc;

    fn ipc(batch: &RecordBatch) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w =
            datafusion::arrow::ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema())
                .unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        buf
    }

    #[test]
    fn rows_carry_their_outcome_and_the_table_values() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int32, true),
            Field::new("v", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(vec![1])),
                Arc::new(StringArray::from(vec!["a"])),
            ],
        )
        .unwrap();
        let resp = PreviewRoutineLoadResponse {
            arrow_ipc: ipc(&batch),
            rows: vec![
                PreviewRow {
                    partition: 0,
                    offset: 4,
                    outcome: PreviewOutcome::Loaded as i32,
                    reason: String::new(),
                    raw: b"1,a".to_vec(),
                    batch_row: 0,
                },
                PreviewRow {
                    partition: 0,
                    offset: 5,
                    outcome: PreviewOutcome::Rejected as i32,
                    reason: "bad".into(),
                    raw: b"x,b".to_vec(),
                    batch_row: -1,
                },
            ],
            ..Default::default()
        };
        let rs = render(&resp).unwrap();
        let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Partition",
                "Offset",
                "Result",
                "ErrorMsg",
                "RawData",
                "k",
                "v"
            ]
        );
        assert_eq!(rs.columns[5].kind, ColumnKind::Int);
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rs.rows,
            vec![
                vec![s("0"), s("4"), s("LOADED"), None, s("1,a"), s("1"), s("a")],
                vec![
                    s("0"),
                    s("5"),
                    s("REJECTED"),
                    s("bad"),
                    s("x,b"),
                    None,
                    None
                ],
            ]
        );
    }
}
