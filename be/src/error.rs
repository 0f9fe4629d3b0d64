//! [`BeError`], the storage and tablet-RPC failure, and its one translation to a proto status
//! (the gRPC edge). A routine load task's failures are the load layer's own
//! (`load::error::LoadError`).

use starload_proto::types::{Status, StatusCode};

/// BE failure.
#[derive(Debug, thiserror::Error)]
pub enum BeError {
    /// RocksDB or a stored value failed.
    #[error("storage: {0}")]
    Storage(String),
    #[error("tablet {0} not found")]
    TabletNotFound(i64),
    /// A request that can never succeed as sent.
    #[error("{0}")]
    InvalidArgument(String),
    /// Publish or read above what this replica has: an earlier version is missing.
    #[error("tablet {tablet_id} is at version {visible}, cannot apply version {version}")]
    VersionMissing {
        tablet_id: i64,
        visible: i64,
        version: i64,
    },
    /// A read below the version compaction folded to (StarRocks's text, from
    /// `Tablet::capture_consistent_versions`).
    #[error("capture_consistent_versions error: version already been compacted. tablet_id: {tablet_id}, version: {version} tablet_max_version:{max_version}")]
    VersionCompacted {
        tablet_id: i64,
        version: i64,
        max_version: i64,
    },
    /// The txn is in a state that forbids the call (aborted, published elsewhere).
    #[error("{0}")]
    TxnState(String),
    /// The call carried the wrong cluster token.
    #[error("invalid cluster token")]
    Unauthenticated,
    #[error("{0}")]
    Other(String),
}

impl BeError {
    /// The status code this error travels with.
    pub fn code(&self) -> StatusCode {
        match self {
            BeError::Storage(_) | BeError::Other(_) | BeError::VersionCompacted { .. } => {
                StatusCode::InternalError
            }
            BeError::TabletNotFound(_) => StatusCode::NotFound,
            BeError::InvalidArgument(_) | BeError::TxnState(_) => StatusCode::InvalidArgument,
            BeError::VersionMissing { .. } => StatusCode::VersionMissing,
            BeError::Unauthenticated => StatusCode::Unauthenticated,
        }
    }

    /// The proto status for this error.
    pub fn to_status(&self) -> Status {
        Status::err(self.code(), self.to_string())
    }
}
