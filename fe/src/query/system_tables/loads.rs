//! `information_schema.loads` (StarRocks 3.1-3.4 `LoadsSystemTable`, filled from
//! `LoadJob.toThrift`): one row per load job of every database, from
//! [`CatalogSource::load_jobs`], in job id order. Cells as `toThrift` sets them: ETL_INFO is
//! empty, ERROR_MSG / TRACKING_URL / TRACKING_SQL are NULL unless the job has them, times are
//! DATETIMEs in the FE's zone (the thrift call has no session), REJECTED_RECORD_PATH is NULL
//! (starload keeps rejected rows only in the BE's error log).

use crate::load_job::show::{job_details, task_info, tracking_sql, PRIORITY};
use crate::load_job::DbLoadJob;
use crate::query::source::CatalogSource;
use datafusion::arrow::array::{
    ArrayRef, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::error::Result as DfResult;
use std::sync::Arc;

pub fn schema() -> SchemaRef {
    let v = |n: &str| Field::new(n, DataType::Utf8, true);
    let big = |n: &str| Field::new(n, DataType::Int64, true);
    let dt = |n: &str| Field::new(n, DataType::Timestamp(TimeUnit::Microsecond, None), true);
    Arc::new(Schema::new(vec![
        big("JOB_ID"),
        v("LABEL"),
        v("DATABASE_NAME"),
        v("STATE"),
        v("PROGRESS"),
        v("TYPE"),
        v("PRIORITY"),
        big("SCAN_ROWS"),
        big("FILTERED_ROWS"),
        big("UNSELECTED_ROWS"),
        big("SINK_ROWS"),
        v("ETL_INFO"),
        v("TASK_INFO"),
        dt("CREATE_TIME"),
        dt("ETL_START_TIME"),
        dt("ETL_FINISH_TIME"),
        dt("LOAD_START_TIME"),
        dt("LOAD_FINISH_TIME"),
        v("JOB_DETAILS"),
        v("ERROR_MSG"),
        v("TRACKING_URL"),
        v("TRACKING_SQL"),
        v("REJECTED_RECORD_PATH"),
    ]))
}

/// Builds the table's one batch; `local_micros` turns seconds into a DATETIME in the FE's
/// zone.
pub fn build(
    catalog: &dyn CatalogSource,
    local_micros: &dyn Fn(i64) -> Option<i64>,
) -> DfResult<(SchemaRef, RecordBatch)> {
    let rows: Vec<DbLoadJob> = catalog.load_jobs();
    let n = rows.len();
    let text = |f: &dyn Fn(&DbLoadJob) -> Option<String>| {
        let mut b = StringBuilder::with_capacity(n, n * 16);
        for r in &rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let big = |f: &dyn Fn(&DbLoadJob) -> i64| {
        let mut b = Int64Builder::with_capacity(n);
        for r in &rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    // Milliseconds -> DATETIME in the FE's zone; unset (≤ 0) is NULL.
    let time = |f: &dyn Fn(&DbLoadJob) -> i64| {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n);
        for r in &rows {
            b.append_option(
                Some(f(r))
                    .filter(|ms| *ms > 0)
                    .and_then(|ms| local_micros(ms / 1000)),
            );
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let columns: Vec<ArrayRef> = vec![
        big(&|r| r.job.id),
        text(&|r| Some(r.job.label.clone())),
        text(&|r| Some(r.db.clone())),
        text(&|r| Some(r.job.state.name().to_string())),
        text(&|r| Some(r.job.progress().to_string())),
        text(&|r| Some(r.job.job_type.name().to_string())),
        text(&|_| Some(PRIORITY.to_string())),
        big(&|r| count(r.job.scan_rows)),
        big(&|r| count(r.job.filtered_rows)),
        big(&|r| count(r.job.unselected_rows)),
        big(&|r| count(r.job.sink_rows)),
        text(&|_| Some(String::new())),
        text(&|r| Some(task_info(&r.job))),
        time(&|r| r.job.create_ms),
        time(&|r| r.job.load_start_ms),
        time(&|r| r.job.load_start_ms),
        time(&|r| r.job.load_start_ms),
        time(&|r| r.job.finish_ms),
        text(&|r| Some(job_details(&r.job))),
        text(&|r| r.job.error_msg()),
        text(&|r| r.job.tracking_url.clone()),
        text(&|r| tracking_sql(&r.job)),
        text(&|_| None),
    ];
    let schema = schema();
    Ok((schema.clone(), RecordBatch::try_new(schema, columns)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_job::record::tests::sample;
    use crate::load_job::record::{CancelType, FailMsg, LoadJobState};
    use crate::query::source::TableSnapshot;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Int64Type, TimestampMicrosecondType};

    struct Jobs(Vec<DbLoadJob>);

    impl CatalogSource for Jobs {
        fn database_names(&self) -> Vec<String> {
            Vec::new()
        }
        fn database_exists(&self, _: &str) -> bool {
            false
        }
        fn table_names(&self, _: &str) -> Option<Vec<String>> {
            None
        }
        fn table(&self, _: &str, _: &str) -> Option<TableSnapshot> {
            None
        }
        fn load_jobs(&self) -> Vec<DbLoadJob> {
            self.0.clone()
        }
    }

    #[test]
    fn cells_as_to_thrift_sets_them() {
        let mut cancelled = sample();
        cancelled.id = 10300;
        cancelled.state = LoadJobState::CANCELLED;
        cancelled.tracking_url = Some("http://be:8040/api/_load_error_log?file=e".into());
        cancelled.fail_msg = Some(FailMsg {
            cancel_type: CancelType::LOAD_RUN_FAIL,
            msg: "Cancelled".into(),
        });
        let jobs = Jobs(vec![
            DbLoadJob {
                db: "load_test".into(),
                job: sample(),
            },
            DbLoadJob {
                db: "load_test".into(),
                job: cancelled,
            },
        ]);
        let (schema, batch) = build(&jobs, &|s| Some(s * 1_000_000)).unwrap();
        assert_eq!(schema.fields().len(), 23);
        let text = |name: &str, row: usize| {
            let c = batch
                .column(schema.index_of(name).unwrap())
                .as_string::<i32>();
            (!c.is_null(row)).then(|| c.value(row).to_string())
        };
        let ids = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!((ids.value(0), ids.value(1)), (10278, 10300));
        assert_eq!(text("DATABASE_NAME", 0).as_deref(), Some("load_test"));
        assert_eq!(text("ETL_INFO", 0).as_deref(), Some(""));
        assert_eq!(text("ERROR_MSG", 0), None);
        assert_eq!(text("TRACKING_URL", 0), None);
        assert_eq!(text("TRACKING_SQL", 0), None);
        assert_eq!(
            text("ERROR_MSG", 1).as_deref(),
            Some("type:LOAD_RUN_FAIL; msg:Cancelled")
        );
        assert_eq!(
            text("TRACKING_SQL", 1).as_deref(),
            Some(
                "select tracking_log from information_schema.load_tracking_logs where job_id=10300"
            )
        );
        assert_eq!(text("REJECTED_RECORD_PATH", 1), None);
        let created = batch
            .column(schema.index_of("CREATE_TIME").unwrap())
            .as_primitive::<TimestampMicrosecondType>();
        assert_eq!(created.value(0), 1_686_565_867_000_000);
    }
}
