//! The publish loop (ARCHITECTURE.md step 5): every COMMITTED transaction, in commit order
//! (so in version order per partition), is published to every replica of every tablet of the
//! partitions it wrote with `PublishVersion`. Once a quorum of each tablet's replicas applied
//! the version, the transaction becomes VISIBLE together with the partitions' visible
//! versions (one write), and the job renews the task. Replicas that missed it keep being
//! retried (in commit order) until they apply it. Publish is idempotent on the BE.
//!
//! `recover` runs at FE start: PREPARE transactions are aborted (their tasks died with the
//! previous process); COMMITTED ones are simply published by the loop.

use super::{now_ms, TransactionState, TxnStatus};
use crate::context::FeContext;
use crate::routine_load::txn_callback;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Period of the loop when nothing wakes it.
const ROUND: Duration = Duration::from_millis(500);

/// Replica publishes still owed: txn -> (tablet, backend) pairs not yet applied.
type Owed = BTreeMap<(i64, i64), BTreeSet<(i64, i64)>>;

/// Aborts PREPARE transactions left by a previous FE process.
pub fn recover(ctx: &FeContext) {
    for t in ctx.txn.list(TxnStatus::PREPARE) {
        let reason = "transaction aborted because the FE restarted and its task is gone";
        match ctx.txn.abort(t.txn_id, reason, |_| Ok(())) {
            Ok(t) => txn_callback::notify_abort(ctx, &t),
            Err(e) => tracing::warn!(txn = t.txn_id, error = %e, "Recovery abort failed."),
        }
    }
}

/// Spawns the publish loop.
pub fn start(ctx: Arc<FeContext>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // (commit_seq, txn_id) -> owed replica publishes, for lagging replicas of visible txns.
        let mut lagging: Owed = BTreeMap::new();
        loop {
            publish_round(&ctx, &mut lagging).await;
            tokio::select! {
                _ = ctx.txn.publish_wake.notified() => {}
                _ = tokio::time::sleep(ROUND) => {}
            }
        }
    })
}

/// `(tablet, backend, version)` for every replica the transaction must be published to.
fn targets(ctx: &FeContext, t: &TransactionState) -> Option<Vec<(i64, i64, i64)>> {
    let table = ctx.catalog.get_table_by_id(t.table_id)?;
    let mut out = Vec::new();
    for (pid, v) in &t.partition_versions {
        let p = table.partitions.iter().find(|p| p.id == *pid)?;
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
async fn send(ctx: &FeContext, txn_id: i64, items: &[(i64, i64, i64)]) -> BTreeSet<(i64, i64)> {
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
        let failed = crate::rpc::backends::publish_version(ctx, be, txn_id, &tablets).await;
        (be, tablets, failed)
    });
    let mut ok = BTreeSet::new();
    for (be, tablets, failed) in futures::future::join_all(calls).await {
        let failed: BTreeSet<i64> = failed.into_iter().collect();
        for (t, _) in tablets {
            if !failed.contains(&t) {
                ok.insert((t, be));
            }
        }
    }
    ok
}

async fn publish_round(ctx: &Arc<FeContext>, lagging: &mut Owed) {
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
            crate::rpc::backends::abort_txn_on(ctx, t.txn_id, by_be);
        }
        tracing::info!(
            txn = t.txn_id,
            job = t.job_id,
            visible_ms = now_ms() - t.commit_time_ms,
            "Transaction visible."
        );
        txn_callback::on_visible(ctx, &t);
    }
}
