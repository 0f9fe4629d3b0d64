//! Frontends as the cluster records them: the role each was added with (FOLLOWER or OBSERVER;
//! a FOLLOWER joins Raft as a learner and becomes a voter once it caught up). SHOW FRONTENDS
//! (`show`) joins these records with the Raft membership and what each FE said last.

use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use serde::{Deserialize, Serialize};

/// FOLLOWER or OBSERVER (StarRocks's FrontendNodeType names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FrontendRole {
    FOLLOWER,
    OBSERVER,
}

impl FrontendRole {
    pub fn name(self) -> &'static str {
        match self {
            FrontendRole::FOLLOWER => "FOLLOWER",
            FrontendRole::OBSERVER => "OBSERVER",
        }
    }
}

/// One frontend's record (key `0x21 host:port`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendRecord {
    pub host: String,
    pub edit_log_port: u16,
    pub role: FrontendRole,
    /// When it was added (first FE: when the cluster was created); part of its Name.
    pub added_ms: i64,
}

impl FrontendRecord {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.edit_log_port)
    }

    fn key(&self) -> Vec<u8> {
        keys::name_key(keys::FRONTEND, &self.addr())
    }

    /// StarRocks's node name: `host_port_<added ms>`.
    pub fn name(&self) -> String {
        format!("{}_{}_{}", self.host, self.edit_log_port, self.added_ms)
    }
}

/// Every recorded frontend.
pub fn records(meta: &MetaStore) -> Result<Vec<FrontendRecord>, MetaError> {
    Ok(meta
        .scan_prefix::<FrontendRecord>(&[keys::FRONTEND])?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// The record of `addr` (host:edit_log_port).
pub fn record(meta: &MetaStore, addr: &str) -> Result<Option<FrontendRecord>, MetaError> {
    meta.get(&keys::name_key(keys::FRONTEND, addr))
}

/// Writes `r` (replicated).
pub fn put(meta: &MetaStore, r: &FrontendRecord) -> Result<(), MetaError> {
    let mut b = MetaBatch::new();
    b.put(&r.key(), r)?;
    meta.write(b)
}

/// Deletes the record of `addr`.
pub fn delete(meta: &MetaStore, addr: &str) -> Result<(), MetaError> {
    let mut b = MetaBatch::new();
    b.delete(&keys::name_key(keys::FRONTEND, addr));
    meta.write(b)
}
