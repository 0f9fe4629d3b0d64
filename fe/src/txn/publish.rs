//! The publish loop (ARCHITECTURE.md step 5): every COMMITTED transaction, in commit order
//! (so in version order per partition), is published to every replica of every tablet of the
//! partitions it wrote with `PublishVersion`. Once a quorum of each tablet's replicas applied
//! the version, the transaction becomes VISIBLE together with the partitions' visible
//! versions (one write), and the job renews the task. Replicas that missed it keep being
//! retried (in commit order) until they apply it. Publish is idempotent on the BE.
//!
//! `recover` runs at FE start: PREPARE transactions are aborted (their tasks died with the
//! previous process); COMMITTED ones are simply published by the loop.
//!
//! Replica repair (`repair_round`, after each publish round, at most once a second): a
//! replica on an alive BE whose known version (heartbeat tablet reports, publish results)
//! stays below its partition's visible version for [`REPAIR_AFTER`] missed a load it cannot
//! publish (it never staged it) and is cloned (`CloneTablet`) at the visible version from a
//! replica that has it. After the clone its owed publishes succeed (the BE discards staged
//! rows the clone superseded), so the retries stop; until then reads skip it
//! (`Cluster::readable_tablet_locations`).

use super::{TransactionState, TxnStatus};
use super::{TxnListener, TxnManager};
use crate::catalog::Catalog;
use crate::clock::now_ms;
use crate::cluster::Cluster;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Period of the loop when nothing wakes it.
const ROUND: Duration = Duration::from_millis(500);

/// Replica publishes still owed: txn -> (tablet, backend) pairs not yet applied.
type Owed = BTreeMap<(i64, i64), BTreeSet<(i64, i64)>>;

/// How long a replica stays below the visible version before it is cloned (publishes that
/// are merely late catch up well within this).
pub const REPAIR_AFTER: Duration = Duration::from_secs(5);

/// State of the replica repair between rounds.
#[derive(Default)]
struct Repair {
    /// (tablet, backend) -> since when it is known to be below the visible version.
    behind_since: HashMap<(i64, i64), Instant>,
    /// Clones running now.
    in_flight: Arc<Mutex<HashSet<(i64, i64)>>>,
    last_check: Option<Instant>,
}

/// What the publish loop works with: the transactions, the catalog (targets, visible versions),
/// the backends, and whoever owns each transaction's load (told of VISIBLE and ABORTED).
pub struct Publisher {
    pub catalog: Arc<Catalog>,
    pub cluster: Arc<Cluster>,
    pub txn: Arc<TxnManager>,
    pub listener: Arc<dyn TxnListener>,
}

/// Aborts PREPARE transactions left by a previous FE process.
pub fn recover(ctx: &Publisher) {
    for t in ctx.txn.list(TxnStatus::PREPARE) {
        let reason = "transaction aborted because the FE restarted and its task is gone";
        match ctx.txn.abort(t.txn_id, reason, |_| Ok(())) {
            Ok(t) => ctx.listener.on_aborted(&t),
            Err(e) => tracing::warn!(txn = t.txn_id, error = %e, "Recovery abort failed."),
        }
    }
}

/// Spawns the publish loop.
pub fn start(ctx: Arc<Publisher>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // (commit_seq, txn_id) -> owed replica publishes, for lagging replicas of visible txns.
        let mut lagging: Owed = BTreeMap::new();
        let mut repair = Repair::default();
        loop {
            // Only the leader publishes (a follower's transactions are the leader's, replicated).
            if ctx.txn.is_active_leader() {
                publish_round(&ctx, &mut lagging).await;
                repair_round(&ctx, &mut repair);
            }
            tokio::select! {
                _ = ctx.txn.publish_wake.notified() => {}
                _ = tokio::time::sleep(ROUND) => {}
            }
        }
    })
}

/// `(tablet, backend, version)` for every replica the transaction must be published to.
fn targets(ctx: &Publisher, t: &TransactionState) -> Option<Vec<(i64, i64, i64)>> {
    let table = ctx.catalog.get_table_by_id(t.table_id)?;
    let mut out = Vec::new();
    for (pid, v) in &t.partition_versions {
        // A partition dropped after the commit is not published (its tablets are gone).
        let Some(p) = table.partition(*pid) else {
            continue;
        };
        for tablet in &p.tablets {
            for be in &tablet.replicas {
                out.push((tablet.id, *be, *v));
            }
        }
    }
    Some(out)
}

