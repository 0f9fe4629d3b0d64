//! `information_schema.load_tracking_logs` (StarRocks 3.4 `LoadTrackingLogsSystemTable`, filled
//! by the BE's `SchemaLoadTrackingLogsScanner` from the FE's `getTrackingLoads`): one row per
//! load the user may see; TRACKING_LOG is the text of every error log the load's URLs name,
//! read from the BEs and joined by a newline (NULL when the load has none). This is what the
//! TrackingSQL of SHOW ROUTINE LOAD / SHOW LOAD selects. A log that cannot be read shows
//! `Failed to access <url> err: <why>` as StarRocks's scanner does.

use super::cells::{bigint, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("ID"),
        bigint("JOB_ID"),
        varchar("LABEL"),
        varchar("DATABASE_NAME"),
        varchar("TRACKING_LOG"),
        varchar("TYPE"),
    ])
}

pub async fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for load in catalog.tracking_loads() {
        let log = if load.urls.is_empty() {
            None
        } else {
            let mut texts = Vec::with_capacity(load.urls.len());
            for url in &load.urls {
                texts.push(match catalog.fetch_error_log(url).await {
                    Ok(text) => text.trim_end_matches('\n').to_string(),
                    Err(why) => format!("Failed to access {url} err: {why}"),
                });
            }
            Some(texts.join("\n"))
        };
        out.push(vec![
            Value::Int(load.id),
            Value::Int(load.id),
            Value::Str(load.label),
            Value::Str(load.db),
            Value::opt(log),
            Value::Str(load.load_type),
        ]);
    }
    out
}
