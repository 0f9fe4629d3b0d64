//! Replicated metadata: the FE's RocksDB store behind an openraft group of frontends.
//!
//! Every `MetaStore::write` on the leader becomes one log entry ([`types::MetaCommand`]);
//! `MetaStore::write` returns once the entry is committed by a quorum and applied to the
//! local store. Followers apply the same entries (`state_machine`), so every FE's store holds
//! the same state. Raft runs on its own small runtime: a statement thread that waits for a
//! commit never starves the tasks that make the commit happen.

pub mod durability;
pub mod lease;
pub mod log_store;
pub mod network;
pub mod state_machine;
pub mod types;

use super::error::MetaError;
use openraft::error::{ClientWriteError, RaftError};
use openraft::{ChangeMembers, Raft, ServerState};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
pub use types::{node_id, FeNode, MetaCommand, MetaOp, MetaTypes};

/// How long a write waits for its commit before it reports the outcome unknown. A leader cut
/// off from its quorum cannot commit (Raft), so its writes fail after this long; a paused
/// leader that wakes up learns the newer term from the first answer and fails them at once.
const WRITE_TIMEOUT: Duration = Duration::from_secs(8);

/// The same bound for a group whose only voter is this FE: no quorum can be lost, only the
/// local disk can be slow (a shared machine's fsync stalls for seconds), and a lone
/// StarRocks FE blocks on its edit log the same way.
const LONE_WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// A write slower than this is logged (with whether a lease check ran first).
const SLOW_WRITE: Duration = Duration::from_secs(1);

/// Timing of the group (fe.conf `meta_heartbeat_interval_ms`, `meta_election_timeout_ms`).
#[derive(Debug, Clone, Copy)]
pub struct RaftTiming {
    pub heartbeat_ms: u64,
    /// Minimum election timeout; the maximum is twice this.
    pub election_timeout_ms: u64,
}

/// A frontend's membership in the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: u64,
    pub node: FeNode,
    /// A voter (FOLLOWER, or the leader); false for an OBSERVER (a Raft learner).
    pub voter: bool,
}

/// What a frontend last told about itself (its NodeInfo answer), for SHOW FRONTENDS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStatus {
    pub alive: bool,
    pub last_heartbeat_ms: i64,
    pub http_port: u16,
    pub query_port: u16,
    pub rpc_port: u16,
    pub start_time_ms: i64,
    pub version: String,
    pub applied_index: u64,
    pub cluster_id: i64,
    pub err_msg: String,
}

/// The local Raft node and the runtime it runs on.
pub struct MetaRaft {
    raft: Raft<MetaTypes>,
    node_id: u64,
    node: FeNode,
    rt: tokio::runtime::Handle,
    timing: RaftTiming,
    /// Set by the FE once, as leader, it has reloaded its state and run recovery; cleared
    /// the moment it is not leader. Background loops and BE reports act only while set.
    active: AtomicBool,
    /// A write whose outcome is unknown (timed out): the FE reloads its state from the store.
    uncertain: AtomicBool,
    /// The applied index the FE's in-memory state reflects (after a reload, or as leader).
    reloaded: tokio::sync::watch::Sender<u64>,
    /// The highest index a waiting reader needs reloaded (`wait_reloaded`), and the signal
    /// that wakes the follower's reload loop for it: a follower reloads on demand, and
    /// otherwise at most once per `FOLLOWER_RELOAD_EVERY` (see `ha::leadership`).
    reload_wanted: AtomicU64,
    reload_demand: tokio::sync::Notify,
    /// Peer frontends' last status (polled by the FE).
    peers: std::sync::Mutex<BTreeMap<u64, PeerStatus>>,
    /// When a quorum last confirmed this leader (a commit or a leadership check).
    quorum_seen: std::sync::Mutex<Option<std::time::Instant>>,
    /// Followers' accepted AppendEntries, heartbeats included (see `lease`).
    acks: Arc<lease::AckClock>,
}

fn raft_err<E: std::fmt::Display>(e: E) -> MetaError {
    MetaError::Replication(e.to_string())
}

