//! Restart recovery (ARCHITECTURE.md step 6): txns this BE had staged rows for when it started
//! are resolved by asking the FE (`GetTxnState`, at the address learned from heartbeats):
//! COMMITTED/VISIBLE -> publish at the given versions (in version order; a tablet the answer
//! does not list was committed without this replica and is discarded), ABORTED/UNKNOWN ->
//! discard, PREPARE -> keep and ask again later (the FE aborts it at its timeout).

use crate::context::BeContext;
use crate::error::BeError;
use starload_proto::fe::frontend_service_client::FrontendServiceClient;
use starload_proto::fe::{GetTxnStateRequest, TxnState as FeTxnState};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Resolves the txns staged at startup; returns when none is left.
pub async fn run(ctx: Arc<BeContext>) {
    let mut pending: BTreeMap<i64, Vec<i64>> = ctx.store.staged_txns();
    if pending.is_empty() {
        return;
    }
    tracing::info!(
        txns = pending.len(),
        "Staged transactions found at startup; asking the FE."
    );
    let mut delay = Duration::from_millis(200);
    loop {
        match resolve_once(&ctx, &mut pending).await {
            Ok(()) if pending.is_empty() => {
                tracing::info!("Staged transactions from before the restart resolved.");
                return;
            }
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "Asking the FE about staged transactions failed."),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn resolve_once(
    ctx: &Arc<BeContext>,
    pending: &mut BTreeMap<i64, Vec<i64>>,
) -> Result<(), BeError> {
    // Txns resolved meanwhile by the FE's own publish/abort calls need no question.
    let still = ctx.store.staged_txns();
    pending.retain(|txn, _| still.contains_key(txn));
    if pending.is_empty() {
        return Ok(());
    }
    let Some(fe) = ctx.fe_addr() else {
        return Err(BeError::Other("no heartbeat from the FE yet".into()));
    };
    let backend_id = ctx.backend_id.load(std::sync::atomic::Ordering::Relaxed);
    if backend_id == 0 {
        return Err(BeError::Other("no backend id from the FE yet".into()));
    }
    let mut client = FrontendServiceClient::connect(format!("http://{}:{}", fe.host, fe.rpc_port))
        .await
        .map_err(|e| BeError::Other(format!("connect FE: {e}")))?;
    let resp = client
        .get_txn_state(GetTxnStateRequest {
            cluster_token: ctx.config.cluster_token.clone(),
            txn_ids: pending.keys().copied().collect(),
            backend_id,
        })
        .await
        .map_err(|e| BeError::Other(format!("GetTxnState: {e}")))?
        .into_inner();
    if let Some(s) = &resp.status {
        if !s.is_ok() {
            return Err(BeError::Other(format!("GetTxnState: {}", s.message)));
        }
    }
    // Publish in version order so each lands on top of the previous one.
    let mut publishes: Vec<(i64, i64, i64)> = Vec::new();
    for e in resp.txns {
        let Some(tablets) = pending.get(&e.txn_id) else {
            continue;
        };
        match FeTxnState::try_from(e.state).unwrap_or(FeTxnState::Unknown) {
            FeTxnState::Committed | FeTxnState::Visible => {
                for t in tablets {
                    if let Some(v) = e.tablet_versions.get(t) {
                        publishes.push((*v, *t, e.txn_id));
                    } else {
                        // Committed without this replica (it failed during the load, so it
                        // holds none or part of the rows): discard, never publish.
                        let store = ctx.store.clone();
                        let (txn, t) = (e.txn_id, *t);
                        let r = tokio::task::spawn_blocking(move || store.abort(txn, t)).await;
                        if let Ok(Err(err)) = r {
                            tracing::warn!(txn, tablet = t, error = %err, "Discarding a staged txn failed.");
                        }
                    }
                }
            }
            FeTxnState::Aborted | FeTxnState::Unknown | FeTxnState::Unspecified => {
                for t in tablets {
                    let store = ctx.store.clone();
                    let (txn, t) = (e.txn_id, *t);
                    let r = tokio::task::spawn_blocking(move || store.abort(txn, t)).await;
                    if let Ok(Err(err)) = r {
                        tracing::warn!(txn, tablet = t, error = %err, "Discarding a staged txn failed.");
                    }
                }
                tracing::info!(txn = e.txn_id, "Staged txn discarded after restart.");
            }
            FeTxnState::Prepare => {}
        }
    }
    publishes.sort_unstable();
    for (version, tablet, txn) in publishes {
        let store = ctx.store.clone();
        let r = tokio::task::spawn_blocking(move || store.publish(txn, tablet, version)).await;
        match r {
            Ok(Ok(())) => {
                tracing::info!(txn, tablet, version, "Staged txn published after restart.")
            }
            Ok(Err(err)) => {
                tracing::warn!(txn, tablet, version, error = %err, "Publish after restart failed; will retry.")
            }
            Err(err) => tracing::warn!(error = %err, "Publish task failed."),
        }
    }
    let still = ctx.store.staged_txns();
    pending.retain(|txn, _| still.contains_key(txn));
    Ok(())
}
