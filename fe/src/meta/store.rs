//! `MetaStore`: the only code that touches the FE's RocksDB. Every write is one atomic batch,
//! durable before it returns, so a statement that returned survives `kill -9`. With a Raft
//! group attached (`meta::raft`, every FE process has one) a write is a log entry committed by
//! a quorum of frontends and applied to this store; without one (unit tests, tools) it is one
//! fsynced WriteBatch.

pub use super::error::MetaError;
use super::raft::{MetaCommand, MetaOp, MetaRaft};
use super::{codec, keys};
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// A set of puts and deletes applied atomically by [`MetaStore::write`].
#[derive(Default)]
pub struct MetaBatch {
    ops: Vec<MetaOp>,
}

impl MetaBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a put of `value` (encoded) at `key`.
    pub fn put<T: Serialize>(&mut self, key: &[u8], value: &T) -> Result<(), MetaError> {
        let v = codec::encode(value).map_err(|source| MetaError::Codec {
            key: key.to_vec(),
            source,
        })?;
        self.ops.push(MetaOp::Put {
            key: key.to_vec(),
            value: v,
        });
        Ok(())
    }

    /// Adds a delete of `key`.
    pub fn delete(&mut self, key: &[u8]) {
        self.ops.push(MetaOp::Delete { key: key.to_vec() });
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn into_write_batch(self) -> rocksdb::WriteBatch {
        let mut b = rocksdb::WriteBatch::default();
        for op in self.ops {
            match op {
                MetaOp::Put { key, value } => b.put(key, value),
                MetaOp::Delete { key } => b.delete(key),
            }
        }
        b
    }
}

/// The FE's metadata store.
pub struct MetaStore {
    db: Arc<rocksdb::DB>,
    raft: OnceLock<Arc<MetaRaft>>,
    // Ids handed out from the reserved block; the lock also serialises reserving.
    ids: Mutex<IdBlock>,
}

/// How many ids one durable counter write reserves (StarRocks's `IdGenerator` reserves 1000
/// per edit-log entry too). Allocating an id then costs a metadata write (a Raft round with
/// three FEs) only once per block instead of once per id.
const ID_BLOCK: i64 = 1000;

/// The block of ids this process reserved: `next..end`, `end` being what it wrote to the
/// counter. Ids are never reused: after a restart or a leader change, the next FE starts at
/// the stored counter, above every id anyone handed out.
#[derive(Default)]
struct IdBlock {
    next: i64,
    end: i64,
}

