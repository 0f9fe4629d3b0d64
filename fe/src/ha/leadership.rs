//! Keeps this FE's in-memory state in step with the replicated store, and takes over when
//! Raft makes it leader.
//!
//! - Follower (or observer): after entries are applied, every manager reloads from the store
//!   (`FeContext::reload`); `MetaRaft::mark_reloaded` then lets waiting reads and forwarded
//!   writes answer. A reload reads the whole store (every transaction kept for its label), so
//!   it is not done per entry: at once when a reader waits for an applied index
//!   (`MetaRaft::wait_reloaded`), otherwise at most once per `FOLLOWER_RELOAD_EVERY`. A
//!   follower's readers still see their own writes and the leader's read index; only state
//!   nobody asked for (metrics, the console) may trail by that interval.
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

/// How often a follower reloads entries no reader is waiting for.
const FOLLOWER_RELOAD_EVERY: Duration = Duration::from_secs(1);

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
    // None: reload at the next chance (start, or just stopped leading: the memory may hold
    // a write the store never took).
    let mut last_reload: Option<Instant> = None;
    loop {
        // When a follower's pending entries are reloaded anyway (None: nothing pending).
        let mut reload_due: Option<Duration> = None;
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
            last_reload = None;
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
            let wanted = raft.reload_wanted();
            let demanded = wanted > reloaded && applied >= wanted;
            let waited = last_reload.map_or(FOLLOWER_RELOAD_EVERY, |t| t.elapsed());
            if demanded || waited >= FOLLOWER_RELOAD_EVERY {
                let started = Instant::now();
                last_reload = Some(started);
                match ctx.reload(false) {
                    Ok(()) => {
                        reloaded = applied;
                        raft.mark_reloaded(applied);
                        crate::telemetry::FollowerReloaded {
                            applied,
                            took: started.elapsed(),
                        }
                        .emit();
                    }
                    Err(e) => tracing::warn!(error = %e, "Reloading replicated state failed."),
                }
            } else {
                reload_due = Some(FOLLOWER_RELOAD_EVERY - waited);
            }
        }
        tokio::select! {
            r = watch.changed() => if r.is_err() { return },
            _ = raft.reload_demanded() => {}
            _ = tokio::time::sleep(reload_due.unwrap_or(Duration::from_millis(500))) => {}
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
