//! `information_schema.routine_load_jobs` (StarRocks 3.4 `RoutineLoadJobsSystemTable`, filled
//! from `RoutineLoadJob.toThrift`): one row per job the user may see, finished jobs included,
//! with the texts SHOW ROUTINE LOAD prints; times are DATETIMEs in the FE's zone (the thrift
//! call has no session).

use super::cells::{bigint, datetime, json, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("ID"),
        varchar("NAME"),
        datetime("CREATE_TIME"),
        datetime("PAUSE_TIME"),
        datetime("END_TIME"),
        varchar("DB_NAME"),
        varchar("TABLE_NAME"),
        varchar("STATE"),
        varchar("DATA_SOURCE_TYPE"),
        bigint("CURRENT_TASK_NUM"),
        varchar("JOB_PROPERTIES"),
        varchar("DATA_SOURCE_PROPERTIES"),
        varchar("CUSTOM_PROPERTIES"),
        varchar("STATISTICS"),
        varchar("PROGRESS"),
        varchar("TIMESTAMP_PROGRESS"),
        varchar("REASONS_OF_STATE_CHANGED"),
        varchar("ERROR_LOG_URLS"),
        varchar("TRACKING_SQL"),
        varchar("OTHER_MSG"),
        json("LATEST_SOURCE_POSITION"),
        json("OFFSET_LAG"),
    ])
}

pub fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .routine_load_jobs()
        .into_iter()
        .map(|j| {
            vec![
                Value::Int(j.id),
                Value::Str(j.name),
                Value::Time(j.create_ms / 1000),
                Value::Time(j.pause_ms / 1000),
                Value::Time(j.end_ms / 1000),
                Value::Str(j.db),
                Value::Str(j.table),
                Value::Str(j.state),
                Value::Str(j.data_source_type),
                Value::Int(j.current_task_num),
                Value::Str(j.job_properties),
                Value::Str(j.data_source_properties),
                Value::Str(j.custom_properties),
                Value::Str(j.statistics),
                Value::Str(j.progress),
                Value::Str(j.timestamp_progress),
                Value::Str(j.reasons_of_state_changed),
                Value::Str(j.error_log_urls),
                Value::Str(j.tracking_sql),
                Value::Str(j.other_msg),
                Value::Str(j.latest_source_position),
                Value::Str(j.offset_lag),
            ]
        })
        .collect()
}
