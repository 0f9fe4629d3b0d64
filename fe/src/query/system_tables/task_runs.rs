//! `information_schema.task_runs` (StarRocks 3.4 `TaskRunsSystemTable`; later releases add
//! WAREHOUSE and TASK_SOURCE). starload has no task manager (SUBMIT TASK, materialized view
//! refresh): columns only, no rows.

use super::cells::{bigint, datetime, schema_of, varchar};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("QUERY_ID"),
        varchar("TASK_NAME"),
        datetime("CREATE_TIME"),
        datetime("FINISH_TIME"),
        varchar("STATE"),
        varchar("CATALOG"),
        varchar("DATABASE"),
        varchar("DEFINITION"),
        datetime("EXPIRE_TIME"),
        bigint("ERROR_CODE"),
        varchar("ERROR_MESSAGE"),
        varchar("PROGRESS"),
        varchar("EXTRA_MESSAGE"),
        varchar("PROPERTIES"),
        varchar("JOB_ID"),
        datetime("PROCESS_TIME"),
    ])
}
