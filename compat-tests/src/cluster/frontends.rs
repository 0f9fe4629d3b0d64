//! Several FEs: followers joined to the first FE, and faults on any FE (kill -9, SIGSTOP).
//! FE number 0 is `Cluster::fe`, FE i >= 1 is `Cluster::followers[i - 1]`.

use super::{Cluster, FeNode};
use crate::poll::{port_accepts_at, Deadline};
use crate::ports::free_ports;
use crate::process::{log_tail, ChildGuard};
use crate::sql::{connect, mysql_url_at, query, QueryOutput};
use anyhow::{bail, Context, Result};
use mysql_async::Conn;
use std::time::Duration;

impl Cluster {
    /// FE `i`.
    pub fn fe_at(&self, i: usize) -> &FeNode {
        if i == 0 {
            &self.fe
        } else {
            &self.followers[i - 1]
        }
    }

    fn fe_at_mut(&mut self, i: usize) -> &mut FeNode {
        if i == 0 {
            &mut self.fe
        } else {
            &mut self.followers[i - 1]
        }
    }

    /// Number of FEs.
    pub fn fe_count(&self) -> usize {
        1 + self.followers.len()
    }

    /// A root connection to FE `i`.
    pub async fn conn_fe(&self, i: usize) -> Result<Conn> {
        let fe = self.fe_at(i);
        connect(&mysql_url_at(&fe.host, fe.query_port, "root", "", None)).await
    }

    /// Adds `n` FEs as followers: `ALTER SYSTEM ADD FOLLOWER` on the leader, then starts each
    /// with `--helper` naming FE 0; returns once SHOW FRONTENDS lists every FE alive and
    /// voting (LEADER or FOLLOWER with IsHelper = true).
    pub async fn add_followers(&mut self, n: usize) -> Result<()> {
        let helper = format!("{}:{}", self.fe.host, self.fe.edit_log_port);
        for _ in 0..n {
            let i = self.fe_count();
            let p = free_ports(4)?;
            let dir = self.root.join(format!("fe{i}"));
            let net = match &self.opts.network {
                Some(n) => Some(n.add(&format!("fe{i}"))?),
                None => None,
            };
            let node = FeNode {
                host: net
                    .as_ref()
                    .map_or_else(|| "127.0.0.1".to_string(), |n| n.ip.clone()),
                net,
                query_port: p[0],
                http_port: p[1],
                rpc_port: p[2],
                edit_log_port: p[3],
                meta_dir: dir.join("meta"),
                log_dir: dir.join("log"),
                out_file: dir.join("fe.out"),
                dir,
                child: None,
            };
            let sql = format!(
                "ALTER SYSTEM ADD FOLLOWER \"{}:{}\"",
                node.host, node.edit_log_port
            );
            let leader = self.leader_index().await?;
            let mut c = self.conn_fe(leader).await?;
            query(&mut c, &sql).await.with_context(|| sql.clone())?;
            self.followers.push(node);
            self.spawn_fe_at(i, Some(&helper))?;
            self.wait_fe_ready_at(i).await?;
        }
        self.wait_frontends_voting(self.opts.start_timeout).await
    }

    fn spawn_fe_at(&mut self, i: usize, helper: Option<&str>) -> Result<()> {
        let fe = self.fe_at(i);
        std::fs::create_dir_all(&fe.meta_dir)?;
        std::fs::create_dir_all(&fe.log_dir)?;
        let args = self.fe_args_of(fe, helper);
        let env: Vec<(String, String)> = self
            .opts
            .env
            .iter()
            .chain(&self.opts.fe_env)
            .cloned()
            .collect();
        let (bin, dir, out) = (self.fe_bin.clone(), fe.dir.clone(), fe.out_file.clone());
        let ns = fe.net.as_ref().map(|n| n.ns.clone());
        let child = ChildGuard::spawn_in(
            ns.as_deref(),
            &format!("starload-fe{i}"),
            &bin,
            &args,
            &dir,
            &out,
            &env,
        )?;
        self.fe_at_mut(i).child = Some(child);
        Ok(())
    }

    /// Waits until FE `i` answers `SELECT 1`.
    pub async fn wait_fe_ready_at(&mut self, i: usize) -> Result<()> {
        let d = Deadline::after(self.opts.start_timeout);
        let url = {
            let fe = self.fe_at(i);
            mysql_url_at(&fe.host, fe.query_port, "root", "", None)
        };
        loop {
            let fe = self.fe_at_mut(i);
            if let Some(status) = fe.child.as_mut().and_then(|c| c.exited()) {
                bail!(
                    "starload-fe{i} exited ({status}):\n{}",
                    log_tail(&fe.out_file, 40)
                );
            }
            if port_accepts_at(&fe.host, fe.query_port).await {
                if let Ok(mut c) = connect(&url).await {
                    if query(&mut c, "SELECT 1").await.is_ok() {
                        return Ok(());
                    }
                }
            }
            if !d.wait().await {
                bail!(
                    "starload-fe{i} not answering after {:?}:\n{}",
                    d.timeout(),
                    log_tail(&self.fe_at(i).out_file, 40)
                );
            }
        }
    }

