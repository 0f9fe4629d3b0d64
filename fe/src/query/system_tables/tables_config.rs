//! `information_schema.tables_config` (StarRocks `TablesConfigSystemTable`, filled by
//! `InformationSchemaDataSource.generateTablesConfigResponse`): one row per table the user
//! holds any privilege on. The StarRocks SQLAlchemy dialect reads it for every column
//! reflection (`WHERE table_schema = ? AND table_name = ?`) and parses PROPERTIES as JSON.

use super::cells::{bigint, int, schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("TABLE_ENGINE"),
        varchar("TABLE_MODEL"),
        varchar("PRIMARY_KEY"),
        varchar("PARTITION_KEY"),
        varchar("DISTRIBUTE_KEY"),
        varchar("DISTRIBUTE_TYPE"),
        int("DISTRIBUTE_BUCKET"),
        varchar("SORT_KEY"),
        varchar("PROPERTIES"),
        bigint("TABLE_ID"),
    ])
}

pub fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .tables_config()
        .into_iter()
        .map(|t| {
            vec![
                Value::Str(t.db),
                Value::Str(t.table),
                Value::Str(t.engine),
                Value::Str(t.model),
                Value::Str(t.primary_key),
                Value::Str(t.partition_key),
                Value::Str(t.distribute_key),
                Value::Str(t.distribute_type),
                Value::Int(t.distribute_bucket),
                Value::Str(t.sort_key),
                Value::Str(t.properties),
                Value::Int(t.table_id),
            ]
        })
        .collect()
}
