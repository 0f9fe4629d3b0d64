//! openraft's state machine: the FE metadata store itself. Applying an entry writes its ops and
//! the applied log id (and membership) in one RocksDB WriteBatch, so a restart resumes exactly
//! after the last applied entry. Snapshots are a point-in-time RocksDB snapshot of every state
//! key (`keys::is_state_key`), installed by replacing those keys in one batch.
// openraft's StorageError is large; its traits return it, so our helpers do too.
#![allow(clippy::result_large_err)]

use crate::meta::keys;
use crate::meta::raft::durability::Durability;
use crate::meta::raft::types::{FeNode, MetaOp, MetaTypes};
use openraft::storage::{RaftStateMachine, Snapshot, SnapshotMeta};
use openraft::{
    Entry, EntryPayload, LogId, RaftSnapshotBuilder, StorageError, StorageIOError, StoredMembership,
};
use serde::{Deserialize, Serialize};
use std::io::Cursor;
use std::sync::{Arc, Mutex};

type NodeId = u64;

const SNAPSHOT_META: &[u8] = &[keys::RAFT_SNAPSHOT, 0];
const SNAPSHOT_DATA: &[u8] = &[keys::RAFT_SNAPSHOT, 1];

/// What a snapshot's bytes hold: every state key and value, hex / text encoded.
#[derive(Serialize, Deserialize)]
struct SnapshotData {
    kvs: Vec<MetaOp>,
}

/// A snapshot's meta and bytes.
type SnapshotCopy = (SnapshotMeta<NodeId, FeNode>, Vec<u8>);
/// What `applied_state` answers.
type AppliedState = (Option<LogId<NodeId>>, StoredMembership<NodeId, FeNode>);

/// The state machine over the shared DB.
#[derive(Clone)]
pub struct StateMachine {
    db: Arc<rocksdb::DB>,
    /// Applying entry i waits until this node's log is durable through i (see `durability`).
    durability: Arc<Durability>,
    /// The last snapshot built or installed (openraft asks for it to send to a lagging node).
    current: Arc<Mutex<Option<SnapshotCopy>>>,
}

fn read_json<T: serde::de::DeserializeOwned>(
    db: &rocksdb::DB,
    key: &[u8],
) -> Result<Option<T>, StorageError<NodeId>> {
    match db.get_pinned(key) {
        Ok(None) => Ok(None),
        Ok(Some(v)) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| StorageIOError::read_state_machine(&e).into()),
        Err(e) => Err(StorageIOError::read_state_machine(&e).into()),
    }
}

fn json<T: Serialize>(v: &T) -> Result<Vec<u8>, StorageError<NodeId>> {
    serde_json::to_vec(v).map_err(|e| StorageIOError::write_state_machine(&e).into())
}

impl StateMachine {
    pub fn new(db: Arc<rocksdb::DB>, durability: Arc<Durability>) -> Self {
        Self {
            db,
            durability,
            current: Arc::new(Mutex::new(None)),
        }
    }

    fn applied(&self) -> Result<AppliedState, StorageError<NodeId>> {
        let applied: Option<LogId<NodeId>> =
            read_json::<Option<LogId<NodeId>>>(&self.db, &[keys::RAFT_APPLIED])?.flatten();
        let membership = read_json(&self.db, &[keys::RAFT_MEMBERSHIP])?.unwrap_or_default();
        Ok((applied, membership))
    }

    /// Every state key at one point in time, with the applied id and membership of that point.
    fn build(&self) -> Result<Snapshot<MetaTypes>, StorageError<NodeId>> {
        let snap = self.db.snapshot();
        let read = |key: &[u8]| -> Result<Option<Vec<u8>>, StorageError<NodeId>> {
            snap.get(key)
                .map_err(|e| StorageIOError::read_state_machine(&e).into())
        };
        let applied: Option<LogId<NodeId>> = match read(&[keys::RAFT_APPLIED])? {
            Some(v) => serde_json::from_slice::<Option<LogId<NodeId>>>(&v)
                .map_err(|e| StorageIOError::read_state_machine(&e))?,
            None => None,
        };
        let membership: StoredMembership<NodeId, FeNode> = match read(&[keys::RAFT_MEMBERSHIP])? {
            Some(v) => {
                serde_json::from_slice(&v).map_err(|e| StorageIOError::read_state_machine(&e))?
            }
            None => StoredMembership::default(),
        };
        let mut kvs = Vec::new();
        for item in snap.iterator(rocksdb::IteratorMode::Start) {
            let (k, v) = item.map_err(|e| StorageIOError::read_state_machine(&e))?;
            if keys::is_state_key(&k) {
                kvs.push(MetaOp::Put {
                    key: k.to_vec(),
                    value: v.to_vec(),
                });
            }
        }
        let data = json(&SnapshotData { kvs })?;
        let snapshot_id = match &applied {
            Some(l) => format!("{}-{}-{}", l.leader_id.term, l.index, data.len()),
            None => format!("0-0-{}", data.len()),
        };
        let meta = SnapshotMeta {
            last_log_id: applied,
            last_membership: membership,
            snapshot_id,
        };
        // Kept on disk too: after a restart the leader can still send it to a member that
        // needs entries already purged.
        let mut batch = rocksdb::WriteBatch::default();
        batch.put(SNAPSHOT_META, json(&meta)?);
        batch.put(SNAPSHOT_DATA, &data);
        self.db
            .write(batch)
            .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((meta.clone(), data.clone()));
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}

impl RaftSnapshotBuilder<MetaTypes> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<MetaTypes>, StorageError<NodeId>> {
        self.build()
    }
}

