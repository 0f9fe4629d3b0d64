//! The heartbeat loop: every `heartbeat_interval_ms` the FE calls `BackendService.Heartbeat`
//! on each backend's heartbeat port (carrying `cluster_token` and the FE's rpc address).
//! A success marks the backend alive and records its ports, version and capacity; a backend
//! without a successful heartbeat for `heartbeat_timeout_ms` is marked not alive (StarRocks
//! `HeartbeatMgr`; there the limit is a count of failed heartbeats).
//!
//! Metrics: `starload_fe_heartbeat_total{result="ok"|"error"}`, `starload_fe_backends_alive`.

use super::{make_client, BackendInfo, Cluster};
use crate::clock::now_ms;

use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::HeartbeatRequest;
use starload_proto::types::StatusCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// The loop itself; runs until the runtime shuts down.
pub async fn run(cluster: Arc<Cluster>) {
    let mut clients: HashMap<i64, (String, BackendServiceClient<Channel>)> = HashMap::new();
    loop {
        let cfg = cluster.config().get();
        let interval = Duration::from_millis(cfg.heartbeat_interval_ms.max(50) as u64);
        let timeout = Duration::from_millis(cfg.heartbeat_timeout_ms.max(100) as u64)
            .min(interval.max(Duration::from_millis(500)));
        let started = Instant::now();
        let backends = cluster.backends();
        let leader = cluster.meta.is_active_leader();
        clients.retain(|id, _| backends.iter().any(|b| b.backend.id == *id));
        let mut calls = Vec::with_capacity(backends.len());
        for b in &backends {
            let addr = format!("{}:{}", b.backend.host, b.backend.heartbeat_port);
            let client = match clients.get(&b.backend.id) {
                Some((a, c)) if *a == addr => Some(c.clone()),
                _ => match make_client(&b.backend.host, b.backend.heartbeat_port) {
                    Ok(c) => {
                        clients.insert(b.backend.id, (addr, c.clone()));
                        Some(c)
                    }
                    Err(e) => {
                        record_failure(&cluster, b, &format!("invalid address: {e}"));
                        None
                    }
                },
            };
            if let Some(c) = client {
                let req = HeartbeatRequest {
                    cluster_token: cfg.cluster_token.clone(),
                    backend_id: b.backend.id,
                    // BEs report to the FE that heartbeats with an address: only the leader
                    // gives one; followers heartbeat only to know which BEs are alive.
                    fe_host: if leader {
                        cfg.priority_networks.clone()
                    } else {
                        String::new()
                    },
                    fe_rpc_port: if leader { cfg.rpc_port as u32 } else { 0 },
                    nonce: rand::random::<[u8; 16]>().to_vec(),
                };
                let token = cfg.cluster_token.clone();
                let (cluster, info, id) = (cluster.clone(), b.clone(), b.backend.id);
                calls.push(async move {
                    (
                        id,
                        heartbeat_once(cluster, info, c, req, token, timeout).await,
                    )
                });
            }
        }
        for (id, reached) in futures::future::join_all(calls).await {
            if !reached {
                // A connection whose packets were dropped (a network cut, no RST) stays open
                // on our side, and TCP backs its retransmissions off to tens of seconds: after
                // the network heals it would only come back then. A new connection per failed
                // round answers as soon as the BE is reachable again; the BE's task RPCs get
                // a new one too.
                clients.remove(&id);
                cluster.forget_client(id);
            }
        }
        crate::telemetry::HeartbeatRoundFinished {
            alive: cluster.alive_backend_ids().len(),
        }
        .emit();
        let elapsed = started.elapsed();
        if elapsed < interval {
            tokio::time::sleep(interval - elapsed).await;
        }
    }
}

/// One heartbeat; false when the BE was not reached (timeout or transport error).
async fn heartbeat_once(
    cluster: Arc<Cluster>,
    info: BackendInfo,
    mut client: BackendServiceClient<Channel>,
    req: HeartbeatRequest,
    token: String,
    timeout: Duration,
) -> bool {
    let nonce = req.nonce.clone();
    let res = tokio::time::timeout(timeout, client.heartbeat(req)).await;
    let resp = match res {
        Err(_) => {
            record_failure(
                &cluster,
                &info,
                &format!("heartbeat timed out after {} ms", timeout.as_millis()),
            );
            return false;
        }
        Ok(Err(status)) => {
            record_failure(&cluster, &info, status.message());
            return false;
        }
        Ok(Ok(r)) => r.into_inner(),
    };
    if let Some(st) = &resp.status {
        if !st.is_ok() {
            let msg = if st.code == StatusCode::Unauthenticated as i32 {
                format!("cluster_token mismatch: {}", st.message)
            } else {
                st.message.clone()
            };
            record_failure(&cluster, &info, &msg);
            // Reached: the BE answered, only not as one of ours.
            return true;
        }
    }
    // A BE configured without the token would accept any FE: keep it out of the cluster.
    if !token.is_empty() && resp.token_proof != starload_proto::token::proof(&token, &nonce) {
        record_failure(
            &cluster,
            &info,
            "cluster_token mismatch: the backend did not prove the cluster token",
        );
        return true;
    }
    let id = info.backend.id;
    crate::telemetry::HeartbeatSucceeded { backend: id }.emit();
    if let Err(e) = cluster.update_ports(id, resp.be_port as u16, resp.http_port as u16) {
        tracing::warn!(backend = id, error = %e, "Could not persist backend ports.");
    }
    let report: Vec<(i64, i64)> = resp
        .tablet_versions
        .iter()
        .map(|t| (t.tablet_id, t.version))
        .collect();
    cluster.record_tablet_report(id, &report);
    let was_alive = info.status.alive;
    cluster.update_status(id, |s| {
        s.alive = true;
        s.last_heartbeat_ms = now_ms();
        s.last_start_time_ms = resp.start_time_ms;
        s.err_msg.clear();
        s.version = resp.version.clone();
        s.cpu_cores = resp.cpu_cores;
        s.mem_limit_bytes = resp.mem_limit_bytes;
        s.disk_total_bytes = resp.disk_total_bytes;
        s.disk_avail_bytes = resp.disk_avail_bytes;
        s.data_used_bytes = resp.data_used_bytes;
        s.be_tablet_num = resp.tablet_num;
        s.running_tasks = resp.running_tasks;
    });
    if !was_alive {
        tracing::info!(backend = id, host = %info.backend.host, "Backend is alive.");
    }
    true
}

fn record_failure(cluster: &Cluster, info: &BackendInfo, msg: &str) {
    let id = info.backend.id;
    crate::telemetry::HeartbeatFailed {
        backend: id,
        error: msg,
    }
    .emit();
    let timeout_ms = cluster.config().get().heartbeat_timeout_ms;
    let now = now_ms();
    let mut went_down = false;
    cluster.update_status(id, |s| {
        s.err_msg = msg.to_string();
        if s.alive && now - s.last_heartbeat_ms >= timeout_ms {
            s.alive = false;
            went_down = true;
        }
    });
    if went_down {
        tracing::warn!(backend = id, host = %info.backend.host, error = msg, "Backend is not alive.");
    }
}
