//! `information_schema.be_configs` (StarRocks `BeConfigsSystemTable`): every configuration key
//! of every BE that answers `BackendService.GetConfigs`.

use super::cells::{bigint, boolean, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("BE_ID"),
        varchar("NAME"),
        varchar("VALUE"),
        varchar("TYPE"),
        varchar("DEFAULT"),
        boolean("MUTABLE"),
    ])
}

pub async fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .backend_configs()
        .await
        .into_iter()
        .map(|c| {
            vec![
                Value::Int(c.be_id),
                Value::Str(c.name),
                Value::Str(c.value),
                Value::Str(c.kind),
                Value::Str(c.default_value),
                Value::Bool(c.mutable),
            ]
        })
        .collect()
}