impl RaftStateMachine<MetaTypes> for StateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(&mut self) -> Result<AppliedState, StorageError<NodeId>> {
        self.applied()
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<()>, StorageError<NodeId>>
    where
        I: IntoIterator<Item = Entry<MetaTypes>> + openraft::OptionalSend,
        I::IntoIter: openraft::OptionalSend,
    {
        let mut out = Vec::new();
        // One WriteBatch for the whole run of entries: their ops in log order, then the last
        // applied id. Not fsynced: every entry is already fsynced in the log, and a restart
        // re-applies whatever the applied id does not cover.
        let mut batch = rocksdb::WriteBatch::default();
        let mut last = None;
        for e in entries {
            match &e.payload {
                EntryPayload::Blank => {}
                EntryPayload::Normal(cmd) => {
                    for op in &cmd.ops {
                        match op {
                            MetaOp::Put { key, value } => batch.put(key, value),
                            MetaOp::Delete { key } => batch.delete(key),
                        }
                    }
                }
                EntryPayload::Membership(m) => {
                    let sm = StoredMembership::new(Some(e.log_id), m.clone());
                    batch.put([keys::RAFT_MEMBERSHIP], json(&sm)?);
                }
            }
            last = Some(e.log_id);
            out.push(());
        }
        if let Some(l) = last {
            // A commit is observed first here (a client's answer, a read): the leader's own
            // entries must be durable by now (see `durability`).
            self.durability.wait(l.index).await;
            batch.put([keys::RAFT_APPLIED], json(&Some(l))?);
            self.db
                .write(batch)
                .map_err(|e| StorageIOError::apply(l, &e))?;
        }
        Ok(out)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<NodeId>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<NodeId, FeNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<NodeId>> {
        let bytes = snapshot.into_inner();
        let data: SnapshotData = serde_json::from_slice(&bytes)
            .map_err(|e| StorageIOError::read_snapshot(Some(meta.signature()), &e))?;
        // Replace every state key in one synced batch: the store is either the old state or
        // the snapshot's, never a mix.
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range([keys::ID_COUNTER], [keys::ID_COUNTER + 1]);
        batch.delete_range([keys::CLUSTER_ID], [keys::CLUSTER_ID + 1]);
        batch.delete_range(&[keys::DATABASE][..], &[0xffu8; 16][..]);
        for op in data.kvs {
            if let MetaOp::Put { key, value } = op {
                batch.put(key, value);
            }
        }
        batch.put([keys::RAFT_APPLIED], json(&meta.last_log_id)?);
        batch.put([keys::RAFT_MEMBERSHIP], json(&meta.last_membership)?);
        batch.put(SNAPSHOT_META, json(meta)?);
        batch.put(SNAPSHOT_DATA, &bytes);
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(true);
        self.db
            .write_opt(batch, &wo)
            .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((meta.clone(), bytes));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<MetaTypes>>, StorageError<NodeId>> {
        let cur = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match cur {
            Some((meta, data)) => Ok(Some(Snapshot {
                meta,
                snapshot: Box::new(Cursor::new(data)),
            })),
            None => {
                let meta: Option<SnapshotMeta<NodeId, FeNode>> =
                    read_json(&self.db, SNAPSHOT_META)?;
                let Some(meta) = meta else {
                    return Ok(None);
                };
                let data = self
                    .db
                    .get(SNAPSHOT_DATA)
                    .map_err(|e| StorageIOError::read_snapshot(Some(meta.signature()), &e))?
                    .unwrap_or_default();
                *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((meta.clone(), data.clone()));
                Ok(Some(Snapshot {
                    meta,
                    snapshot: Box::new(Cursor::new(data)),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::raft::log_store::LogStore;
    use openraft::testing::{StoreBuilder, Suite};

    struct Builder;

    impl StoreBuilder<MetaTypes, LogStore, StateMachine, tempfile::TempDir> for Builder {
        async fn build(
            &self,
        ) -> Result<(tempfile::TempDir, LogStore, StateMachine), StorageError<NodeId>> {
            let dir = tempfile::tempdir().map_err(|e| StorageIOError::write(&e))?;
            let mut opts = rocksdb::Options::default();
            opts.create_if_missing(true);
            let db = Arc::new(
                rocksdb::DB::open(&opts, dir.path()).map_err(|e| StorageIOError::write(&e))?,
            );
            // Node 0 leads in several of the suite's cases: both the leader's unsynced appends
            // and the synced ones are exercised.
            let (log, durability) = LogStore::open(db.clone(), 0)?;
            Ok((dir, log, StateMachine::new(db, durability)))
        }
    }

    /// openraft's own conformance suite for log stores and state machines.
    #[test]
    fn passes_openraft_storage_suite() {
        Suite::test_all(Builder).expect("storage suite");
    }
}
