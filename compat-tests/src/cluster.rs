//! A real starload cluster for integration tests: one `starload-fe` and N `starload-be`
//! processes on loopback, each with free ports and its own directory under one temp dir.
//!
//! Layout of the cluster dir (kept when `STARLOAD_KEEP_TEST_DIRS` is set):
//! `fe/{meta,log,fe.out}`, `be<i>/{storage,log,be.out}`.
//!
//! Every config key is passed as a `--key=value` flag (ports, dirs, plus
//! [`ClusterOptions::fe_config`] / [`ClusterOptions::be_config`]). With fewer than three BEs the
//! FE gets `--default_replication_num=<n>` unless the options set it, so tests can create tables
//! without PROPERTIES. `start` returns once the MySQL port answers, every BE was added with
//! `ALTER SYSTEM ADD BACKEND "127.0.0.1:<heartbeat_service_port>"` and `SHOW BACKENDS` shows
//! them all `Alive = true`.
//!
//! kill_* sends SIGKILL (kill -9: nothing flushed, no shutdown hook); restart_* starts the same
//! binary with the same ports and directories, so data survives.

mod frontends;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use mysql_async::Conn;

use crate::netns::{NetNode, Network};
use crate::paths::{be_binary, fe_binary};
use crate::poll::{port_accepts_at, Deadline};
use crate::ports::free_ports;
use crate::process::{log_tail, ChildGuard};
use crate::sql::{connect, mysql_url_at, query, QueryOutput};

/// How long a process gets to open its ports, and the cluster to report every BE alive.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// What to start.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Number of BEs.
    pub bes: usize,
    /// Extra FE config (`--key=value`), applied after the harness's own flags.
    pub fe_config: Vec<(String, String)>,
    /// Extra config for every BE.
    pub be_config: Vec<(String, String)>,
    /// Extra environment for every process (for example `RUST_LOG`).
    pub env: Vec<(String, String)>,
    /// Extra environment for the FE only (after `env`), for example a crash-test failpoint;
    /// [`Cluster::set_fe_env`] changes it between restarts.
    pub fe_env: Vec<(String, String)>,
    /// Deadline for each start/restart step.
    pub start_timeout: Duration,
    /// Every FE and BE in its own network namespace on this network (fault tests that cut
    /// the network); None: all on loopback.
    pub network: Option<Arc<Network>>,
}

impl ClusterOptions {
    /// `bes` BEs, no extra config.
    pub fn new(bes: usize) -> Self {
        Self {
            bes,
            fe_config: Vec::new(),
            be_config: Vec::new(),
            env: Vec::new(),
            fe_env: Vec::new(),
            start_timeout: DEFAULT_START_TIMEOUT,
            network: None,
        }
    }

    /// Puts every FE and BE in its own namespace on `net` (see [`crate::netns`]).
    pub fn network(mut self, net: Arc<Network>) -> Self {
        self.network = Some(net);
        self
    }

    /// Adds an FE config item.
    pub fn fe(mut self, key: &str, value: impl ToString) -> Self {
        self.fe_config.push((key.into(), value.to_string()));
        self
    }

    /// Adds an environment variable for the FE process only.
    pub fn fe_env(mut self, key: &str, value: impl ToString) -> Self {
        self.fe_env.push((key.into(), value.to_string()));
        self
    }

    /// Adds a config item for every BE.
    pub fn be(mut self, key: &str, value: impl ToString) -> Self {
        self.be_config.push((key.into(), value.to_string()));
        self
    }
}

/// The FE process and where it lives.
#[derive(Debug)]
pub struct FeNode {
    /// Its address: 127.0.0.1, or its namespace's address on the test network.
    pub host: String,
    /// Its namespace on the test network.
    pub net: Option<NetNode>,
    pub query_port: u16,
    pub http_port: u16,
    pub rpc_port: u16,
    /// FE <-> FE (Raft) port; every test FE gets its own.
    pub edit_log_port: u16,
    /// `<cluster>/fe`
    pub dir: PathBuf,
    pub meta_dir: PathBuf,
    pub log_dir: PathBuf,
    /// stdout+stderr of every run.
    pub out_file: PathBuf,
    child: Option<ChildGuard>,
}

/// One BE process and where it lives.
#[derive(Debug)]
pub struct BeNode {
    /// Its address: 127.0.0.1, or its namespace's address on the test network.
    pub host: String,
    /// Its namespace on the test network.
    pub net: Option<NetNode>,
    pub be_port: u16,
    pub heartbeat_service_port: u16,
    pub be_http_port: u16,
    pub brpc_port: u16,
    /// `<cluster>/be<i>`
    pub dir: PathBuf,
    pub storage_root_path: PathBuf,
    pub log_dir: PathBuf,
    pub out_file: PathBuf,
    child: Option<ChildGuard>,
}

