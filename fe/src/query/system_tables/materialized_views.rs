//! `information_schema.materialized_views` (StarRocks 3.4 `MaterializedViewsSystemTable`, up to
//! LAST_REFRESH_JOB_ID; later releases append WAREHOUSE, REFRESH_MODE, ...). starload has no
//! materialized views: columns only, no rows.

use super::cells::{bigint, datetime, double, schema_of, varchar};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        bigint("MATERIALIZED_VIEW_ID"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("REFRESH_TYPE"),
        varchar("IS_ACTIVE"),
        varchar("INACTIVE_REASON"),
        varchar("PARTITION_TYPE"),
        bigint("TASK_ID"),
        varchar("TASK_NAME"),
        datetime("LAST_REFRESH_START_TIME"),
        datetime("LAST_REFRESH_FINISHED_TIME"),
        double("LAST_REFRESH_DURATION"),
        varchar("LAST_REFRESH_STATE"),
        varchar("LAST_REFRESH_FORCE_REFRESH"),
        varchar("LAST_REFRESH_START_PARTITION"),
        varchar("LAST_REFRESH_END_PARTITION"),
        varchar("LAST_REFRESH_BASE_REFRESH_PARTITIONS"),
        varchar("LAST_REFRESH_MV_REFRESH_PARTITIONS"),
        varchar("LAST_REFRESH_ERROR_CODE"),
        varchar("LAST_REFRESH_ERROR_MESSAGE"),
        bigint("TABLE_ROWS"),
        varchar("MATERIALIZED_VIEW_DEFINITION"),
        varchar("EXTRA_MESSAGE"),
        varchar("QUERY_REWRITE_STATUS"),
        varchar("CREATOR"),
        datetime("LAST_REFRESH_PROCESS_TIME"),
        varchar("LAST_REFRESH_JOB_ID"),
    ])
}
