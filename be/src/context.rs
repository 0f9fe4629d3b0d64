//! The BE's shared state: config, tablet store, what it learned from heartbeats (its backend
//! id and the FE's rpc address) and the routine load executor once one is installed.

use crate::config::BeConfig;
use crate::storage::TabletStore;
use starload_proto::be::SubmitRoutineLoadTaskRequest;
use starload_proto::types::Status;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Runs routine load tasks (implemented by `load::TaskExecutor`); the service delegates
/// SubmitRoutineLoadTask / CancelRoutineLoadTask to it.
pub trait RoutineLoadTasks: Send + Sync {
    /// Starts a task; returns at once (the end is reported to the FE with ReportTask).
    fn submit(&self, req: SubmitRoutineLoadTaskRequest) -> Status;
    /// Cancels a running task (idempotent).
    fn cancel(&self, task_id: &str) -> Status;
    /// Tasks running now (heartbeat field).
    fn running_tasks(&self) -> u32;
}

/// The FE's rpc address as last announced by a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeAddr {
    pub host: String,
    pub rpc_port: u16,
}

/// Everything a service call or task needs.
pub struct BeContext {
    pub config: BeConfig,
    pub store: Arc<TabletStore>,
    /// Process start (ms since epoch), reported in heartbeats.
    pub start_time_ms: i64,
    /// Where load error logs are written (by `load/`) and served from (`http`).
    pub error_log_dir: PathBuf,
    /// Set from every heartbeat.
    pub fe: RwLock<Option<FeAddr>>,
    /// Our backend id (from heartbeats; 0 until the first one).
    pub backend_id: AtomicI64,
    /// Installed by main once the load module provides it.
    pub routine_load: OnceLock<Arc<dyn RoutineLoadTasks>>,
}

impl BeContext {
    /// A context over an open store.
    pub fn new(config: BeConfig, store: Arc<TabletStore>) -> Self {
        let error_log_dir = config.error_log_dir();
        Self {
            config,
            store,
            start_time_ms: chrono::Utc::now().timestamp_millis(),
            error_log_dir,
            fe: RwLock::new(None),
            backend_id: AtomicI64::new(0),
            routine_load: OnceLock::new(),
        }
    }

    /// The FE address learned from heartbeats.
    pub fn fe_addr(&self) -> Option<FeAddr> {
        self.fe.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records what a heartbeat told us.
    pub fn learn_from_heartbeat(&self, backend_id: i64, fe: Option<FeAddr>) {
        if backend_id != 0 {
            self.backend_id.store(backend_id, Ordering::Relaxed);
        }
        if let Some(fe) = fe {
            *self.fe.write().unwrap_or_else(|p| p.into_inner()) = Some(fe);
        }
    }

    /// True when `token` matches `cluster_token` (empty config token = no check).
    pub fn token_ok(&self, token: &str) -> bool {
        self.config.cluster_token.is_empty() || self.config.cluster_token == token
    }
}
