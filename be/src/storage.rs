//! RocksDB tablets. `rocks.rs` is the only file that touches `rocksdb`; `keys.rs` documents
//! every key. Rows of a transaction are staged invisibly and become visible at publish.

use crate::error::BeError;
use arrow::record_batch::RecordBatch;
use starload_proto::types::TabletSchema;
use std::path::Path;

/// How one staged batch is applied (PRIMARY/UNIQUE options).
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Columns present in the batch for a partial update; empty = full rows.
    pub partial_update_columns: Vec<String>,
    /// Conditional update column (`merge_condition`).
    pub merge_condition: Option<String>,
}

/// A simple pushed-down predicate: column <op> literal.
pub use starload_proto::be::ScanPredicate;

/// The tablet store of one BE.
pub struct TabletStore {}

impl TabletStore {
    /// Opens the store under `dir`.
    pub fn open(_dir: &Path) -> Result<Self, BeError> {
        Ok(Self {})
    }

    /// Creates a tablet (idempotent).
    pub fn create_tablet(
        &self,
        _tablet_id: i64,
        _table_id: i64,
        _partition_id: i64,
        _schema: TabletSchema,
    ) -> Result<(), BeError> {
        Err(BeError::Other("create_tablet: not built yet".into()))
    }

    /// Stages `batch` (tablet column order, optional trailing `__op` Int8) for `txn_id`.
    pub fn write_batch(
        &self,
        _txn_id: i64,
        _tablet_id: i64,
        _batch: &RecordBatch,
        _opts: &WriteOptions,
    ) -> Result<u64, BeError> {
        Err(BeError::Other("write_batch: not built yet".into()))
    }

    /// Makes `txn_id`'s staged rows visible as `version` of the tablet. Idempotent.
    pub fn publish(&self, _txn_id: i64, _tablet_id: i64, _version: i64) -> Result<(), BeError> {
        Err(BeError::Other("publish: not built yet".into()))
    }

    /// Discards `txn_id`'s staged rows. Idempotent.
    pub fn abort(&self, _txn_id: i64, _tablet_id: i64) -> Result<(), BeError> {
        Ok(())
    }

    /// Merged rows of the tablet at `version` (projection by column name; empty = all).
    pub fn scan(
        &self,
        _tablet_id: i64,
        _version: i64,
        _columns: &[String],
        _predicates: &[ScanPredicate],
    ) -> Result<Vec<RecordBatch>, BeError> {
        Err(BeError::Other("scan: not built yet".into()))
    }
}
