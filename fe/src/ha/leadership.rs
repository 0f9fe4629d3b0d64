//! Keeps this FE's in-memory state in step with the replicated store, and takes over when
//! Raft makes it leader.
//!
//! - Follower (or observer): after entries are applied, every manager reloads from the store
//!   (`FeContext::reload`); `MetaRaft::mark_reloaded` then lets waiting reads and forwarded
//!   writes answer.
//! - New leader: only after the first entry of its own term is applied (so the store holds
//!   everything any earlier leader committed) it reloads as the scheduling FE, aborts the
//!   PREPARE transactions whose tasks belonged to the old leader, cleans up interrupted
//!   INSERT OVERWRITEs, creates the built-in accounts of a new cluster, and only then marks
//!   itself active: loops start scheduling and publishing, BE reports are accepted.
//! - Lost leadership: inactive at once (loops stop, writes fail), then reload as a follower.

use crate::clock::now_ms;
use crate::cluster::frontend::{self, FrontendRecord, FrontendRole};
use crate::context::FeContext;
use crate::handler::overwrite;
use crate::meta::keys;
use crate::meta::raft::MetaRaft;
use crate::meta::MetaBatch;
use crate::txn::publish;
use openraft::ServerState;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts the loop (once, from `main.rs`, after the Raft node started).
pub fn start(ctx: Arc<FeContext>) {
    let Some(raft) = ctx.meta.raft().cloned() else {
        return;
    };
    tokio::spawn(run(ctx, raft));
}

async fn run(ctx: Arc<FeContext>, raft: Arc<MetaRaft>) {
    let mut watch = raft.watch();
    let mut reloaded = 0u64;
    loop {
        let m = watch.borrow_and_update().clone();
        let applied = m.last_applied.map(|l| l.index).unwrap_or(0);
        let own_term_applied = m.last_applied.map(|l| l.leader_id.term) == Some(m.current_term);
        let ready = m.state == ServerState::Leader && own_term_applied;
        if raft.is_active() && (!ready || raft.take_uncertain()) {
            raft.set_active(false);
            tracing::warn!(
                state = ?m.state,
                term = m.current_term,
                "This FE stopped being the active leader."
            );
            crate::telemetry::LeadershipChanged { leader: false }.emit();
            reloaded = 0;
        }
        if ready && !raft.is_active() {
            let started = Instant::now();
            match take_over(&ctx, &raft) {
                Ok(()) => {
                    raft.set_active(true);
                    raft.mark_reloaded(applied);
                    reloaded = applied;
                    ctx.routine_load.wake.notify_one();
                    ctx.txn.publish_wake.notify_one();
                    crate::telemetry::LeadershipChanged { leader: true }.emit();
                    tracing::info!(
                        term = m.current_term,
                        applied,
                        took_ms = started.elapsed().as_millis() as u64,
                        "This FE is the leader."
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "Taking over as leader failed; retrying.");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
        } else if raft.is_active() {
            // The leader's managers changed their memory themselves before each write.
            raft.mark_reloaded(applied);
        } else if applied > reloaded {
            match ctx.reload(false) {
                Ok(()) => {
                    reloaded = applied;
                    raft.mark_reloaded(applied);
                }
                Err(e) => tracing::warn!(error = %e, "Reloading replicated state failed."),
            }
        }
        tokio::select! {
            r = watch.changed() => if r.is_err() { return },
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// What a new leader does before it serves (see the module doc).
fn take_over(ctx: &FeContext, raft: &MetaRaft) -> Result<(), crate::meta::MetaError> {
    ctx.reload(true)?;
    if ctx.meta.cluster_id()? == 0 {
        // A new cluster: its id, as StarRocks draws one for a new meta dir.
        let id = i64::from(rand::random::<u32>() & 0x7fff_ffff).max(1);
        let mut b = MetaBatch::new();
        b.put(&[keys::CLUSTER_ID], &id)?;
        ctx.meta.write(b)?;
        tracing::info!(cluster_id = id, node = %raft.node(), "Initialized a new cluster.");
    }
    let own = raft.node().addr();
    if frontend::record(&ctx.meta, &own)?.is_none() {
        // The first FE of a cluster (or one from before frontends were recorded).
        frontend::put(
            &ctx.meta,
            &FrontendRecord {
                host: raft.node().host.clone(),
                edit_log_port: raft.node().edit_log_port,
                role: FrontendRole::FOLLOWER,
                added_ms: now_ms(),
            },
        )?;
    }
    let publisher = ctx.publisher();
    publish::recover(&publisher);
    overwrite::recover(ctx);
    Ok(())
}
