//! ALTER SYSTEM ADD/DROP FOLLOWER/OBSERVER: frontend membership of the metadata group.
//!
//! StarRocks (NodeMgr.addFrontend / dropFrontend) accepts an FE that does not answer yet and
//! lists it with Alive=false; so does starload, but safely: every new FE joins Raft as a
//! learner, which counts toward no quorum, and a FOLLOWER becomes a voter only once it has
//! caught up (`ha::peers`). Adding an unreachable FE therefore never takes write
//! availability away from the cluster. Texts are StarRocks's (DdlException reaches the client
//! as 1064 `Unexpected exception: ...`, analyzer errors as `Getting analyzing error...`).
//! Deviation: StarRocks refuses a second FE on the same host (any port); starload compares
//! host and port, so several FEs can share a machine (tests, edge sites).

use crate::clock::now_ms;
use crate::cluster::frontend::{self, FrontendRecord, FrontendRole};
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::meta::raft::network::node_info;
use crate::meta::raft::{node_id, FeNode};
use crate::result::QueryResult;
use std::time::Duration;

/// How long membership changes may take before the statement reports failure.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(15);

fn ddl(msg: impl std::fmt::Display) -> SqlError {
    SqlError::plain(format!("Unexpected exception: {msg}"))
}

/// `SystemInfoService.validateHostAndPort`'s checks and texts.
fn host_port(s: &str) -> SqlResult<(String, u16)> {
    let s = s.trim();
    if s.is_empty() {
        return Err(SqlError::analyzing(format!("Invalid host port: {s}")));
    }
    let Some((host, port)) = s.rsplit_once(':') else {
        return Err(SqlError::analyzing(format!("Invalid host port: {s}")));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(SqlError::analyzing("Host is null"));
    }
    let port: i64 = port.parse().map_err(|_| {
        SqlError::analyzing(format!(
            "Encounter unknown exception: For input string: \"{port}\""
        ))
    })?;
    if port <= 0 || port >= 65536 {
        return Err(SqlError::analyzing(format!(
            "Encounter unknown exception: Port is out of range: {port}"
        )));
    }
    Ok((host.to_string(), port as u16))
}

fn role(observer: bool) -> FrontendRole {
    if observer {
        FrontendRole::OBSERVER
    } else {
        FrontendRole::FOLLOWER
    }
}

/// ALTER SYSTEM ADD FOLLOWER|OBSERVER.
pub async fn add(ctx: &FeContext, observer: bool, hp: &str) -> SqlResult<QueryResult> {
    let (host, port) = host_port(hp)?;
    let Some(raft) = ctx.meta.raft() else {
        return Err(ddl("this FE keeps no replicated metadata"));
    };
    let addr = format!("{host}:{port}");
    let exists = raft.members().iter().any(|m| m.node.addr() == addr)
        || frontend::record(&ctx.meta, &addr)
            .map_err(SqlError::internal)?
            .is_some();
    if exists {
        return Err(ddl(format!("FE with the same host: {host} already exists")));
    }
    // A node that answers must not belong to another cluster (it would fight this group
    // with its own log). A node that does not answer yet is added all the same.
    let ours = ctx.meta.cluster_id().map_err(SqlError::internal)?;
    let token = ctx.config.get().cluster_token.clone();
    if let Ok(info) = node_info(&host, port, &token, Duration::from_millis(1500)).await {
        if info.cluster_id != 0 && info.cluster_id != ours {
            return Err(ddl(format!(
                "frontend {addr} belongs to another cluster (its cluster id {}, this cluster {ours})",
                info.cluster_id
            )));
        }
    }
    let rec = FrontendRecord {
        host: host.clone(),
        edit_log_port: port,
        role: role(observer),
        added_ms: now_ms(),
    };
    frontend::put(&ctx.meta, &rec).map_err(SqlError::internal)?;
    let node = FeNode {
        host,
        edit_log_port: port,
    };
    tokio::time::timeout(CHANGE_TIMEOUT, raft.add_learner(node))
        .await
        .map_err(|_| ddl("adding the frontend timed out"))?
        .map_err(ddl)?;
    tracing::info!(frontend = %addr, role = rec.role.name(), "Frontend added.");
    Ok(QueryResult::ok())
}

/// ALTER SYSTEM DROP FOLLOWER|OBSERVER.
pub async fn drop(ctx: &FeContext, observer: bool, hp: &str) -> SqlResult<QueryResult> {
    let (host, port) = host_port(hp)?;
    let Some(raft) = ctx.meta.raft() else {
        return Err(ddl("this FE keeps no replicated metadata"));
    };
    let addr = format!("{host}:{port}");
    let member = raft.members().into_iter().find(|m| m.node.addr() == addr);
    let rec = frontend::record(&ctx.meta, &addr).map_err(SqlError::internal)?;
    if member.is_none() && rec.is_none() {
        return Err(ddl(format!("frontend does not exist[{addr}]")));
    }
    let recorded_role = match (&rec, &member) {
        (Some(r), _) => r.role,
        (None, Some(m)) if m.voter => FrontendRole::FOLLOWER,
        _ => FrontendRole::OBSERVER,
    };
    if recorded_role != role(observer) {
        return Err(ddl(format!(
            "{} does not exist[{addr}]",
            role(observer).name()
        )));
    }
    if raft.leader().is_some_and(|(_, n)| n.addr() == addr) {
        return Err(ddl("can not drop current master node."));
    }
    if member.is_some() {
        let id = node_id(&host, port);
        tokio::time::timeout(CHANGE_TIMEOUT, raft.remove(id))
            .await
            .map_err(|_| {
                ddl("dropping the frontend timed out: the remaining frontends have no quorum")
            })?
            .map_err(ddl)?;
    }
    frontend::delete(&ctx.meta, &addr).map_err(SqlError::internal)?;
    tracing::info!(frontend = %addr, "Frontend dropped.");
    Ok(QueryResult::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_texts_follow_starrocks() {
        assert_eq!(
            host_port("127.0.0.1:9010").unwrap(),
            ("127.0.0.1".into(), 9010)
        );
        let e = host_port("127.0.0.1").unwrap_err();
        assert!(
            e.message.contains("Invalid host port: 127.0.0.1"),
            "{}",
            e.message
        );
        let e = host_port(":9010").unwrap_err();
        assert!(e.message.contains("Host is null"), "{}", e.message);
        let e = host_port("h:70000").unwrap_err();
        assert!(
            e.message
                .contains("Encounter unknown exception: Port is out of range: 70000"),
            "{}",
            e.message
        );
        let e = host_port("h:abc").unwrap_err();
        assert!(
            e.message.contains("For input string: \"abc\""),
            "{}",
            e.message
        );
    }
}
