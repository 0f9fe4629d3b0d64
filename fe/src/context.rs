//! The FE's shared state: one `FeContext` per process, handed to every handler.
//! Each field is owned by its module; open order follows the dependency direction.

use crate::catalog::Catalog;
use crate::clock::now_ms;
use crate::cluster::Cluster;
use crate::config::{ConfigHandle, FeConfig};
use crate::load_job::LoadJobMgr;
use crate::meta::{MetaError, MetaStore};
use crate::privilege::PrivilegeMgr;
use crate::query::QueryEngine;
use crate::routine_load::context::RoutineLoadContext;
use crate::routine_load::RoutineLoadManager;
use crate::session::SessionRegistry;
use crate::txn::publish::Publisher;
use crate::txn::TxnManager;
use crate::variables::GlobalVariables;
use std::path::Path;
use std::sync::Arc;

/// Everything a statement or background loop may need.
pub struct FeContext {
    pub config: ConfigHandle,
    pub meta: Arc<MetaStore>,
    pub catalog: Arc<Catalog>,
    pub cluster: Arc<Cluster>,
    pub txn: Arc<TxnManager>,
    pub routine_load: Arc<RoutineLoadManager>,
    /// INSERT / DELETE load jobs (SHOW LOAD).
    pub load_jobs: Arc<LoadJobMgr>,
    pub query: Arc<QueryEngine>,
    /// Global variables (server/variables).
    pub variables: Arc<GlobalVariables>,
    /// Open MySQL connections (server).
    pub sessions: Arc<SessionRegistry>,
    /// Users, roles and grants.
    pub privilege: Arc<PrivilegeMgr>,
}

impl FeContext {
    /// Opens the metadata store and loads every module's persisted state.
    pub fn open(config: FeConfig) -> Result<Arc<Self>, MetaError> {
        let meta = Arc::new(MetaStore::open(Path::new(&config.meta_dir))?);
        Self::open_with(config, meta)
    }

    /// Loads every module's persisted state from `meta` (already open, possibly replicated).
    pub fn open_with(config: FeConfig, meta: Arc<MetaStore>) -> Result<Arc<Self>, MetaError> {
        let variables = Arc::new(GlobalVariables::load(&config, meta.clone())?);
        let config = ConfigHandle::new(config);
        let catalog = Arc::new(Catalog::load(meta.clone())?);
        let cluster = Arc::new(Cluster::load(meta.clone(), config.clone())?);
        let txn = Arc::new(TxnManager::load(meta.clone())?);
        let routine_load = Arc::new(RoutineLoadManager::load(meta.clone())?);
        let load_jobs = Arc::new(LoadJobMgr::load(
            meta.clone(),
            now_ms(),
            config.get().label_keep_max_second,
        )?);
        let query = Arc::new(QueryEngine::new());
        let privilege = Arc::new(PrivilegeMgr::load(
            meta.clone(),
            &config.get().root_password,
        )?);
        Ok(Arc::new(Self {
            config,
            meta,
            catalog,
            cluster,
            txn,
            routine_load,
            load_jobs,
            query,
            variables,
            sessions: Arc::new(SessionRegistry::new()),
            privilege,
        }))
    }

    /// Replaces every module's in-memory state with what the store holds now: a follower
    /// after applying replicated entries, a new leader before it serves (`scheduling`: jobs
    /// are about to be scheduled by this FE). Sessions and runtime statuses are kept.
    pub fn reload(&self, scheduling: bool) -> Result<(), MetaError> {
        let cfg = self.config.get();
        self.variables.reload(&cfg)?;
        self.catalog.reload()?;
        self.cluster.reload()?;
        self.txn.reload()?;
        self.routine_load.reload(scheduling)?;
        self.load_jobs.reload(now_ms(), cfg.label_keep_max_second)?;
        self.privilege.reload(&cfg.root_password)?;
        Ok(())
    }

    /// The managers routine load's scheduler and task reports use.
    pub fn routine_load_context(&self) -> RoutineLoadContext {
        RoutineLoadContext {
            config: self.config.clone(),
            catalog: self.catalog.clone(),
            cluster: self.cluster.clone(),
            txn: self.txn.clone(),
            routine_load: self.routine_load.clone(),
        }
    }

    /// The publish loop's view, with routine load listening to its transactions' ends (the
    /// only kind of load that begins transactions today).
    pub fn publisher(&self) -> Publisher {
        Publisher {
            catalog: self.catalog.clone(),
            cluster: self.cluster.clone(),
            txn: self.txn.clone(),
            listener: Arc::new(self.routine_load_context()),
        }
    }
}
