//! `information_schema.routine_load_lag` (starload's own, issue 16; StarRocks has no such
//! table): one row per partition of every unfinished routine load job the user may see, with
//! the values SHOW ROUTINE LOAD LAG prints (`routine_load::lag`), typed.

use super::cells::{bigint, double, int, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("JOB_ID"),
        varchar("JOB_NAME"),
        varchar("DB_NAME"),
        varchar("STATE"),
        int("PARTITION"),
        bigint("COMMITTED_OFFSET"),
        bigint("LAST_STABLE_OFFSET"),
        bigint("HIGH_WATERMARK"),
        bigint("OFFSET_LAG"),
        double("TIME_LAG_SECONDS"),
        varchar("STATUS"),
        bigint("LOG_START_OFFSET"),
        bigint("RETENTION_HORIZON_SECONDS"),
    ])
}

fn num(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Int)
}

pub fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .routine_load_lag()
        .into_iter()
        .map(|r| {
            vec![
                Value::Int(r.job_id),
                Value::Str(r.job_name),
                Value::Str(r.db),
                Value::Str(r.state),
                Value::Int(i64::from(r.partition)),
                num(r.committed_offset),
                num(r.last_stable_offset),
                num(r.high_watermark),
                num(r.offset_lag),
                r.time_lag_ms
                    .map_or(Value::Null, |ms| Value::Double(ms as f64 / 1000.0)),
                Value::Str(r.status),
                num(r.log_start_offset),
                num(r.retention_horizon_s),
            ]
        })
        .collect()
}