impl MetaStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, MetaError> {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = rocksdb::DB::open(&opts, dir).map_err(|source| MetaError::Open {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(Self {
            db: Arc::new(db),
            raft: OnceLock::new(),
            ids: Mutex::new(IdBlock::default()),
        })
    }

    /// The RocksDB handle, for the Raft log and state machine over the same store.
    pub fn db(&self) -> Arc<rocksdb::DB> {
        self.db.clone()
    }

    /// Routes every later write through `raft` (once, at start-up).
    pub fn attach_raft(&self, raft: Arc<MetaRaft>) {
        let _ = self.raft.set(raft);
    }

    /// The Raft node, when the store is replicated.
    pub fn raft(&self) -> Option<&Arc<MetaRaft>> {
        self.raft.get()
    }

    /// True when a write can succeed here: no Raft group, or this node is its leader.
    pub fn can_write(&self) -> bool {
        self.raft.get().is_none_or(|r| r.is_raft_leader())
    }

    /// True when this FE runs the cluster's background work (scheduling, publishing, BE
    /// reports): no Raft group, or the leader that has finished taking over.
    pub fn is_active_leader(&self) -> bool {
        self.raft.get().is_none_or(|r| r.is_active())
    }

    /// The cluster id (0 before the cluster was initialized).
    pub fn cluster_id(&self) -> Result<i64, MetaError> {
        Ok(self.get::<i64>(&[keys::CLUSTER_ID])?.unwrap_or(0))
    }

    /// Applies `batch` atomically; durable (fsynced, or committed by a quorum) on return.
    pub fn write(&self, batch: MetaBatch) -> Result<(), MetaError> {
        if batch.is_empty() {
            return Ok(());
        }
        if let Some(r) = self.raft.get() {
            r.propose(MetaCommand { ops: batch.ops })?;
            return Ok(());
        }
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(batch.into_write_batch(), &wo)?;
        Ok(())
    }

    /// Applies `batch` atomically through the WAL without waiting for an fsync: the write
    /// survives a crash of the process (it is in the OS's page cache) but not of the machine,
    /// and the next synced write makes it durable too. For records whose loss only hides
    /// history (SHOW LOAD rows), written on a statement's answer path.
    /// Replicated stores have no unsynced writes: a log entry is fsynced by every member.
    pub fn write_unsynced(&self, batch: MetaBatch) -> Result<(), MetaError> {
        if self.raft.get().is_some() {
            return self.write(batch);
        }
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(false);
        self.db.write_opt(batch.into_write_batch(), &wo)?;
        Ok(())
    }

    /// Reads one value.
    pub fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, MetaError> {
        match self.db.get_pinned(key)? {
            None => Ok(None),
            Some(v) => codec::decode(&v)
                .map(Some)
                .map_err(|source| MetaError::Codec {
                    key: key.to_vec(),
                    source,
                }),
        }
    }

    /// Every (key, value) whose key starts with `prefix`, in key order.
    pub fn scan_prefix<T: DeserializeOwned>(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, T)>, MetaError> {
        let mut out = Vec::new();
        let iter = self.db.iterator(rocksdb::IteratorMode::From(
            prefix,
            rocksdb::Direction::Forward,
        ));
        for item in iter {
            let (k, v) = item?;
            if !k.starts_with(prefix) {
                break;
            }
            let val = codec::decode(&v).map_err(|source| MetaError::Codec {
                key: k.to_vec(),
                source,
            })?;
            out.push((k.to_vec(), val));
        }
        Ok(out)
    }

    /// Allocates `n` consecutive ids and returns the first. Ids are global across kinds, as in
    /// StarRocks, and start at 10000. Served from a reserved block; the block is durable before
    /// any of its ids is handed out.
    pub fn next_ids(&self, n: i64) -> Result<i64, MetaError> {
        let n = n.max(1);
        let mut block = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let key = [keys::ID_COUNTER];
        let stored: i64 = self.get(&key)?.unwrap_or(10000);
        // The block is ours only while the stored counter is still its end: a counter that
        // moved means another leader reserved after us (or this FE restarted), so our block
        // may overlap ids already given out and is dropped.
        if stored != block.end {
            *block = IdBlock {
                next: stored,
                end: stored,
            };
        }
        if block.next + n > block.end {
            let end = block.next + n + ID_BLOCK;
            let mut b = MetaBatch::new();
            b.put(&key, &end)?;
            self.write(b)?;
            block.end = end;
        }
        let first = block.next;
        block.next += n;
        Ok(first)
    }

    /// Allocates one id.
    pub fn next_id(&self) -> Result<i64, MetaError> {
        self.next_ids(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_is_atomic_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = MetaStore::open(dir.path()).unwrap();
            let mut b = MetaBatch::new();
            b.put(&keys::id_key(keys::TXN, 1), &"committed").unwrap();
            b.put(&keys::id_key(keys::ROUTINE_LOAD_JOB, 2), &42i64)
                .unwrap();
            s.write(b).unwrap();
            assert_eq!(s.next_id().unwrap(), 10000);
            assert_eq!(s.next_id().unwrap(), 10001);
            assert_eq!(s.next_ids(3).unwrap(), 10002);
            assert_eq!(s.next_id().unwrap(), 10005);
        }
        let s = MetaStore::open(dir.path()).unwrap();
        assert_eq!(
            s.get::<String>(&keys::id_key(keys::TXN, 1))
                .unwrap()
                .as_deref(),
            Some("committed")
        );
        assert_eq!(
            s.scan_prefix::<i64>(&[keys::ROUTINE_LOAD_JOB])
                .unwrap()
                .len(),
            1
        );
        // After a restart ids continue above the reserved block: none is handed out twice.
        let after = s.next_id().unwrap();
        assert!(after > 10005, "{after}");
        assert_eq!(s.next_id().unwrap(), after + 1);
    }

    #[test]
    fn one_counter_write_per_block_and_a_moved_counter_drops_the_block() {
        let dir = tempfile::tempdir().unwrap();
        let s = MetaStore::open(dir.path()).unwrap();
        let counter = |s: &MetaStore| s.get::<i64>(&[keys::ID_COUNTER]).unwrap().unwrap();
        let first = s.next_id().unwrap();
        let reserved = counter(&s);
        for i in 1..ID_BLOCK {
            assert_eq!(s.next_id().unwrap(), first + i);
        }
        // The whole block came from one write.
        assert_eq!(counter(&s), reserved);
        // A block larger than what is left reserves again, beyond the request.
        let big = s.next_ids(2 * ID_BLOCK).unwrap();
        assert_eq!(big, first + ID_BLOCK);
        assert!(counter(&s) >= big + 2 * ID_BLOCK);
        // Another leader reserved (the counter moved under us): our block is stale.
        let mut b = MetaBatch::new();
        b.put(&[keys::ID_COUNTER], &(counter(&s) + 500)).unwrap();
        s.write(b).unwrap();
        let moved = counter(&s);
        assert_eq!(s.next_id().unwrap(), moved);
    }
}