    /// SHOW FRONTENDS as FE `i` answers it.
    pub async fn show_frontends(&self, i: usize) -> Result<QueryOutput> {
        let mut c = self.conn_fe(i).await?;
        Ok(query(&mut c, "SHOW FRONTENDS").await?)
    }

    /// The index of the FE SHOW FRONTENDS calls LEADER, asking the FEs that run in turn.
    pub async fn leader_index(&self) -> Result<usize> {
        let mut last = String::new();
        for i in 0..self.fe_count() {
            if self.fe_at(i).child.is_none() {
                continue;
            }
            // A paused or cut FE may accept the connection and never answer.
            let answer = tokio::time::timeout(Duration::from_secs(3), self.show_frontends(i))
                .await
                .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within 3s")));
            match answer {
                Ok(out) => {
                    if let Some(idx) = self.leader_in(&out) {
                        return Ok(idx);
                    }
                    last = format!("FE {i} lists no LEADER");
                }
                Err(e) => last = format!("FE {i}: {e:#}"),
            }
        }
        bail!("no FE names a leader ({last})")
    }

    fn leader_in(&self, out: &QueryOutput) -> Option<usize> {
        let role = out.col("Role")?;
        let port = out.col("EditLogPort")?;
        let row = out
            .rows
            .iter()
            .find(|r| r.get(role).is_some_and(|v| v == "LEADER"))?;
        let p: u16 = row.get(port)?.parse().ok()?;
        (0..self.fe_count()).find(|i| self.fe_at(*i).edit_log_port == p)
    }

    /// Polls until FE 0..n all show as alive voters on the leader.
    pub async fn wait_frontends_voting(&self, timeout: Duration) -> Result<()> {
        let d = Deadline::after(timeout);
        loop {
            let mut last = String::new();
            if let Ok(l) = self.leader_index().await {
                if let Ok(out) = self.show_frontends(l).await {
                    let (alive, helper) = (out.col("Alive"), out.col("IsHelper"));
                    if let (Some(a), Some(h)) = (alive, helper) {
                        let n = out
                            .rows
                            .iter()
                            .filter(|r| {
                                r.get(a).is_some_and(|v| v == "true")
                                    && r.get(h).is_some_and(|v| v == "true")
                            })
                            .count();
                        if n == self.fe_count() {
                            return Ok(());
                        }
                        last = format!("{n} of {} FEs alive and voting", self.fe_count());
                    }
                }
            }
            if !d.wait().await {
                bail!("frontends not all voting after {timeout:?}: {last}");
            }
        }
    }

    /// True while FE `i`'s process runs (paused counts as running).
    pub fn fe_running_at(&mut self, i: usize) -> bool {
        self.fe_at_mut(i)
            .child
            .as_mut()
            .is_some_and(|c| c.exited().is_none())
    }

    /// True when FE `i` has a process (not killed by the harness).
    pub fn fe_listed_running(&self, i: usize) -> bool {
        self.fe_at(i).child.is_some()
    }

    /// kill -9 FE `i`.
    pub fn kill_fe_at(&mut self, i: usize) {
        if let Some(mut c) = self.fe_at_mut(i).child.take() {
            c.kill();
        }
    }

    /// Starts FE `i` again (killing it first if it runs) and waits until it answers.
    pub async fn restart_fe_at(&mut self, i: usize) -> Result<()> {
        self.kill_fe_at(i);
        self.spawn_fe_at(i, None)?;
        self.wait_fe_ready_at(i).await
    }

    /// SIGSTOP (`stop = true`) or SIGCONT FE `i`: a hung process that keeps its sockets.
    pub fn pause_fe_at(&self, i: usize, stop: bool) -> Result<()> {
        match self.fe_at(i).child.as_ref() {
            Some(c) => c.pause(stop),
            None => bail!("FE {i} is not running"),
        }
    }

    /// SIGSTOP (`stop = true`) or SIGCONT BE `i`.
    pub fn pause_be(&self, i: usize, stop: bool) -> Result<()> {
        match self.bes.get(i).and_then(|b| b.child.as_ref()) {
            Some(c) => c.pause(stop),
            None => bail!("BE {i} is not running"),
        }
    }

    /// Last lines of FE `i`'s output.
    pub fn fe_log_tail_at(&self, i: usize) -> String {
        log_tail(&self.fe_at(i).out_file, 40)
    }
}
