//! `information_schema.views` (StarRocks `ViewsSystemTable`). starload has no views: the table
//! answers with its columns and no rows.

use super::{schema_of, varchar};
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
