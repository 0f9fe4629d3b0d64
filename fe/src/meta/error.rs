//! Failures of the metadata store and its replication (a leaf: the store and the Raft node
//! both return it).

/// Failure of the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("open metadata store at {path}: {source}")]
    Open {
        path: String,
        source: rocksdb::Error,
    },
    #[error("metadata store I/O: {0}")]
    Rocks(#[from] rocksdb::Error),
    #[error("metadata value at key {key:02x?}: {source}")]
    Codec {
        key: Vec<u8>,
        source: serde_json::Error,
    },
    /// This FE is not the leader: writes go to `leader` (host:edit_log_port), if known.
    #[error("this FE is not the leader (leader: {})", leader.as_deref().unwrap_or("unknown"))]
    NotLeader { leader: Option<String> },
    /// The leader has not heard from a quorum within the election timeout.
    #[error("the leader FE cannot reach a quorum of frontends")]
    NoQuorum,
    /// A write was proposed but not applied within `waited_ms`: it may still commit (the FE
    /// reloads its state from the store once the group settles).
    #[error("the metadata write did not commit within {waited_ms} ms; its outcome is unknown")]
    CommitTimeout { waited_ms: u64 },
    /// Replication failed or its outcome is unknown.
    #[error("metadata replication: {0}")]
    Replication(String),
}
