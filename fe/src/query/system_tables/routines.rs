//! `information_schema.routines` (StarRocks 3.4 `RoutinesSystemTable`). StarRocks has no stored
//! procedures or functions to list here and its BE answers the table with no rows; starload
//! does the same. Clients still read it (mycli's completion refresher lists functions from
//! it), so it must exist with its columns.

use super::cells::{datetime, schema_of, varchar};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("SPECIFIC_NAME"),
        varchar("ROUTINE_CATALOG"),
        varchar("ROUTINE_SCHEMA"),
        varchar("ROUTINE_NAME"),
        varchar("ROUTINE_TYPE"),
        varchar("DTD_IDENTIFIER"),
        varchar("ROUTINE_BODY"),
        varchar("ROUTINE_DEFINITION"),
        varchar("EXTERNAL_NAME"),
        varchar("EXTERNAL_LANGUAGE"),
        varchar("PARAMETER_STYLE"),
        varchar("IS_DETERMINISTIC"),
        varchar("SQL_DATA_ACCESS"),
        varchar("SQL_PATH"),
        varchar("SECURITY_TYPE"),
        datetime("CREATED"),
        datetime("LAST_ALTERED"),
        varchar("SQL_MODE"),
        varchar("ROUTINE_COMMENT"),
        varchar("DEFINER"),
        varchar("CHARACTER_SET_CLIENT"),
        varchar("COLLATION_CONNECTION"),
        varchar("DATABASE_COLLATION"),
    ])
}
