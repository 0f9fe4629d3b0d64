//! `information_schema.routine_load_rejected_rows` (starload; issue 17): every row a routine
//! load job filtered in a committed transaction, from the rejected-row ledgers the BEs keep
//! (`be/src/load/rejected_ledger.rs`, read with `ListRejectedRows`). Only jobs on tables the
//! user may INSERT into are listed (as SHOW ROUTINE LOAD and routine_load_jobs filter).
//!
//! In information_schema rather than a `sys` database: it sits beside `routine_load_jobs` and
//! `load_tracking_logs`, which it complements (same privilege rule, same join key `JOB_ID`),
//! and StarRocks's `sys` database holds grants and privileges, not load state.
//!
//! RAW_MESSAGE is the row's bytes as text (invalid UTF-8 replaced); RAW_MESSAGE_HEX the exact
//! bytes. MESSAGE_TIMESTAMP_MS is Kafka's timestamp (NULL when the broker sent none).

use super::cells::{bigint, datetime, int, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("JOB_ID"),
        varchar("JOB_NAME"),
        varchar("DB_NAME"),
        varchar("TABLE_NAME"),
        varchar("LABEL"),
        bigint("TXN_ID"),
        bigint("BE_ID"),
        varchar("KAFKA_TOPIC"),
        int("KAFKA_PARTITION"),
        bigint("KAFKA_OFFSET"),
        int("ROW_POSITION"),
        int("ROW_ORDINAL"),
        bigint("MESSAGE_TIMESTAMP_MS"),
        varchar("REASON"),
        varchar("RAW_MESSAGE"),
        varchar("RAW_MESSAGE_HEX"),
        datetime("RECORDED_TIME"),
    ])
}

pub async fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .rejected_rows()
        .await
        .into_iter()
        .map(|r| {
            let hex: String = r.raw.iter().map(|b| format!("{b:02x}")).collect();
            vec![
                Value::Int(r.job_id),
                Value::Str(r.job_name),
                Value::Str(r.db),
                Value::Str(r.table),
                Value::Str(r.label),
                Value::Int(r.txn_id),
                Value::Int(r.be_id),
                Value::Str(r.topic),
                Value::Int(r.partition as i64),
                Value::Int(r.offset),
                Value::Int(r.row_position as i64),
                Value::Int(r.row_ordinal as i64),
                if r.timestamp_ms < 0 {
                    Value::Null
                } else {
                    Value::Int(r.timestamp_ms)
                },
                Value::Str(r.reason),
                Value::Str(String::from_utf8_lossy(&r.raw).into_owned()),
                Value::Str(hex),
                Value::Time(r.recorded_ms / 1000),
            ]
        })
        .collect()
}
