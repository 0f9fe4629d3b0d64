//! Backends: the registry (persisted under key 0x20 as [`Backend`]), heartbeats over gRPC
//! (`heartbeat`), a pool of tonic clients by backend id for every module that talks to BEs,
//! tablet placement (`placement`), tablet create/drop/truncate/clone fan-out (`tablet_rpc`),
//! the SHOW BACKENDS / SHOW FRONTENDS rows (`show`), and what the FE knows of each replica's
//! version (heartbeat tablet reports and publish results): reads are planned only on replicas
//! at the partition's visible version, and lagging replicas are cloned (`txn::publish`).
//!
//! Invariants: a backend's identity is `host:heartbeat_port` (unique); runtime state (alive,
//! last heartbeat, capacity) is not persisted and starts as not alive until the first
//! successful heartbeat after an FE start; every request carries `cluster_token`.

pub mod frontend;
pub mod heartbeat;
pub mod info_rpc;
pub mod load_rpc;
pub mod partition_routing;
pub mod placement;
pub mod show;
pub mod tablet_rpc;

use crate::config::ConfigHandle;
use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use serde::{Deserialize, Serialize};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::types::{BackendAddr, TabletLocation};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Largest gRPC message FE<->BE (Arrow IPC batches of scans and loads).
pub const MAX_GRPC_MESSAGE_BYTES: usize = 1 << 30;

/// A backend as persisted (key 0x20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    pub id: i64,
    pub host: String,
    pub heartbeat_port: u16,
    /// Learned from heartbeats (0 until the first one).
    #[serde(default)]
    pub be_port: u16,
    #[serde(default)]
    pub http_port: u16,
    #[serde(default)]
    pub added_time_ms: i64,
}

/// What the last heartbeats told about a backend (not persisted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendStatus {
    pub alive: bool,
    /// Last successful heartbeat (ms since epoch), 0 = never.
    pub last_heartbeat_ms: i64,
    /// BE process start time as the BE reported it.
    pub last_start_time_ms: i64,
    pub err_msg: String,
    pub version: String,
    pub cpu_cores: u32,
    pub mem_limit_bytes: i64,
    pub disk_total_bytes: i64,
    pub disk_avail_bytes: i64,
    pub data_used_bytes: i64,
    pub be_tablet_num: u32,
    pub running_tasks: u32,
}

/// A backend with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    pub backend: Backend,
    pub status: BackendStatus,
}

impl BackendInfo {
    /// The address other modules send to BEs.
    pub fn addr(&self) -> BackendAddr {
        BackendAddr {
            backend_id: self.backend.id,
            host: self.backend.host.clone(),
            be_port: self.backend.be_port as u32,
            http_port: self.backend.http_port as u32,
        }
    }
}

/// Failure of a cluster operation; the message is what the client sees (1064/HY000).
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error("{0}")]
    Ddl(String),
    #[error("Backend {0} does not exist")]
    UnknownBackend(i64),
    #[error("Backend {0} has not reported its be_port yet (no heartbeat)")]
    NoBePort(i64),
    #[error("Invalid address of backend {id}: {source}")]
    BadAddress {
        id: i64,
        source: tonic::transport::Error,
    },
}

impl From<ClusterError> for crate::error::SqlError {
    fn from(e: ClusterError) -> Self {
        crate::error::SqlError::internal(e)
    }
}

