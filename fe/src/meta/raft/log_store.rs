//! openraft's log storage in the FE's RocksDB: entries under `02 <index>`, the vote, the
//! committed and the purged log ids under their own keys (`meta::keys`).
//!
//! Entries from a leader are fsynced before openraft is told they are flushed, so a follower's
//! acknowledgement means the entry survives a crash. The leader's own entries are written
//! without a sync and synced in the background while they travel; `durability` explains why
//! no commit is observed before they are durable.
// openraft's StorageError is large; its traits return it, so our helpers do too.
#![allow(clippy::result_large_err)]

use crate::meta::keys;
use crate::meta::raft::durability::Durability;
use crate::meta::raft::types::MetaTypes;
use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{Entry, LogId, OptionalSend, RaftLogReader, StorageError, StorageIOError, Vote};
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, Mutex};

type NodeId = u64;

/// The log store; cheap to clone (readers share the DB).
#[derive(Clone)]
pub struct LogStore {
    db: Arc<rocksdb::DB>,
    /// This node: entries of a term it leads are its own.
    node_id: NodeId,
    /// The last vote saved (read at open), to tell the leader's own appends from replicated ones.
    vote: Arc<Mutex<Option<Vote<NodeId>>>>,
    durability: Arc<Durability>,
}

fn log_key(index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = keys::RAFT_LOG;
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

fn synced() -> rocksdb::WriteOptions {
    let mut wo = rocksdb::WriteOptions::default();
    wo.set_sync(true);
    wo
}

/// The newest entry's id, if any entry exists.
fn last_entry_id(db: &rocksdb::DB) -> Result<Option<LogId<NodeId>>, StorageError<NodeId>> {
    // The last key before the vote's prefix is the newest entry, if any entry exists.
    let iter = db.iterator(rocksdb::IteratorMode::From(
        &[keys::RAFT_LOG + 1],
        rocksdb::Direction::Reverse,
    ));
    for item in iter {
        let (k, v) = item.map_err(|e| StorageIOError::read_logs(&e))?;
        match k.first() {
            Some(&p) if p == keys::RAFT_LOG => {
                let e: Entry<MetaTypes> =
                    serde_json::from_slice(&v).map_err(|e| StorageIOError::read_logs(&e))?;
                return Ok(Some(e.log_id));
            }
            Some(&p) if p > keys::RAFT_LOG => continue,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

impl LogStore {
    /// Opens the log of `db` for node `node_id`, and the tracker of its durable prefix (shared
    /// with the state machine and the network, which wait on it).
    pub fn open(
        db: Arc<rocksdb::DB>,
        node_id: NodeId,
    ) -> Result<(Self, Arc<Durability>), StorageError<NodeId>> {
        let last = last_entry_id(&db)?.map(|l| l.index).unwrap_or(0);
        let durability = Durability::open(db.clone(), last)
            .map_err(|e| StorageIOError::read_logs(&std::io::Error::other(e)))?;
        let s = Self {
            db,
            node_id,
            vote: Arc::new(Mutex::new(None)),
            durability: durability.clone(),
        };
        *s.vote.lock().unwrap_or_else(|p| p.into_inner()) = s.get_json(&[keys::RAFT_VOTE])?;
        Ok((s, durability))
    }

    /// True when every entry is this node's own as the leader of its current (committed) vote:
    /// those may be written unsynced (see `durability`). A node that leads term T wrote every
    /// entry whose leader id is (T, itself); entries it wrote in an earlier term are durable
    /// since the synced write of its newer vote.
    fn own_as_leader(&self, entries: &[Entry<MetaTypes>]) -> bool {
        let vote = self.vote.lock().unwrap_or_else(|p| p.into_inner());
        match vote.as_ref() {
            Some(v) if v.is_committed() && v.leader_id().node_id == self.node_id => {
                entries.iter().all(|e| e.log_id.leader_id == *v.leader_id())
            }
            _ => false,
        }
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, StorageError<NodeId>> {
        match self.db.get_pinned(key) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| StorageIOError::read(&e).into()),
            Err(e) => Err(StorageIOError::read(&e).into()),
        }
    }

    fn put_json<T: serde::Serialize>(
        &self,
        key: &[u8],
        v: &T,
        sync: bool,
    ) -> Result<(), StorageError<NodeId>> {
        let bytes = serde_json::to_vec(v).map_err(|e| StorageIOError::write(&e))?;
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(sync);
        self.db
            .put_opt(key, bytes, &wo)
            .map_err(|e| StorageIOError::write(&e).into())
    }
}

impl RaftLogReader<MetaTypes> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<MetaTypes>>, StorageError<NodeId>> {
        let start = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i + 1,
            Bound::Unbounded => 0,
        };
        let mut out = Vec::new();
        let iter = self.db.iterator(rocksdb::IteratorMode::From(
            &log_key(start),
            rocksdb::Direction::Forward,
        ));
        for item in iter {
            let (k, v) = item.map_err(|e| StorageIOError::read_logs(&e))?;
            if k.len() != 9 || k[0] != keys::RAFT_LOG {
                break;
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&k[1..]);
            let index = u64::from_be_bytes(b);
            if !range.contains(&index) {
                break;
            }
            let e: Entry<MetaTypes> =
                serde_json::from_slice(&v).map_err(|e| StorageIOError::read_logs(&e))?;
            out.push(e);
        }
        Ok(out)
    }
}

impl RaftLogStorage<MetaTypes> for LogStore {
    type LogReader = Self;

    async fn get_log_state(&mut self) -> Result<LogState<MetaTypes>, StorageError<NodeId>> {
        let last_purged: Option<LogId<NodeId>> = self.get_json(&[keys::RAFT_PURGED])?;
        let last = last_entry_id(&self.db)?.or(last_purged);
        Ok(LogState {
            last_purged_log_id: last_purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), StorageError<NodeId>> {
        self.put_json(&[keys::RAFT_VOTE], vote, true)
            .map_err(|_| StorageIOError::write_vote(&std::io::Error::other("vote")))?;
        // The synced vote also synced every entry written before it.
        self.durability.synced(None);
        *self.vote.lock().unwrap_or_else(|p| p.into_inner()) = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, StorageError<NodeId>> {
        self.get_json(&[keys::RAFT_VOTE])
    }

    async fn save_committed(
        &mut self,
        committed: Option<LogId<NodeId>>,
    ) -> Result<(), StorageError<NodeId>> {
        // Not fsynced: the entries themselves are, and a lost committed id only means the
        // leader tells this node again.
        self.put_json(&[keys::RAFT_COMMITTED], &committed, false)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<NodeId>>, StorageError<NodeId>> {
        Ok(self
            .get_json::<Option<LogId<NodeId>>>(&[keys::RAFT_COMMITTED])?
            .flatten())
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<MetaTypes>,
    ) -> Result<(), StorageError<NodeId>>
    where
        I: IntoIterator<Item = Entry<MetaTypes>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<MetaTypes>> = entries.into_iter().collect();
        let Some(last) = entries.last().map(|e| e.log_id.index) else {
            callback.log_io_completed(Ok(()));
            return Ok(());
        };
        let own = self.own_as_leader(&entries);
        let mut batch = rocksdb::WriteBatch::default();
        for e in &entries {
            let v = serde_json::to_vec(e).map_err(|err| StorageIOError::write_logs(&err))?;
            batch.put(log_key(e.log_id.index), v);
        }
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(!own);
        match self.db.write_opt(batch, &wo) {
            Ok(()) => {
                if own {
                    self.durability.wrote_unsynced(last);
                } else {
                    self.durability.synced(Some(last));
                }
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
                Err(StorageIOError::write_logs(&e).into())
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range(&log_key(log_id.index)[..], &[keys::RAFT_LOG + 1][..]);
        self.db
            .write_opt(batch, &synced())
            .map_err(|e| StorageIOError::write_logs(&e))?;
        self.durability.truncated(log_id.index);
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        let mut batch = rocksdb::WriteBatch::default();
        let v = serde_json::to_vec(&Some(log_id)).map_err(|e| StorageIOError::write_logs(&e))?;
        batch.put([keys::RAFT_PURGED], v);
        batch.delete_range(log_key(0), log_key(log_id.index + 1));
        self.db
            .write_opt(batch, &synced())
            .map_err(|e| StorageIOError::write_logs(&e).into())
    }
}
