//! `information_schema.views` (StarRocks `ViewsSystemTable`, filled by
//! `InformationSchemaDataSource` / `ViewsScanner`): one row per view the user may see, by
//! schema then name. CHECK_OPTION is NONE and IS_UPDATABLE NO (StarRocks's views are
//! read-only); DEFINER and SECURITY_TYPE are empty, as StarRocks's scanner leaves them.

use super::cells::{schema_of, varchar, Value};
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("TABLE_CATALOG"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("VIEW_DEFINITION"),
        varchar("CHECK_OPTION"),
        varchar("IS_UPDATABLE"),
        varchar("DEFINER"),
        varchar("SECURITY_TYPE"),
        varchar("CHARACTER_SET_CLIENT"),
        varchar("COLLATION_CONNECTION"),
    ])
}

pub fn rows(catalog: &dyn CatalogSource) -> Vec<Vec<Value>> {
    catalog
        .visible_views()
        .into_iter()
        .map(|(db, v)| {
            vec![
                Value::str("def"),
                Value::str(db),
                Value::str(&v.name),
                Value::str(&v.query),
                Value::str("NONE"),
                Value::str("NO"),
                Value::str(""),
                Value::str(""),
                Value::str("utf8"),
                Value::str("utf8_general_ci"),
            ]
        })
        .collect()
}
