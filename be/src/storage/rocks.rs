//! The only file that touches `rocksdb`: one database per BE under `storage_root_path`, opened
//! with options tuned for batch loads (large memtables, WAL on, fsync only where asked).
//!
//! Invariants: every write goes through one [`WriteBatch`] (atomic); `sync = true` is used for
//! writes that must survive a power loss (tablet meta, publish); staged rows rely on the WAL
//! being written (a killed process loses nothing) and are fsynced once per tablet at `eos`.

use crate::error::BeError;
use std::path::Path;

/// A RocksDB database.
pub struct RocksEngine {
    db: rocksdb::DB,
}

/// An atomic group of writes.
pub struct WriteBatch {
    inner: rocksdb::WriteBatch,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self {
            inner: rocksdb::WriteBatch::default(),
        }
    }

    /// Puts `key` = `value` (both copied).
    #[inline]
    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        self.inner.put(key, value);
    }

    /// Deletes `key`.
    pub fn delete(&mut self, key: &[u8]) {
        self.inner.delete(key);
    }

    /// Deletes every key in `[from, to)`.
    pub fn delete_range(&mut self, from: &[u8], to: &[u8]) {
        self.inner.delete_range(from, to);
    }

    /// Number of operations in the batch.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when the batch holds no operation.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl Default for WriteBatch {
    fn default() -> Self {
        Self::new()
    }
}

/// A forward iterator over `[lower, upper)` on a consistent snapshot of the database.
pub struct RangeIter<'a> {
    inner: rocksdb::DBRawIterator<'a>,
}

impl RangeIter<'_> {
    /// True while positioned on an entry.
    #[inline]
    pub fn valid(&self) -> bool {
        self.inner.valid()
    }

    /// Key of the current entry (valid() must be true).
    #[inline]
    pub fn key(&self) -> &[u8] {
        self.inner.key().unwrap_or(&[])
    }

    /// Value of the current entry (valid() must be true).
    #[inline]
    pub fn value(&self) -> &[u8] {
        self.inner.value().unwrap_or(&[])
    }

    /// Moves to the next entry.
    #[inline]
    pub fn next(&mut self) {
        self.inner.next();
    }

    /// The iterator's error, if it stopped because of one.
    pub fn status(&self) -> Result<(), BeError> {
        self.inner.status().map_err(storage_err("iterate"))
    }
}

fn storage_err(what: &'static str) -> impl Fn(rocksdb::Error) -> BeError {
    move |e| BeError::Storage(format!("rocksdb {what}: {e}"))
}

/// What a database holds. It sets the memtable size, and with it the disk RocksDB reserves:
/// each WAL file is fallocated in steps of 1.1 x the memtable size, taken on its first write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Tablets: loads write whole batches, so big memtables keep flushes and L0 compactions
    /// rare. Reserves about 141 MB of WAL per BE.
    Tablets,
    /// A small side store (the rejected-row ledger, bounded by its per-job byte budget). With
    /// the tablets' memtable it reserved 141 MB per BE for a few kilobytes of rows, and three
    /// BEs on one disk ran a CI machine out of space.
    SideStore,
}

impl Workload {
    fn write_buffer_size(self) -> usize {
        match self {
            Workload::Tablets => 128 << 20,
            Workload::SideStore => 4 << 20,
        }
    }
}

impl RocksEngine {
    /// Opens (or creates) the tablet database in `dir`.
    pub fn open(dir: &Path) -> Result<Self, BeError> {
        Self::open_for(dir, Workload::Tablets)
    }