impl BeNode {
    /// The address given to `ALTER SYSTEM ADD BACKEND`.
    pub fn heartbeat_addr(&self) -> String {
        format!("{}:{}", self.host, self.heartbeat_service_port)
    }
}

/// A running cluster. Dropping it kills every process (and removes the temp dir unless
/// `STARLOAD_KEEP_TEST_DIRS` is set).
pub struct Cluster {
    // Field order matters: processes are dropped (killed) before the directory is removed.
    pub fe: FeNode,
    /// Further FEs (FE number i >= 1 is `followers[i - 1]`), see `add_followers`.
    pub followers: Vec<FeNode>,
    pub bes: Vec<BeNode>,
    opts: ClusterOptions,
    fe_bin: PathBuf,
    be_bin: PathBuf,
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Cluster {
    /// Starts one FE and `n_bes` BEs and waits until every BE is alive.
    pub async fn start(n_bes: usize) -> Result<Self> {
        Self::start_with(ClusterOptions::new(n_bes)).await
    }

    /// Starts a cluster as `opts` says.
    pub async fn start_with(opts: ClusterOptions) -> Result<Self> {
        let fe_bin = fe_binary()?;
        let be_bin = be_binary()?;
        let tmp = tempfile::Builder::new()
            .prefix("starload-cluster-")
            .tempdir()
            .context("create cluster temp dir")?;
        let root = tmp.path().to_path_buf();
        let keep = std::env::var_os("STARLOAD_KEEP_TEST_DIRS").is_some();
        let tmp = if keep {
            eprintln!("starload test cluster dir: {}", root.display());
            let _ = tmp.keep();
            None
        } else {
            Some(tmp)
        };

        let p = free_ports(4 + 4 * opts.bes)?;
        let fe_dir = root.join("fe");
        let place = |label: &str| -> Result<(String, Option<NetNode>)> {
            match &opts.network {
                Some(net) => {
                    let n = net.add(label)?;
                    Ok((n.ip.clone(), Some(n)))
                }
                None => Ok(("127.0.0.1".to_string(), None)),
            }
        };
        let (host, net) = place("fe0")?;
        let fe = FeNode {
            host,
            net,
            query_port: p[0],
            http_port: p[1],
            rpc_port: p[2],
            edit_log_port: p[3 + 4 * opts.bes],
            meta_dir: fe_dir.join("meta"),
            log_dir: fe_dir.join("log"),
            out_file: fe_dir.join("fe.out"),
            dir: fe_dir,
            child: None,
        };
        let bes = (0..opts.bes)
            .map(|i| {
                let dir = root.join(format!("be{i}"));
                let q = &p[3 + 4 * i..3 + 4 * i + 4];
                let (host, net) = place(&format!("be{i}"))?;
                Ok(BeNode {
                    host,
                    net,
                    be_port: q[0],
                    heartbeat_service_port: q[1],
                    be_http_port: q[2],
                    brpc_port: q[3],
                    storage_root_path: dir.join("storage"),
                    log_dir: dir.join("log"),
                    out_file: dir.join("be.out"),
                    dir,
                    child: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut cluster = Cluster {
            fe,
            followers: Vec::new(),
            bes,
            opts,
            fe_bin,
            be_bin,
            root,
            _tmp: tmp,
        };
        cluster.spawn_fe()?;
        for i in 0..cluster.bes.len() {
            cluster.spawn_be(i)?;
        }
        cluster.wait_fe_ready().await?;
        for i in 0..cluster.bes.len() {
            cluster.wait_be_ports(i).await?;
        }
        let mut conn = cluster.conn().await?;
        for be in &cluster.bes {
            let sql = format!("ALTER SYSTEM ADD BACKEND \"{}\"", be.heartbeat_addr());
            query(&mut conn, &sql)
                .await
                .with_context(|| format!("{sql}\nFE log tail:\n{}", cluster.fe_log_tail()))?;
        }
        cluster.wait_backends_alive().await?;
        Ok(cluster)
    }

    /// The test network its processes are on (None: loopback).
    pub fn network(&self) -> Option<&Arc<Network>> {
        self.opts.network.as_ref()
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// FE MySQL port.
    pub fn query_port(&self) -> u16 {
        self.fe.query_port
    }

    /// FE HTTP port.
    pub fn http_port(&self) -> u16 {
        self.fe.http_port
    }

    /// `mysql://root@<host>:<query_port>` of FE 0.
    pub fn mysql_url(&self) -> String {
        mysql_url_at(&self.fe.host, self.fe.query_port, "root", "", None)
    }

    /// A new connection as root.
    pub async fn conn(&self) -> Result<Conn> {
        connect(&self.mysql_url()).await
    }

    /// A new connection as root with `db` as the current database.
    pub async fn conn_db(&self, db: &str) -> Result<Conn> {
        connect(&mysql_url_at(
            &self.fe.host,
            self.fe.query_port,
            "root",
            "",
            Some(db),
        ))
        .await
    }

    /// A new connection as `user`.
    pub async fn conn_as(&self, user: &str, password: &str) -> Result<Conn> {
        connect(&mysql_url_at(
            &self.fe.host,
            self.fe.query_port,
            user,
            password,
            None,
        ))
        .await
    }

    /// Last lines of the FE's output.
    pub fn fe_log_tail(&self) -> String {
        log_tail(&self.fe.out_file, 40)
    }

    /// Last lines of BE `i`'s output.
    pub fn be_log_tail(&self, i: usize) -> String {
        self.bes
            .get(i)
            .map(|b| log_tail(&b.out_file, 40))
            .unwrap_or_default()
    }

    /// True while the FE process runs.
    pub fn fe_running(&mut self) -> bool {
        self.fe.child.as_mut().is_some_and(|c| c.exited().is_none())
    }

    /// True while BE `i`'s process runs.
    pub fn be_running(&mut self, i: usize) -> bool {
        self.bes
            .get_mut(i)
            .and_then(|b| b.child.as_mut())
            .is_some_and(|c| c.exited().is_none())
    }

    /// OS pid of the FE (None while it is killed).
    pub fn fe_pid(&self) -> Option<u32> {
        self.fe.child.as_ref().map(ChildGuard::pid)
    }

    /// OS pid of BE `i` (None while it is killed).
    pub fn be_pid(&self, i: usize) -> Option<u32> {
        self.bes.get(i)?.child.as_ref().map(ChildGuard::pid)
    }

    /// kill -9 the FE.
    pub fn kill_fe(&mut self) {
        if let Some(mut c) = self.fe.child.take() {
            c.kill();
        }
    }

    /// Starts the FE again (killing it first if it runs) and waits until it accepts queries.
    pub async fn restart_fe(&mut self) -> Result<()> {
        self.kill_fe();
        self.spawn_fe()?;
        self.wait_fe_ready().await
    }

    /// Sets (`Some`) or removes (`None`) an FE-only environment variable for the next FE
    /// start (crash tests: restart with a failpoint, then without it).
    pub fn set_fe_env(&mut self, key: &str, value: Option<&str>) {
        self.opts.fe_env.retain(|(k, _)| k != key);
        if let Some(v) = value {
            self.opts.fe_env.push((key.into(), v.into()));
        }
    }

    /// Polls until the FE process has exited by itself (for example at a failpoint); returns
    /// its exit status text.
    pub async fn wait_fe_exit(&mut self, timeout: Duration) -> Result<String> {
        let d = Deadline::after(timeout);
        loop {
            match self.fe.child.as_mut().map(|c| c.exited()) {
                None => bail!("the FE is not started"),
                Some(Some(status)) => {
                    self.fe.child = None;
                    return Ok(status);
                }
                Some(None) => {}
            }
            if !d.wait().await {
                bail!(
                    "the FE still runs after {timeout:?}:\n{}",
                    self.fe_log_tail()
                );
            }
        }
    }

    /// kill -9 every process (FE and all BEs) at once, then starts them all again and waits
    /// until the FE answers and every BE is alive.
    pub async fn restart_all(&mut self) -> Result<()> {
        self.kill_fe();
        for i in 0..self.bes.len() {
            self.kill_be(i);
        }
        self.spawn_fe()?;
        for i in 0..self.bes.len() {
            self.spawn_be(i)?;
        }
        self.wait_fe_ready().await?;
        for i in 0..self.bes.len() {
            self.wait_be_ports(i).await?;
        }
        self.wait_backends_alive().await
    }

    /// The index (in [`Cluster::bes`]) of the BE that SHOW BACKENDS lists with `BackendId`
    /// `backend_id`.
    pub async fn be_index_of(&self, backend_id: &str) -> Result<Option<usize>> {
        let out = self.show_backends().await?;
        let (Some(id), Some(hb)) = (out.col("BackendId"), out.col("HeartbeatPort")) else {
            bail!(
                "SHOW BACKENDS lacks BackendId/HeartbeatPort: {:?}",
                out.columns
            );
        };
        let port = out
            .rows
            .iter()
            .find(|r| r.get(id).map(String::as_str) == Some(backend_id))
            .and_then(|r| r.get(hb))
            .cloned();
        Ok(port.and_then(|p| {
            self.bes
                .iter()
                .position(|b| b.heartbeat_service_port.to_string() == p)
        }))
    }

    /// kill -9 BE `i`.
    pub fn kill_be(&mut self, i: usize) {
        if let Some(mut c) = self.bes.get_mut(i).and_then(|b| b.child.take()) {
            c.kill();
        }
    }

    /// Starts BE `i` again (killing it first if it runs), waits until its ports accept and the
    /// FE reports every BE alive.
    pub async fn restart_be(&mut self, i: usize) -> Result<()> {
        if i >= self.bes.len() {
            bail!("no BE {i}");
        }
        self.kill_be(i);
        self.spawn_be(i)?;
        self.wait_be_ports(i).await?;
        self.wait_backends_alive().await
    }

    /// `SHOW BACKENDS`.
    pub async fn show_backends(&self) -> Result<QueryOutput> {
        let mut conn = self.conn().await?;
        Ok(query(&mut conn, "SHOW BACKENDS").await?)
    }

    /// The `Alive` column of BE `i` in SHOW BACKENDS (None if it is not listed).
    pub async fn backend_alive(&self, i: usize) -> Result<Option<bool>> {
        let be = self.bes.get(i).context("no such BE")?;
        let out = self.show_backends().await?;
        Ok(backend_alive_in(&out, &be.host, be.heartbeat_service_port))
    }

    /// Polls SHOW BACKENDS until every BE of this cluster is listed with `Alive = true`.
    pub async fn wait_backends_alive(&self) -> Result<()> {
        let d = Deadline::after(self.opts.start_timeout);
        loop {
            let last = self.show_backends().await;
            if let Ok(out) = &last {
                if self
                    .bes
                    .iter()
                    .all(|b| backend_alive_in(out, &b.host, b.heartbeat_service_port) == Some(true))
                {
                    return Ok(());
                }
            }
            if !d.wait().await {
                bail!(
                    "BEs not all alive after {:?}; last SHOW BACKENDS: {last:?}\nFE log tail:\n{}",
                    d.timeout(),
                    self.fe_log_tail()
                );
            }
        }
    }

    /// Polls SHOW BACKENDS until BE `i` shows `Alive = <alive>`.
    pub async fn wait_backend_alive(&self, i: usize, alive: bool, timeout: Duration) -> Result<()> {
        let d = Deadline::after(timeout);
        loop {
            let last = self.backend_alive(i).await;
            if matches!(last, Ok(Some(a)) if a == alive) {
                return Ok(());
            }
            if !d.wait().await {
                bail!("BE {i} not Alive={alive} after {timeout:?}; last: {last:?}");
            }
        }
    }

    fn fe_args(&self) -> Vec<String> {
        self.fe_args_of(&self.fe, None)
    }

    /// Flags of FE `fe`; `helper` (host:edit_log_port) for an FE joining the first one.
    fn fe_args_of(&self, fe: &FeNode, helper: Option<&str>) -> Vec<String> {
        let mut args = vec![
            format!("--query_port={}", fe.query_port),
            format!("--http_port={}", fe.http_port),
            format!("--rpc_port={}", fe.rpc_port),
            format!("--edit_log_port={}", fe.edit_log_port),
            format!("--meta_dir={}", fe.meta_dir.display()),
            format!("--sys_log_dir={}", fe.log_dir.display()),
        ];
        if fe.net.is_some() {
            // Its identity in the metadata group and the address BEs and peers reach.
            args.push(format!("--priority_networks={}", fe.host));
        }
        if let Some(h) = helper {
            args.push(format!("--helper={h}"));
        }
        let sets_replication = self
            .opts
            .fe_config
            .iter()
            .any(|(k, _)| k == "default_replication_num");
        if self.bes.len() < 3 && !sets_replication {
            args.push(format!(
                "--default_replication_num={}",
                self.bes.len().max(1)
            ));
        }
        args.extend(
            self.opts
                .fe_config
                .iter()
                .map(|(k, v)| format!("--{k}={v}")),
        );
        args
    }

    fn be_args(&self, i: usize) -> Vec<String> {
        let be = &self.bes[i];
        let mut args = vec![
            format!("--be_port={}", be.be_port),
            format!("--heartbeat_service_port={}", be.heartbeat_service_port),
            format!("--be_http_port={}", be.be_http_port),
            format!("--brpc_port={}", be.brpc_port),
            format!("--storage_root_path={}", be.storage_root_path.display()),
            format!("--sys_log_dir={}", be.log_dir.display()),
        ];
        args.extend(
            self.opts
                .be_config
                .iter()
                .map(|(k, v)| format!("--{k}={v}")),
        );
        args
    }

    fn spawn_fe(&mut self) -> Result<()> {
        std::fs::create_dir_all(&self.fe.meta_dir)?;
        std::fs::create_dir_all(&self.fe.log_dir)?;
        let args = self.fe_args();
        let env: Vec<(String, String)> = self
            .opts
            .env
            .iter()
            .chain(&self.opts.fe_env)
            .cloned()
            .collect();
        let child = ChildGuard::spawn_in(
            self.fe.net.as_ref().map(|n| n.ns.as_str()),
            "starload-fe",
            &self.fe_bin,
            &args,
            &self.fe.dir,
            &self.fe.out_file,
            &env,
        )?;
        self.fe.child = Some(child);
        Ok(())
    }

    fn spawn_be(&mut self, i: usize) -> Result<()> {
        let args = self.be_args(i);
        let be = &mut self.bes[i];
        std::fs::create_dir_all(&be.storage_root_path)?;
        std::fs::create_dir_all(&be.log_dir)?;
        let child = ChildGuard::spawn_in(
            be.net.as_ref().map(|n| n.ns.as_str()),
            &format!("starload-be{i}"),
            &self.be_bin,
            &args,
            &be.dir,
            &be.out_file,
            &self.opts.env,
        )?;
        be.child = Some(child);
        Ok(())
    }

    /// Waits until the FE's MySQL port completes a handshake and answers `SELECT 1`.
    async fn wait_fe_ready(&mut self) -> Result<()> {
        self.wait_fe_ready_at(0).await
    }

    /// Waits until BE `i` accepts connections on its heartbeat and be ports.
    async fn wait_be_ports(&mut self, i: usize) -> Result<()> {
        let d = Deadline::after(self.opts.start_timeout);
        loop {
            let be = &mut self.bes[i];
            if let Some(status) = be.child.as_mut().and_then(|c| c.exited()) {
                bail!(
                    "starload-be{i} exited ({status}):\n{}",
                    log_tail(&be.out_file, 40)
                );
            }
            if port_accepts_at(&be.host, be.heartbeat_service_port).await
                && port_accepts_at(&be.host, be.be_port).await
            {
                return Ok(());
            }
            if !d.wait().await {
                bail!(
                    "starload-be{i} ports not open after {:?}:\n{}",
                    d.timeout(),
                    self.be_log_tail(i)
                );
            }
        }
    }
}

/// Finds the row of the BE with heartbeat port `hb_port` on `host` and reads `Alive`.
pub fn backend_alive_in(out: &QueryOutput, host: &str, hb_port: u16) -> Option<bool> {
    let ip = out.col("IP")?;
    let hb = out.col("HeartbeatPort")?;
    let alive = out.col("Alive")?;
    let port = hb_port.to_string();
    out.rows
        .iter()
        .find(|r| {
            r.get(hb) == Some(&port)
                && r.get(ip)
                    .is_some_and(|v| v == host || (host == "127.0.0.1" && v == "localhost"))
        })
        .map(|r| r.get(alive).is_some_and(|v| v == "true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alive_is_read_by_column_title() {
        let out = QueryOutput {
            columns: vec![
                "BackendId".into(),
                "IP".into(),
                "HeartbeatPort".into(),
                "Alive".into(),
            ],
            rows: vec![
                vec![
                    "10001".into(),
                    "127.0.0.1".into(),
                    "9050".into(),
                    "true".into(),
                ],
                vec![
                    "10002".into(),
                    "127.0.0.1".into(),
                    "9150".into(),
                    "false".into(),
                ],
            ],
        };
        assert_eq!(backend_alive_in(&out, "127.0.0.1", 9050), Some(true));
        assert_eq!(backend_alive_in(&out, "127.0.0.1", 9150), Some(false));
        assert_eq!(backend_alive_in(&out, "127.0.0.1", 9250), None);
        assert_eq!(backend_alive_in(&out, "10.197.1.11", 9050), None);
    }
}
