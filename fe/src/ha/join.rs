//! How a frontend process joins its group at start-up.
//!
//! - A store that already belongs to a group (its Raft membership is on disk) restarts as
//!   that member; the helper is not consulted (StarRocks ignores `--helper` once its meta dir
//!   has ROLE and VERSION, for the same reason: the helper may be the FE that is down).
//! - A new store with no helper (or the helper is this FE itself) starts a new cluster of
//!   one: this FE initializes the group and, once leader, draws the cluster id.
//! - A new store with a helper asks the helper who the cluster is; a store holding another
//!   cluster's id refuses to start. The node then waits until the leader adds it (ALTER
//!   SYSTEM ADD FOLLOWER/OBSERVER) and replicates the state to it.

use crate::config::FeConfig;
use crate::meta::raft::network::node_info;
use crate::meta::raft::MetaRaft;
use crate::meta::MetaStore;
use std::time::Duration;

/// Why this FE cannot take part in its cluster.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("helper's format seems was wrong [{0}], eg. host:port,host:port")]
    BadHelper(String),
    #[error("cluster id is not equal with helper node {helper} (this node: {local}, helper: {remote}). will exit.")]
    ClusterIdMismatch {
        helper: String,
        local: i64,
        remote: i64,
    },
    /// The meta dir belongs to a group that does not list this FE's address: the FE was
    /// dropped, or its `priority_networks` / `edit_log_port` changed since it was added.
    /// Starting anyway would make a second identity out of one store, so it refuses.
    #[error("this frontend ({own}) is not a member of the metadata group stored in its meta_dir (members: {members}). If edit_log_port or priority_networks changed, restore the address this frontend was added with; a dropped frontend joins again only with an empty meta_dir.")]
    NotAMember { own: String, members: String },
    #[error("{0}")]
    Meta(#[from] crate::meta::MetaError),
}

/// Brings the Raft node into its group (see the module doc).
pub async fn prepare(cfg: &FeConfig, meta: &MetaStore, raft: &MetaRaft) -> Result<(), JoinError> {
    let helper = cfg.helper.trim();
    let own = raft.node().addr();
    let initialized = raft.is_initialized().await?;
    if !helper.is_empty() && helper != own {
        let (host, port) = helper
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
            .filter(|(h, _)| !h.is_empty())
            .ok_or_else(|| JoinError::BadHelper(helper.to_string()))?;
        let mut attempt = 0u32;
        let info = loop {
            match node_info(&host, port, &cfg.cluster_token, Duration::from_secs(2)).await {
                Ok(i) => break Some(i),
                // A member restarting while its helper is down starts from its own store.
                Err(_) if initialized => break None,
                Err(e) => {
                    if attempt.is_multiple_of(5) {
                        tracing::warn!(helper, error = %e, "failed to get fe node type from helper node: {helper}. Retrying.");
                    }
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let local = meta.cluster_id()?;
        if let Some(info) = info {
            if local != 0 && info.cluster_id != 0 && local != info.cluster_id {
                return Err(JoinError::ClusterIdMismatch {
                    helper: helper.to_string(),
                    local,
                    remote: info.cluster_id,
                });
            }
        }
    }
    if initialized {
        let m = raft.metrics();
        let membership = m.membership_config.membership();
        if membership.get_node(&raft.node_id()).is_none() {
            let members: Vec<String> = membership.nodes().map(|(_, n)| n.addr()).collect();
            return Err(JoinError::NotAMember {
                own,
                members: members.join(", "),
            });
        }
        raft.elect_if_sole_voter().await?;
        return Ok(());
    }
    if helper.is_empty() || helper == own {
        raft.initialize_single().await?;
        raft.elect_if_sole_voter().await?;
        return Ok(());
    }
    tracing::info!(
        helper,
        node = %own,
        "current node is not added to the group yet; it joins when the leader runs ALTER SYSTEM ADD FOLLOWER/OBSERVER \"{own}\"."
    );
    Ok(())
}