/// The set of backends and the clients to reach them.
pub struct Cluster {
    meta: Arc<MetaStore>,
    config: ConfigHandle,
    backends: RwLock<BTreeMap<i64, BackendInfo>>,
    /// backend id -> (host:be_port, client).
    clients: Mutex<HashMap<i64, (String, BackendServiceClient<Channel>)>>,
    /// Serialises registry changes.
    write_lock: Mutex<()>,
    /// Where the next placement starts (round robin over alive BEs).
    next_placement: AtomicUsize,
    /// (tablet, backend) -> the replica's visible version, from the BE's last heartbeat report
    /// or a later successful publish (not persisted; unknown after an FE start until the
    /// first heartbeat).
    replica_versions: Mutex<HashMap<(i64, i64), i64>>,
    /// When this FE started (SHOW FRONTENDS StartTime).
    pub fe_start_time_ms: i64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Builds a tonic client for `host:port` (lazy connect, large messages).
pub fn make_client(
    host: &str,
    port: u16,
) -> Result<BackendServiceClient<Channel>, tonic::transport::Error> {
    let ep = Endpoint::from_shared(format!("http://{host}:{port}"))?
        .connect_timeout(Duration::from_secs(3))
        .tcp_nodelay(true);
    Ok(BackendServiceClient::new(ep.connect_lazy())
        .max_decoding_message_size(MAX_GRPC_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_GRPC_MESSAGE_BYTES))
}

/// Parses `"host:port"` of ALTER SYSTEM ADD/DROP BACKEND.
pub fn parse_host_port(s: &str) -> Result<(String, u16), ClusterError> {
    let bad = || ClusterError::Ddl(format!("Invalid host port format: {s}"));
    let (host, port) = s.trim().rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    let port: u16 = port.parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

impl Cluster {
    /// Loads the backend registry.
    pub fn load(meta: Arc<MetaStore>, config: ConfigHandle) -> Result<Self, MetaError> {
        let mut backends = BTreeMap::new();
        for (_, b) in meta.scan_prefix::<Backend>(&[keys::BACKEND])? {
            backends.insert(
                b.id,
                BackendInfo {
                    backend: b,
                    status: BackendStatus::default(),
                },
            );
        }
        Ok(Self {
            meta,
            config,
            backends: RwLock::new(backends),
            clients: Mutex::new(HashMap::new()),
            write_lock: Mutex::new(()),
            next_placement: AtomicUsize::new(0),
            replica_versions: Mutex::new(HashMap::new()),
            fe_start_time_ms: crate::clock::now_ms(),
        })
    }

    /// Replaces the backend registry with what the store holds now, keeping what heartbeats
    /// told about backends still registered.
    pub fn reload(&self) -> Result<(), MetaError> {
        let stored = self.meta.scan_prefix::<Backend>(&[keys::BACKEND])?;
        let mut map = self.write();
        let mut fresh = BTreeMap::new();
        for (_, b) in stored {
            let status = map.remove(&b.id).map(|i| i.status).unwrap_or_default();
            fresh.insert(b.id, BackendInfo { backend: b, status });
        }
        *map = fresh;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<i64, BackendInfo>> {
        match self.backends.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<i64, BackendInfo>> {
        match self.backends.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Starts the background loops (heartbeats to every backend). Call once, inside the
    /// tokio runtime.
    pub fn start(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move { heartbeat::run(me).await });
    }

    /// (alive, total) backends, for `/api/health`.
    pub fn backend_counts(&self) -> (usize, usize) {
        let r = self.read();
        (r.values().filter(|b| b.status.alive).count(), r.len())
    }

    /// The FE config handle.
    pub fn config(&self) -> &ConfigHandle {
        &self.config
    }

    /// The shared secret every BE request carries.
    pub fn cluster_token(&self) -> String {
        self.config.get().cluster_token.clone()
    }

    /// Every backend with its status, by id.
    pub fn backends(&self) -> Vec<BackendInfo> {
        self.read().values().cloned().collect()
    }

    /// One backend.
    pub fn backend(&self, id: i64) -> Option<BackendInfo> {
        self.read().get(&id).cloned()
    }

    /// Number of registered backends (alive or not).
    pub fn backend_num(&self) -> usize {
        self.read().len()
    }

    /// Ids of alive backends, ascending.
    pub fn alive_backend_ids(&self) -> Vec<i64> {
        self.read()
            .values()
            .filter(|b| b.status.alive)
            .map(|b| b.backend.id)
            .collect()
    }

    /// True when backend `id` is alive.
    pub fn is_alive(&self, id: i64) -> bool {
        self.read().get(&id).is_some_and(|b| b.status.alive)
    }

    /// The address of backend `id` for requests that carry replica locations.
    pub fn backend_addr(&self, id: i64) -> Option<BackendAddr> {
        self.read().get(&id).map(BackendInfo::addr)
    }

    /// Every tablet of `table` with its replicas' addresses (replicas on unknown backends
    /// are left out).
    pub fn tablet_locations(&self, table: &crate::catalog::Table) -> Vec<TabletLocation> {
        let bes = self.read();
        table
            .tablets()
            .map(|(p, t)| TabletLocation {
                tablet_id: t.id,
                partition_id: p.id,
                bucket: t.bucket,
                replicas: t
                    .replicas
                    .iter()
                    .filter_map(|id| bes.get(id).map(BackendInfo::addr))
                    .collect(),
            })
            .collect()
    }

    /// Replaces what is known of `backend`'s replica versions with its heartbeat report
    /// (`(tablet, version)`; version 0 = a clone of it is pending).
    pub fn record_tablet_report(&self, backend: i64, versions: &[(i64, i64)]) {
        let mut m = lock(&self.replica_versions);
        m.retain(|(_, be), _| *be != backend);
        for (tablet, v) in versions {
            m.insert((*tablet, backend), *v);
        }
    }

    /// Records that replica (`tablet`, `backend`) applied `version`.
    pub fn note_replica_version(&self, tablet: i64, backend: i64, version: i64) {
        let mut m = lock(&self.replica_versions);
        let e = m.entry((tablet, backend)).or_insert(version);
        *e = (*e).max(version);
    }

    /// The replica's known visible version (None: not reported yet).
    pub fn replica_version(&self, tablet: i64, backend: i64) -> Option<i64> {
        lock(&self.replica_versions)
            .get(&(tablet, backend))
            .copied()
    }

    /// Every tablet of `table` with the replicas that may serve a read at the partition's
    /// visible version, best first: alive replicas known to be at it, then alive ones whose
    /// version is not known yet, then the others. A replica known to be below the visible
    /// version is left out (it is being repaired), unless no replica is left.
    pub fn readable_tablet_locations(&self, table: &crate::catalog::Table) -> Vec<TabletLocation> {
        let bes = self.read();
        let versions = lock(&self.replica_versions);
        table
            .tablets()
            .map(|(p, t)| {
                let rank = |be: &i64| -> u8 {
                    let alive = bes.get(be).is_some_and(|b| b.status.alive);
                    match (alive, versions.get(&(t.id, *be))) {
                        (true, Some(v)) if *v >= p.visible_version => 0,
                        (true, None) => 1,
                        (_, Some(v)) if *v < p.visible_version => 3,
                        _ => 2,
                    }
                };
                let mut ranked: Vec<(u8, i64)> =
                    t.replicas.iter().map(|be| (rank(be), *be)).collect();
                ranked.sort_by_key(|r| r.0);
                if ranked.iter().any(|r| r.0 < 3) {
                    ranked.retain(|r| r.0 < 3);
                }
                TabletLocation {
                    tablet_id: t.id,
                    partition_id: p.id,
                    bucket: t.bucket,
                    replicas: ranked
                        .iter()
                        .filter_map(|(_, id)| bes.get(id).map(BackendInfo::addr))
                        .collect(),
                }
            })
            .collect()
    }

    /// A client of backend `id`'s BackendService (be_port). Cheap to clone; reused.
    pub fn client(&self, id: i64) -> Result<BackendServiceClient<Channel>, ClusterError> {
        let info = self.backend(id).ok_or(ClusterError::UnknownBackend(id))?;
        if info.backend.be_port == 0 {
            return Err(ClusterError::NoBePort(id));
        }
        let addr = format!("{}:{}", info.backend.host, info.backend.be_port);
        let mut clients = lock(&self.clients);
        if let Some((a, c)) = clients.get(&id) {
            if *a == addr {
                return Ok(c.clone());
            }
        }
        let c = make_client(&info.backend.host, info.backend.be_port)
            .map_err(|source| ClusterError::BadAddress { id, source })?;
        clients.insert(id, (addr, c.clone()));
        Ok(c)
    }

    /// Drops the cached client of backend `id`: the next call opens a new connection (the
    /// heartbeat found the old one dead or the BE unreachable).
    pub fn forget_client(&self, id: i64) {
        lock(&self.clients).remove(&id);
    }

    /// ALTER SYSTEM ADD BACKEND "host:heartbeat_port" (several at once, atomically).
    pub fn add_backends(&self, host_ports: &[String]) -> Result<Vec<i64>, ClusterError> {
        let _g = lock(&self.write_lock);
        let mut parsed = Vec::new();
        for hp in host_ports {
            let (host, port) = parse_host_port(hp)?;
            let exists = self
                .read()
                .values()
                .any(|b| b.backend.host == host && b.backend.heartbeat_port == port)
                || parsed.iter().any(|(h, p)| *h == host && *p == port);
            if exists {
                return Err(ClusterError::Ddl(format!(
                    "Same backend already exists[{host}:{port}]"
                )));
            }
            parsed.push((host, port));
        }
        let mut batch = MetaBatch::new();
        let mut added = Vec::new();
        for (host, port) in parsed {
            let b = Backend {
                id: self.meta.next_id()?,
                host,
                heartbeat_port: port,
                be_port: 0,
                http_port: 0,
                added_time_ms: crate::clock::now_ms(),
            };
            batch.put(&keys::id_key(keys::BACKEND, b.id), &b)?;
            added.push(b);
        }
        self.meta.write(batch)?;
        let mut w = self.write();
        let ids = added.iter().map(|b| b.id).collect();
        for b in added {
            tracing::info!(backend = b.id, host = %b.host, port = b.heartbeat_port, "Backend added.");
            w.insert(
                b.id,
                BackendInfo {
                    backend: b,
                    status: BackendStatus::default(),
                },
            );
        }
        Ok(ids)
    }

    /// ALTER SYSTEM DROP BACKEND "host:heartbeat_port" (several at once, atomically).
    /// Replicas on a dropped backend stay in the catalog but are unreachable.
    pub fn drop_backends(&self, host_ports: &[String]) -> Result<Vec<i64>, ClusterError> {
        let _g = lock(&self.write_lock);
        let mut ids = Vec::new();
        for hp in host_ports {
            let (host, port) = parse_host_port(hp)?;
            let id = self
                .read()
                .values()
                .find(|b| b.backend.host == host && b.backend.heartbeat_port == port)
                .map(|b| b.backend.id)
                .ok_or_else(|| {
                    ClusterError::Ddl(format!("backend does not exists[{host}:{port}]"))
                })?;
            ids.push(id);
        }
        let mut batch = MetaBatch::new();
        for id in &ids {
            batch.delete(&keys::id_key(keys::BACKEND, *id));
        }
        self.meta.write(batch)?;
        let mut w = self.write();
        let mut clients = lock(&self.clients);
        for id in &ids {
            w.remove(id);
            clients.remove(id);
            tracing::info!(backend = id, "Backend dropped.");
        }
        Ok(ids)
    }

    /// Records ports a heartbeat reported; persists them when they changed.
    fn update_ports(&self, id: i64, be_port: u16, http_port: u16) -> Result<(), MetaError> {
        let _g = lock(&self.write_lock);
        let Some(mut b) = self.backend(id).map(|i| i.backend) else {
            return Ok(());
        };
        if b.be_port == be_port && b.http_port == http_port {
            return Ok(());
        }
        b.be_port = be_port;
        b.http_port = http_port;
        if !self.meta.can_write() {
            // A follower learns the ports from its own heartbeats; the leader persists them.
            if let Some(info) = self.write().get_mut(&id) {
                info.backend = b;
            }
            return Ok(());
        }
        let mut batch = MetaBatch::new();
        batch.put(&keys::id_key(keys::BACKEND, id), &b)?;
        self.meta.write(batch)?;
        if let Some(info) = self.write().get_mut(&id) {
            info.backend = b;
        }
        lock(&self.clients).remove(&id);
        Ok(())
    }

    /// Applies `f` to backend `id`'s status.
    fn update_status(&self, id: i64, f: impl FnOnce(&mut BackendStatus)) {
        if let Some(info) = self.write().get_mut(&id) {
            f(&mut info.status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeConfig;

    #[test]
    fn add_and_drop_backends_persist() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let c = Cluster::load(meta.clone(), ConfigHandle::new(FeConfig::default())).unwrap();
        let ids = c
            .add_backends(&["127.0.0.1:9050".into(), "127.0.0.1:9150".into()])
            .unwrap();
        assert_eq!(ids.len(), 2);
        let e = c.add_backends(&["127.0.0.1:9050".into()]).unwrap_err();
        assert_eq!(e.to_string(), "Same backend already exists[127.0.0.1:9050]");
        let e = c.add_backends(&["nohost".into()]).unwrap_err();
        assert_eq!(e.to_string(), "Invalid host port format: nohost");
        let c = Cluster::load(meta.clone(), ConfigHandle::new(FeConfig::default())).unwrap();
        assert_eq!(c.backend_num(), 2);
        assert!(c.alive_backend_ids().is_empty());
        c.drop_backends(&["127.0.0.1:9150".into()]).unwrap();
        let e = c.drop_backends(&["127.0.0.1:9150".into()]).unwrap_err();
        assert_eq!(e.to_string(), "backend does not exists[127.0.0.1:9150]");
        let c = Cluster::load(meta, ConfigHandle::new(FeConfig::default())).unwrap();
        assert_eq!(c.backend_num(), 1);
        assert!(matches!(c.client(ids[0]), Err(ClusterError::NoBePort(_))));
    }
}