impl MetaRaft {
    /// Starts the node over `db` (its log and state machine), on a dedicated runtime.
    pub async fn start(
        db: Arc<rocksdb::DB>,
        node: FeNode,
        cluster_token: String,
        timing: RaftTiming,
    ) -> Result<Arc<Self>, MetaError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("meta-raft")
            .enable_all()
            .build()
            .map_err(|e| MetaError::Replication(format!("raft runtime: {e}")))?;
        let handle = rt.handle().clone();
        // The runtime lives as long as the process (dropping it inside an async context
        // would panic, and the FE never stops its metadata group).
        std::mem::forget(rt);
        let node_id = node_id(&node.host, node.edit_log_port);
        let config = openraft::Config {
            cluster_name: "starload-fe".into(),
            heartbeat_interval: timing.heartbeat_ms,
            election_timeout_min: timing.election_timeout_ms,
            // openraft 0.9 makes a follower that knew a leader wait its lease (the max) AND a
            // random timeout in [min, max) before it campaigns: with max = 2x min, kill -9 of
            // the leader left writes stopped for 3x-4x min (2.1-2.8 s at 700 ms). 1.5x keeps
            // enough jitter against split votes and shortens that to 2.5x-3x.
            election_timeout_max: timing.election_timeout_ms * 3 / 2,
            // Sends a lagging node a snapshot instead of entries after this many.
            replication_lag_threshold: 5000,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(5000),
            max_in_snapshot_log_to_keep: 1000,
            ..Default::default()
        }
        .validate()
        .map_err(raft_err)?;
        let (log, durability) = log_store::LogStore::open(db.clone(), node_id).map_err(raft_err)?;
        let sm = state_machine::StateMachine::new(db, durability.clone());
        let acks = Arc::new(lease::AckClock::default());
        let net = network::NetworkFactory {
            cluster_token,
            acks: acks.clone(),
            durability,
        };
        let raft = handle
            .spawn(async move { Raft::new(node_id, Arc::new(config), net, log, sm).await })
            .await
            .map_err(raft_err)?
            .map_err(raft_err)?;
        Ok(Arc::new(Self {
            raft,
            node_id,
            node,
            rt: handle,
            timing,
            active: AtomicBool::new(false),
            uncertain: AtomicBool::new(false),
            reloaded: tokio::sync::watch::channel(0).0,
            reload_wanted: AtomicU64::new(0),
            reload_demand: tokio::sync::Notify::new(),
            peers: std::sync::Mutex::new(BTreeMap::new()),
            quorum_seen: std::sync::Mutex::new(None),
            acks,
        }))
    }

    pub fn raft(&self) -> &Raft<MetaTypes> {
        &self.raft
    }

    pub fn node_id(&self) -> u64 {
        self.node_id
    }

    pub fn node(&self) -> &FeNode {
        &self.node
    }

    pub fn timing(&self) -> RaftTiming {
        self.timing
    }

    /// Runs `fut` on the Raft runtime and waits for it from any thread.
    async fn on_rt<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T, MetaError> {
        self.rt.spawn(fut).await.map_err(raft_err)
    }

    /// True once the group has a membership (a new node waits to be added).
    pub async fn is_initialized(&self) -> Result<bool, MetaError> {
        let r = self.raft.clone();
        self.on_rt(async move { r.is_initialized().await })
            .await?
            .map_err(raft_err)
    }

    /// Makes this node a one-member group (the first FE of a cluster), then elects it.
    pub async fn initialize_single(&self) -> Result<(), MetaError> {
        let r = self.raft.clone();
        let members = BTreeMap::from([(self.node_id, self.node.clone())]);
        self.on_rt(async move { r.initialize(members).await })
            .await?
            .map_err(raft_err)
    }

    /// A one-voter group that restarted elects itself at once instead of after an
    /// election timeout (the FE starts in well under a second).
    pub async fn elect_if_sole_voter(&self) -> Result<(), MetaError> {
        let m = self.raft.metrics().borrow().clone();
        let voters: Vec<u64> = m.membership_config.membership().voter_ids().collect();
        if voters == [self.node_id] && m.state != ServerState::Leader {
            let r = self.raft.clone();
            self.on_rt(async move { r.trigger().elect().await })
                .await?
                .map_err(raft_err)?;
        }
        Ok(())
    }

    /// The latest metrics.
    pub fn metrics(&self) -> openraft::RaftMetrics<u64, FeNode> {
        self.raft.metrics().borrow().clone()
    }

    /// A receiver that changes whenever the metrics do.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<openraft::RaftMetrics<u64, FeNode>> {
        self.raft.metrics()
    }

    /// Raft state is Leader (it may not have applied its term's first entry yet).
    pub fn is_raft_leader(&self) -> bool {
        self.raft.metrics().borrow().state == ServerState::Leader
    }

    /// The leader this node knows, with its address.
    pub fn leader(&self) -> Option<(u64, FeNode)> {
        let m = self.raft.metrics().borrow().clone();
        let id = m.current_leader?;
        let node = m.membership_config.membership().get_node(&id)?.clone();
        Some((id, node))
    }

    pub fn applied_index(&self) -> u64 {
        self.raft
            .metrics()
            .borrow()
            .last_applied
            .map(|l| l.index)
            .unwrap_or(0)
    }

    /// Every member with its role.
    pub fn members(&self) -> Vec<Member> {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership();
        let voters: BTreeSet<u64> = membership.voter_ids().collect();
        membership
            .nodes()
            .map(|(id, n)| Member {
                id: *id,
                node: n.clone(),
                voter: voters.contains(id),
            })
            .collect()
    }

    pub fn set_active(&self, on: bool) {
        self.active.store(on, Ordering::SeqCst);
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }

    /// Records that the in-memory state reflects every entry up to `index`.
    pub fn mark_reloaded(&self, index: u64) {
        self.reloaded.send_if_modified(|cur| {
            if index > *cur {
                *cur = index;
                true
            } else {
                false
            }
        });
    }

    /// Waits until the in-memory state reflects `index` (read your writes on a follower).
    pub async fn wait_reloaded(&self, index: u64, timeout: Duration) -> Result<(), MetaError> {
        let mut rx = self.reloaded.subscribe();
        if *rx.borrow() < index {
            self.reload_wanted.fetch_max(index, Ordering::SeqCst);
            self.reload_demand.notify_one();
        }
        let reached = {
            let fut = rx.wait_for(|cur| *cur >= index);
            matches!(tokio::time::timeout(timeout, fut).await, Ok(Ok(_)))
        };
        match reached {
            true => Ok(()),
            false => Err(MetaError::Replication(format!(
                "this FE has not caught up to entry {index} in time"
            ))),
        }
    }

    /// The highest index a reader waits to see reloaded (0: none yet).
    pub fn reload_wanted(&self) -> u64 {
        self.reload_wanted.load(Ordering::SeqCst)
    }

    /// Resolves when a reader asks for a reload (`wait_reloaded` above the reloaded index);
    /// a request made while nobody waits here is kept for the next call.
    pub async fn reload_demanded(&self) {
        self.reload_demand.notified().await
    }

    /// Stores a peer's status.
    pub fn set_peer_status(&self, id: u64, st: PeerStatus) {
        self.peers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, st);
    }

    /// A peer's last status (default: never heard from).
    pub fn peer_status(&self, id: u64) -> PeerStatus {
        self.peers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
            .unwrap_or_default()
    }

    /// Takes the "a write's outcome is unknown" flag.
    pub fn take_uncertain(&self) -> bool {
        self.uncertain.swap(false, Ordering::SeqCst)
    }

    /// Replicates `cmd` and waits until this node applied it. Blocks the calling thread (a
    /// statement's or loop's `MetaStore::write`), never the Raft runtime.
    pub fn propose(&self, cmd: MetaCommand) -> Result<u64, MetaError> {
        let m = self.metrics();
        if m.state != ServerState::Leader {
            return Err(MetaError::NotLeader {
                leader: self.leader().map(|(_, n)| n.addr()),
            });
        }
        let raft = self.raft.clone();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        // A leader lease: when no quorum confirmed this leader within an election timeout,
        // confirm it first (one heartbeat round), bounded by the election timeout. A leader
        // cut off from its followers thus refuses writes within two election timeouts
        // instead of holding them until WRITE_TIMEOUT; a busy leader pays nothing. The window
        // is below the followers' own lease (openraft's election_timeout_max, 1.5x), so no
        // other leader can have been elected inside it; it spans 3 heartbeats, so one late
        // heartbeat on a loaded machine does not cost a write an extra round.
        let election = Duration::from_millis(self.timing.election_timeout_ms);
        let configs = m.membership_config.membership().get_joint_config();
        // A group of one is its own quorum (`quorum_within` says so too): only the disk to wait for.
        let lone = lease::sole_voter(self.node_id, configs);
        let fresh = self
            .quorum_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| t.elapsed() < election)
            || self
                .acks
                .quorum_within(self.node_id, configs, m.current_term, election);
        let started = std::time::Instant::now();
        self.rt.spawn(async move {
            if !fresh {
                match tokio::time::timeout(election, raft.get_read_log_id()).await {
                    Ok(Ok(_)) => {}
                    _ => {
                        let _ = tx.send(Err(None));
                        return;
                    }
                }
            }
            let _ = tx.send(raft.client_write(cmd).await.map_err(Some));
        });
        let bound = if lone {
            LONE_WRITE_TIMEOUT
        } else {
            WRITE_TIMEOUT
        };
        let wait = || rx.recv_timeout(bound);
        let r = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        let took = started.elapsed();
        if took >= SLOW_WRITE {
            tracing::warn!(
                took_ms = took.as_millis() as u64,
                // The lease check, when one ran, is bounded by one election timeout.
                lease_checked = !fresh,
                lone,
                ok = matches!(r, Ok(Ok(_))),
                "slow metadata write"
            );
        }
        match r {
            Ok(Ok(resp)) => {
                *self.quorum_seen.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(std::time::Instant::now());
                Ok(resp.log_id.index)
            }
            // The lease check failed: nothing was proposed.
            Ok(Err(None)) => Err(MetaError::NoQuorum),
            Ok(Err(Some(RaftError::APIError(ClientWriteError::ForwardToLeader(f))))) => {
                Err(MetaError::NotLeader {
                    leader: f.leader_node.map(|n| n.addr()),
                })
            }
            Ok(Err(Some(e))) => {
                self.uncertain.store(true, Ordering::SeqCst);
                Err(raft_err(e))
            }
            Err(_) => {
                // Committed or not, nobody knows yet: the FE reloads from the store once the
                // group settles (the entry either is there or never will be).
                self.uncertain.store(true, Ordering::SeqCst);
                Err(MetaError::CommitTimeout {
                    waited_ms: bound.as_millis() as u64,
                })
            }
        }
    }

    /// Confirms leadership with a quorum and returns the index a read must see (Raft's read
    /// index); waits until this leader applied that far.
    pub async fn read_index(&self) -> Result<u64, MetaError> {
        let r = self.raft.clone();
        let res = self
            .on_rt(async move { r.ensure_linearizable().await })
            .await?;
        match res {
            Ok(l) => Ok(l.map(|l| l.index).unwrap_or(0)),
            Err(e) => Err(MetaError::NotLeader {
                leader: {
                    let _ = e;
                    self.leader().map(|(_, n)| n.addr())
                },
            }),
        }
    }

    /// Waits until this node applied `index` (a follower answering after a forwarded write
    /// or a read index).
    pub async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), MetaError> {
        let mut w = self.raft.metrics();
        let fut = async {
            loop {
                let applied = w.borrow().last_applied.map(|l| l.index).unwrap_or(0);
                if applied >= index {
                    return Ok(());
                }
                if w.changed().await.is_err() {
                    return Err(MetaError::Replication("raft stopped".into()));
                }
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| MetaError::Replication(format!("not applied up to {index} in time")))?
    }

    /// Adds `node` as a learner (OBSERVER, or a FOLLOWER until it has caught up); returns
    /// without waiting for the node to answer.
    pub async fn add_learner(&self, node: FeNode) -> Result<(), MetaError> {
        let id = node_id(&node.host, node.edit_log_port);
        let r = self.raft.clone();
        self.on_rt(async move { r.add_learner(id, node, false).await })
            .await?
            .map(|_| ())
            .map_err(raft_err)
    }

    /// Makes learner `id` a voter.
    pub async fn promote(&self, id: u64) -> Result<(), MetaError> {
        let r = self.raft.clone();
        self.on_rt(async move {
            r.change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([id])), true)
                .await
        })
        .await?
        .map(|_| ())
        .map_err(raft_err)
    }

    /// Removes `id` from the group (voter or learner).
    pub async fn remove(&self, id: u64) -> Result<(), MetaError> {
        let r = self.raft.clone();
        let is_voter = self.members().iter().any(|m| m.id == id && m.voter);
        self.on_rt(async move {
            if is_voter {
                r.change_membership(ChangeMembers::RemoveVoters(BTreeSet::from([id])), false)
                    .await?;
            }
            r.change_membership(ChangeMembers::RemoveNodes(BTreeSet::from([id])), false)
                .await
        })
        .await?
        .map(|_| ())
        .map_err(raft_err)
    }

    /// The index a learner has replicated up to, from the leader's replication metrics.
    pub fn matched_index(&self, id: u64) -> Option<u64> {
        let m = self.metrics();
        let rep = m.replication?;
        rep.get(&id).cloned().flatten().map(|l| l.index)
    }
}
