//! Backends: registry (persisted, key 0x20), heartbeats over gRPC, BE client pool, tablet
//! placement.

use crate::config::ConfigHandle;
use crate::meta::{MetaError, MetaStore};
use std::sync::Arc;

/// The set of backends and the clients to reach them.
pub struct Cluster {
    #[allow(dead_code)]
    meta: Arc<MetaStore>,
    #[allow(dead_code)]
    config: ConfigHandle,
}

impl Cluster {
    /// Loads the backend registry.
    pub fn load(meta: Arc<MetaStore>, config: ConfigHandle) -> Result<Self, MetaError> {
        Ok(Self { meta, config })
    }
}
