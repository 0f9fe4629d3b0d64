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

    /// (online, total) backends for `/api/health`. Minimal accessor added by the server
    /// helper: reads the persisted registry (key 0x20) and counts `alive: true` entries.
    /// Replace with the in-memory registry once heartbeats exist.
    pub fn backend_counts(&self) -> (usize, usize) {
        match self.meta.scan_prefix::<serde_json::Value>(&[0x20]) {
            Ok(rows) => {
                let online = rows
                    .iter()
                    .filter(|(_, v)| v.get("alive").and_then(|a| a.as_bool()) == Some(true))
                    .count();
                (online, rows.len())
            }
            Err(_) => (0, 0),
        }
    }

    /// Starts the background loops (heartbeats). None yet; added so `main` has one call.
    pub fn start(self: &Arc<Self>) {}
}
