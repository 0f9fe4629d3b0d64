//! `information_schema.statistics` (StarRocks 3.4 `StatisticsSystemTable`): MySQL's index
//! listing. StarRocks tables have no MySQL-style indexes and its BE answers the table with no
//! rows; starload does the same. JDBC drivers read it for `DatabaseMetaData.getPrimaryKeys`
//! and `getIndexInfo` (MariaDB Connector/J joins it), so it must exist with its columns.

use super::cells::{bigint, schema_of, varchar};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("TABLE_CATALOG"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        bigint("NON_UNIQUE"),
        varchar("INDEX_SCHEMA"),
        varchar("INDEX_NAME"),
        bigint("SEQ_IN_INDEX"),
        varchar("COLUMN_NAME"),
        varchar("COLLATION"),
        bigint("CARDINALITY"),
        bigint("SUB_PART"),
        varchar("PACKED"),
        varchar("NULLABLE"),
        varchar("INDEX_TYPE"),
        varchar("COMMENT"),
        varchar("INDEX_COMMENT"),
    ])
}