/// Sends one round of publishes for `items` (tablet, be, version); returns the pairs that
/// applied.
async fn send(ctx: &Publisher, txn_id: i64, items: &[(i64, i64, i64)]) -> BTreeSet<(i64, i64)> {
    let mut by_be: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (tablet, be, v) in items {
        by_be.entry(*be).or_default().push((*tablet, *v));
    }
    let calls = by_be.into_iter().map(|(be, tablets)| async move {
        if !ctx.cluster.is_alive(be) {
            return (
                be,
                tablets.clone(),
                tablets.iter().map(|(t, _)| *t).collect(),
            );
        }
        let failed = ctx.cluster.publish_version(be, txn_id, &tablets).await;
        (be, tablets, failed)
    });
    let mut ok = BTreeSet::new();
    for (be, tablets, failed) in futures::future::join_all(calls).await {
        let failed: BTreeSet<i64> = failed.into_iter().collect();
        for (t, v) in tablets {
            if !failed.contains(&t) {
                ok.insert((t, be));
                ctx.cluster.note_replica_version(t, be, v);
            }
        }
    }
    ok
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts clones of replicas that stayed below their partition's visible version.
fn repair_round(ctx: &Arc<Publisher>, repair: &mut Repair) {
    let now = Instant::now();
    if repair
        .last_check
        .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
    {
        return;
    }
    repair.last_check = Some(now);
    let cluster = &ctx.cluster;
    let mut seen = HashSet::new();
    for table in ctx.catalog.all_tables() {
        for (p, t) in table.all_tablets() {
            if p.visible_version <= 1 {
                continue;
            }
            for &be in &t.replicas {
                let behind = cluster.is_alive(be)
                    && cluster
                        .replica_version(t.id, be)
                        .is_some_and(|v| v < p.visible_version);
                if !behind {
                    continue;
                }
                seen.insert((t.id, be));
                let since = *repair.behind_since.entry((t.id, be)).or_insert(now);
                if now.duration_since(since) < REPAIR_AFTER
                    || lock(&repair.in_flight).contains(&(t.id, be))
                {
                    continue;
                }
                let Some(source) = t.replicas.iter().copied().find(|s| {
                    *s != be
                        && cluster.is_alive(*s)
                        && cluster
                            .replica_version(t.id, *s)
                            .is_some_and(|v| v >= p.visible_version)
                }) else {
                    continue;
                };
                lock(&repair.in_flight).insert((t.id, be));
                // The next attempt (after a failure) waits REPAIR_AFTER again.
                repair.behind_since.insert((t.id, be), now);
                let (ctx, in_flight) = (ctx.clone(), repair.in_flight.clone());
                let (tablet, version) = (t.id, p.visible_version);
                tracing::info!(
                    tablet,
                    backend = be,
                    source,
                    version,
                    "Cloning a lagging replica."
                );
                tokio::spawn(async move {
                    match ctx.cluster.clone_tablet(be, tablet, version, source).await {
                        Ok(v) => {
                            ctx.cluster.note_replica_version(tablet, be, v);
                            crate::telemetry::ReplicaCloned {
                                tablet,
                                backend: be,
                                version: v,
                            }
                            .emit();
                            ctx.txn.publish_wake.notify_one();
                        }
                        Err(e) => {
                            crate::telemetry::ReplicaCloneFailed {
                                tablet,
                                backend: be,
                                error: &e,
                            }
                            .emit();
                        }
                    }
                    lock(&in_flight).remove(&(tablet, be));
                });
            }
        }
    }
    repair.behind_since.retain(|k, _| seen.contains(k));
}

async fn publish_round(ctx: &Arc<Publisher>, lagging: &mut Owed) {
    // Lagging replicas first, oldest first, so that each replica applies versions in order.
    let keys: Vec<(i64, i64)> = lagging.keys().copied().collect();
    for key in keys {
        let Some(owed) = lagging.get(&key) else {
            continue;
        };
        let Some(t) = ctx.txn.get(key.1) else {
            lagging.remove(&key);
            continue;
        };
        let Some(all) = targets(ctx, &t) else {
            lagging.remove(&key);
            continue;
        };
        let items: Vec<(i64, i64, i64)> = all
            .into_iter()
            .filter(|(tab, be, _)| owed.contains(&(*tab, *be)))
            .collect();
        let done = send(ctx, t.txn_id, &items).await;
        if let Some(o) = lagging.get_mut(&key) {
            for d in &done {
                o.remove(d);
            }
            if o.is_empty() {
                lagging.remove(&key);
            }
        }
    }

    let mut blocked_tables = BTreeSet::new();
    for t in ctx.txn.list(TxnStatus::COMMITTED) {
        if blocked_tables.contains(&t.table_id) {
            continue;
        }
        let Some(items) = targets(ctx, &t) else {
            tracing::warn!(
                txn = t.txn_id,
                table = t.table_id,
                "Publish target is gone."
            );
            blocked_tables.insert(t.table_id);
            continue;
        };
        // Only replicas that staged the rows publish (a replica that failed during the load
        // has none or part of them: publishing there would serve incomplete reads); the
        // quorum still counts every replica of the tablet.
        let (items, missed): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|(tab, be, _)| t.replica_staged(*tab, *be));
        let done = send(ctx, t.txn_id, &items).await;
        let mut per_tablet: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
        for (tab, be, _) in items.iter().chain(&missed) {
            let e = per_tablet.entry(*tab).or_insert((0, 0));
            e.0 += 1;
            if done.contains(&(*tab, *be)) {
                e.1 += 1;
            }
        }
        let quorum = per_tablet.values().all(|(n, ok)| *ok > n / 2);
        if !quorum {
            // Later transactions of this table wait: versions apply in order.
            blocked_tables.insert(t.table_id);
            continue;
        }
        if let Err(e) = ctx.txn.make_visible(&ctx.catalog, t.txn_id) {
            tracing::warn!(txn = t.txn_id, error = %e, "Making the transaction visible failed.");
            blocked_tables.insert(t.table_id);
            continue;
        }
        let owed: BTreeSet<(i64, i64)> = items
            .iter()
            .map(|(tab, be, _)| (*tab, *be))
            .filter(|k| !done.contains(k))
            .collect();
        if !owed.is_empty() {
            lagging.insert((t.commit_seq, t.txn_id), owed);
        }
        // The replicas that missed the load discard whatever they staged of it (best effort;
        // a restarted BE is told the same by GetTxnState). They stay below this version.
        if !missed.is_empty() {
            let mut by_be: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for (tab, be, _) in &missed {
                by_be.entry(*be).or_default().push(*tab);
            }
            ctx.cluster.abort_txn_on(t.txn_id, by_be);
        }
        tracing::info!(
            txn = t.txn_id,
            job = t.job_id,
            visible_ms = now_ms() - t.commit_time_ms,
            "Transaction visible."
        );
        ctx.listener.on_visible(&t);
    }
}
