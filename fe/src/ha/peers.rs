//! What every FE knows about the others: each polls every member's `NodeInfo` once a second
//! (ports, start time, version, applied index) for SHOW FRONTENDS, and answers its own.

use crate::clock::now_ms;
use crate::cluster::frontend::{self, FrontendRole};
use crate::context::FeContext;
use crate::meta::raft::network::lazy_channel;
use crate::meta::raft::{MetaRaft, PeerStatus};
use starload_proto::ha::frontend_ha_service_client::FrontendHaServiceClient;
use starload_proto::ha::{NodeInfoRequest, NodeInfoResponse};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const POLL: Duration = Duration::from_secs(1);
/// A learner this close to the leader's applied index counts as caught up.
const CATCH_UP_SLACK: u64 = 16;

/// This FE's own NodeInfo answer.
pub fn node_info(ctx: &FeContext) -> NodeInfoResponse {
    let cfg = ctx.config.get();
    let (node_id, leader_id, applied, is_leader, edit_log_port) = match ctx.meta.raft() {
        Some(r) => (
            r.node_id(),
            r.leader().map(|(id, _)| id).unwrap_or(0),
            r.applied_index(),
            r.is_active(),
            r.node().edit_log_port,
        ),
        None => (0, 0, 0, true, cfg.edit_log_port),
    };
    NodeInfoResponse {
        node_id,
        cluster_id: ctx.meta.cluster_id().unwrap_or(0),
        host: cfg.priority_networks.clone(),
        edit_log_port: u32::from(edit_log_port),
        http_port: u32::from(cfg.http_port),
        query_port: u32::from(cfg.query_port),
        rpc_port: u32::from(cfg.rpc_port),
        start_time_ms: ctx.cluster.fe_start_time_ms,
        version: cfg.starrocks_version.clone(),
        applied_index: applied,
        leader_id,
        is_leader,
    }
}

/// Starts the poller (once, from `main.rs`).
pub fn start(ctx: Arc<FeContext>) {
    let Some(raft) = ctx.meta.raft().cloned() else {
        return;
    };
    tokio::spawn(run(ctx, raft));
}

async fn run(ctx: Arc<FeContext>, raft: Arc<MetaRaft>) {
    let mut clients: HashMap<u64, (String, FrontendHaServiceClient<Channel>)> = HashMap::new();
    loop {
        let started = Instant::now();
        let token = ctx.config.get().cluster_token.clone();
        let members = raft.members();
        clients.retain(|id, _| members.iter().any(|m| m.id == *id));
        let mut calls = Vec::new();
        for m in &members {
            if m.id == raft.node_id() {
                let me = node_info(&ctx);
                raft.set_peer_status(m.id, status_of(&me));
                continue;
            }
            let addr = m.node.addr();
            let client = match clients.get(&m.id) {
                Some((a, c)) if *a == addr => c.clone(),
                _ => match lazy_channel(&m.node.host, m.node.edit_log_port) {
                    Ok(ch) => {
                        let c = FrontendHaServiceClient::new(ch);
                        clients.insert(m.id, (addr, c.clone()));
                        c
                    }
                    Err(e) => {
                        mark_down(&raft, m.id, &e.to_string());
                        continue;
                    }
                },
            };
            let token = token.clone();
            let id = m.id;
            calls.push(async move {
                let mut c = client;
                let r = tokio::time::timeout(
                    POLL,
                    c.node_info(NodeInfoRequest {
                        cluster_token: token,
                    }),
                )
                .await;
                (id, r)
            });
        }
        for (id, r) in futures::future::join_all(calls).await {
            match r {
                Ok(Ok(resp)) => raft.set_peer_status(id, status_of(&resp.into_inner())),
                Ok(Err(s)) => mark_down(&raft, id, s.message()),
                Err(_) => mark_down(&raft, id, "no answer within 1s"),
            }
        }
        if raft.is_active() {
            promote_caught_up(&ctx, &raft).await;
        }
        tokio::time::sleep(POLL.saturating_sub(started.elapsed())).await;
    }
}

fn status_of(r: &NodeInfoResponse) -> PeerStatus {
    PeerStatus {
        alive: true,
        last_heartbeat_ms: now_ms(),
        http_port: r.http_port as u16,
        query_port: r.query_port as u16,
        rpc_port: r.rpc_port as u16,
        start_time_ms: r.start_time_ms,
        version: r.version.clone(),
        applied_index: r.applied_index,
        cluster_id: r.cluster_id,
        err_msg: String::new(),
    }
}

fn mark_down(raft: &MetaRaft, id: u64, err: &str) {
    let mut st = raft.peer_status(id);
    st.alive = false;
    st.err_msg = err.to_string();
    raft.set_peer_status(id, st);
}

/// Makes every FOLLOWER that joined as a learner a voter once it has caught up: a node that
/// never answers (or lags far behind) never becomes part of the quorum, so adding it cannot
/// take write availability away.
async fn promote_caught_up(ctx: &FeContext, raft: &MetaRaft) {
    let Ok(records) = frontend::records(&ctx.meta) else {
        return;
    };
    let last = raft.applied_index();
    for m in raft.members() {
        if m.voter {
            continue;
        }
        let wants_vote = records
            .iter()
            .any(|r| r.addr() == m.node.addr() && r.role == FrontendRole::FOLLOWER);
        let caught_up = raft
            .matched_index(m.id)
            .is_some_and(|i| i + CATCH_UP_SLACK >= last);
        if wants_vote && caught_up && raft.peer_status(m.id).alive {
            match raft.promote(m.id).await {
                Ok(()) => tracing::info!(frontend = %m.node, "Follower caught up; it now votes."),
                Err(e) => {
                    tracing::warn!(frontend = %m.node, error = %e, "Promoting a follower failed.")
                }
            }
        }
    }
}
