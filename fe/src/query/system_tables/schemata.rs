//! `information_schema.schemata` (StarRocks `SchemataSystemTable`): every database the user may
//! see, information_schema included.

use super::cells::{schema_of, varchar, Value, INFORMATION_SCHEMA};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("CATALOG_NAME"),
        varchar("SCHEMA_NAME"),
        varchar("DEFAULT_CHARACTER_SET_NAME"),
        varchar("DEFAULT_COLLATION_NAME"),
        varchar("SQL_PATH"),
    ])
}

/// Every database the user may see plus information_schema, sorted.
pub fn databases(catalog: &dyn CatalogSource) -> Vec<String> {
    let mut dbs: Vec<String> = catalog
        .database_names()
        .into_iter()
        .filter(|d| catalog.can_see_db(d))
        .collect();
    dbs.push(INFORMATION_SCHEMA.to_string());
    dbs.sort();
    dbs.dedup();
    dbs
}

pub fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    databases(catalog)
        .into_iter()
        .map(|db| {
            vec![
                Value::str("def"),
                Value::Str(db),
                Value::str("utf8"),
                Value::str("utf8_general_ci"),
                Value::Null,
            ]
        })
        .collect()
}