    /// Opens (or creates) the database in `dir`, sized for `workload`.
    pub fn open_for(dir: &Path, workload: Workload) -> Result<Self, BeError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| BeError::Storage(format!("create {}: {e}", dir.display())))?;
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        opts.set_write_buffer_size(workload.write_buffer_size());
        opts.set_max_write_buffer_number(4);
        opts.set_max_background_jobs(2);
        opts.set_level_zero_slowdown_writes_trigger(40);
        opts.set_level_zero_stop_writes_trigger(64);
        opts.set_target_file_size_base(64 << 20);
        opts.set_max_bytes_for_level_base(512 << 20);
        // L0/L1 uncompressed (hot, rewritten soon), lz4 below.
        opts.set_compression_per_level(&[
            rocksdb::DBCompressionType::None,
            rocksdb::DBCompressionType::None,
            rocksdb::DBCompressionType::Lz4,
            rocksdb::DBCompressionType::Lz4,
            rocksdb::DBCompressionType::Lz4,
            rocksdb::DBCompressionType::Lz4,
            rocksdb::DBCompressionType::Lz4,
        ]);
        opts.set_max_total_wal_size(512 << 20);
        let db = rocksdb::DB::open(&opts, dir).map_err(storage_err("open"))?;
        Ok(Self { db })
    }

    /// Reads one key.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BeError> {
        self.db.get(key).map_err(storage_err("get"))
    }

    /// Applies `batch` atomically; `sync` fsyncs the WAL before returning.
    pub fn write(&self, batch: WriteBatch, sync: bool) -> Result<(), BeError> {
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(sync);
        self.db
            .write_opt(batch.inner, &wo)
            .map_err(storage_err("write"))
    }

    /// Fsyncs the WAL: everything written before is durable after this returns.
    pub fn sync_wal(&self) -> Result<(), BeError> {
        self.db.flush_wal(true).map_err(storage_err("flush wal"))
    }

    /// Iterates `[lower, upper)` in key order.
    pub fn range(&self, lower: &[u8], upper: &[u8]) -> RangeIter<'_> {
        let mut ro = rocksdb::ReadOptions::default();
        ro.set_iterate_lower_bound(lower.to_vec());
        ro.set_iterate_upper_bound(upper.to_vec());
        // Scans read each block once: keep them out of the block cache.
        ro.fill_cache(false);
        let mut inner = self.db.raw_iterator_opt(ro);
        inner.seek(lower);
        RangeIter { inner }
    }

    /// Bytes of live SST files plus memtables (for heartbeats and metrics).
    pub fn data_size(&self) -> u64 {
        let sst = self
            .db
            .property_int_value("rocksdb.total-sst-files-size")
            .ok()
            .flatten()
            .unwrap_or(0);
        let mem = self
            .db
            .property_int_value("rocksdb.cur-size-all-mem-tables")
            .ok()
            .flatten()
            .unwrap_or(0);
        sst + mem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Disk blocks (not length) of the WAL files in `dir`: fallocate reserves blocks past the end.
    fn wal_allocated_bytes(dir: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .map(|e| e.metadata().unwrap().blocks() * 512)
            .sum()
    }

    #[test]
    fn a_side_store_reserves_little_disk_for_its_wal() {
        let dir = tempfile::tempdir().unwrap();
        let e = RocksEngine::open_for(dir.path(), Workload::SideStore).unwrap();
        let mut b = WriteBatch::new();
        b.put(b"k", b"v");
        e.write(b, true).unwrap();
        let reserved = wal_allocated_bytes(dir.path());
        // 4 MB memtable: at most one 4.4 MB preallocation step (the tablets' step is 141 MB).
        assert!(reserved <= 8 << 20, "WAL reserves {reserved} bytes");
    }

    #[test]
    fn write_then_range_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let e = RocksEngine::open(dir.path()).unwrap();
        let mut b = WriteBatch::new();
        b.put(b"b", b"2");
        b.put(b"a", b"1");
        b.put(b"c", b"3");
        e.write(b, false).unwrap();
        let mut it = e.range(b"a", b"c");
        let mut got = vec![];
        while it.valid() {
            got.push((it.key().to_vec(), it.value().to_vec()));
            it.next();
        }
        it.status().unwrap();
        assert_eq!(
            got,
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"2".to_vec())
            ]
        );
        assert_eq!(e.get(b"c").unwrap(), Some(b"3".to_vec()));
    }
}
