//! `information_schema.partitions_meta` (StarRocks 3.x `PartitionsMetaSystemTable`, filled by
//! `InformationSchemaDataSource.genPartitionMetaInfo`): one row per partition, temporary ones
//! included, from [`CatalogSource::partitions_meta`].
//!
//! Shared-nothing values as StarRocks sets them: COMPACT_VERSION, the compaction scores and
//! STORAGE_PATH are only filled for cloud-native tables (0, 0.0 and ''); DATA_VERSION is the
//! visible version, VERSION_TXN_TYPE `TXN_NORMAL`. VERSION_EPOCH (a per-partition random
//! epoch in StarRocks) is 0 here: starload has no epoch.

use crate::query::source::{CatalogSource, PartitionMeta};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::error::Result as DfResult;
use std::sync::Arc;

pub fn schema() -> SchemaRef {
    let v = |n: &str| Field::new(n, DataType::Utf8, true);
    let big = |n: &str| Field::new(n, DataType::Int64, true);
    let int = |n: &str| Field::new(n, DataType::Int32, true);
    let dt = |n: &str| Field::new(n, DataType::Timestamp(TimeUnit::Microsecond, None), true);
    let b = |n: &str| Field::new(n, DataType::Boolean, true);
    let d = |n: &str| Field::new(n, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        v("DB_NAME"),
        v("TABLE_NAME"),
        v("PARTITION_NAME"),
        big("PARTITION_ID"),
        big("COMPACT_VERSION"),
        big("VISIBLE_VERSION"),
        dt("VISIBLE_VERSION_TIME"),
        big("NEXT_VERSION"),
        big("DATA_VERSION"),
        big("VERSION_EPOCH"),
        v("VERSION_TXN_TYPE"),
        v("PARTITION_KEY"),
        v("PARTITION_VALUE"),
        v("DISTRIBUTION_KEY"),
        int("BUCKETS"),
        int("REPLICATION_NUM"),
        v("STORAGE_MEDIUM"),
        dt("COOLDOWN_TIME"),
        dt("LAST_CONSISTENCY_CHECK_TIME"),
        b("IS_IN_MEMORY"),
        b("IS_TEMP"),
        v("DATA_SIZE"),
        big("ROW_COUNT"),
        b("ENABLE_DATACACHE"),
        d("AVG_CS"),
        d("P50_CS"),
        d("MAX_CS"),
        v("STORAGE_PATH"),
    ]))
}

/// Builds the table's one batch.
pub fn build(
    catalog: &dyn CatalogSource,
    local_micros: &dyn Fn(i64) -> Option<i64>,
) -> DfResult<(SchemaRef, RecordBatch)> {
    let rows: Vec<PartitionMeta> = catalog.partitions_meta();
    let n = rows.len();
    let text = |f: &dyn Fn(&PartitionMeta) -> &str| {
        let mut b = StringBuilder::with_capacity(n, n * 16);
        for r in &rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let big = |f: &dyn Fn(&PartitionMeta) -> i64| {
        let mut b = Int64Builder::with_capacity(n);
        for r in &rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let int = |f: &dyn Fn(&PartitionMeta) -> i64| {
        let mut b = Int32Builder::with_capacity(n);
        for r in &rows {
            b.append_value(f(r) as i32);
        }
        Arc::new(b.finish()) as ArrayRef
    };
    // Seconds -> DATETIME in the FE's zone; 0 (never) is NULL.
    let time = |f: &dyn Fn(&PartitionMeta) -> i64| {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n);
        for r in &rows {
            b.append_option(Some(f(r)).filter(|s| *s > 0).and_then(local_micros));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let boolean = |f: &dyn Fn(&PartitionMeta) -> bool| {
        let mut b = BooleanBuilder::with_capacity(n);
        for r in &rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let zero = || {
        let mut b = Float64Builder::with_capacity(n);
        for _ in &rows {
            b.append_value(0.0);
        }
        Arc::new(b.finish()) as ArrayRef
    };
    let columns: Vec<ArrayRef> = vec![
        text(&|r| &r.db),
        text(&|r| &r.table),
        text(&|r| &r.partition_name),
        big(&|r| r.partition_id),
        big(&|_| 0),
        big(&|r| r.visible_version),
        time(&|r| r.visible_version_time_s),
        big(&|r| r.next_version),
        big(&|r| r.visible_version),
        big(&|_| 0),
        text(&|_| "TXN_NORMAL"),
        text(&|r| &r.partition_key),
        text(&|r| &r.partition_value),
        text(&|r| &r.distribution_key),
        int(&|r| r.buckets),
        int(&|r| r.replication_num),
        text(&|r| &r.storage_medium),
        time(&|r| r.cooldown_time_s),
        time(&|_| 0),
        boolean(&|r| r.is_in_memory),
        boolean(&|r| r.is_temp),
        text(&|r| &r.data_size),
        big(&|r| r.row_count),
        boolean(&|_| false),
        zero(),
        zero(),
        zero(),
        text(&|_| ""),
    ];
    let schema = schema();
    Ok((schema.clone(), RecordBatch::try_new(schema, columns)?))
}
