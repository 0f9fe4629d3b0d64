//! CloneTablet: rebuilds a lagging replica from a healthy one (BE -> BE). The source streams
//! its merged rows at the requested version through its ordinary ScanTablets; the rows are
//! installed here by `storage::clone` on the blocking pool while they arrive. Nothing is
//! deleted before the source answered, so an unreachable source leaves the replica as it was.

use crate::context::BeContext;
use crate::error::BeError;
use crate::service::ipc;
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::{CloneTabletRequest, ScanTabletsRequest};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

/// Tablets being cloned on this BE (one clone per tablet at a time).
fn cloning() -> &'static Mutex<HashSet<i64>> {
    static CLONING: OnceLock<Mutex<HashSet<i64>>> = OnceLock::new();
    CLONING.get_or_init(|| Mutex::new(HashSet::new()))
}

struct CloningGuard(i64);

impl Drop for CloningGuard {
    fn drop(&mut self) {
        cloning()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// Clones `req.tablet_id` at `req.version` from `req.source`. Returns (rows installed, the
/// replica's visible version afterwards).
pub async fn run(ctx: &Arc<BeContext>, req: CloneTabletRequest) -> Result<(u64, i64), BeError> {
    let tablet_id = req.tablet_id;
    let version = req.version;
    let t = ctx.store.tablet(tablet_id)?;
    {
        let st = crate::storage::tablet::lock(&t.state);
        if !st.clone_pending && st.visible_version >= version {
            return Ok((0, st.visible_version));
        }
    }
    if !cloning()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(tablet_id)
    {
        return Err(BeError::Other(format!(
            "tablet {tablet_id} is already being cloned"
        )));
    }
    let _guard = CloningGuard(tablet_id);
    let src = req
        .source
        .ok_or_else(|| BeError::InvalidArgument("CloneTablet without a source".into()))?;
    let mut client = BackendServiceClient::connect(format!("http://{}:{}", src.host, src.be_port))
        .await
        .map_err(|e| BeError::Other(format!("connect clone source {}: {e}", src.host)))?
        .max_decoding_message_size(super::MAX_MESSAGE_BYTES);
    let mut stream = client
        .scan_tablets(ScanTabletsRequest {
            cluster_token: ctx.config.cluster_token.clone(),
            tablet_ids: vec![tablet_id],
            version,
            ..Default::default()
        })
        .await
        .map_err(|e| BeError::Other(format!("clone source scan: {}", e.message())))?
        .into_inner();
    let next = |m: Result<Option<starload_proto::be::ScanTabletsResponse>, tonic::Status>| {
        let m = m.map_err(|e| BeError::Other(format!("clone source scan: {}", e.message())))?;
        if let Some(m) = &m {
            if let Some(s) = &m.status {
                if !s.is_ok() {
                    return Err(BeError::Other(format!(
                        "clone source backend {}: {}",
                        src.backend_id, s.message
                    )));
                }
            }
        }
        Ok(m.map(|m| m.arrow_ipc))
    };
    // The first answer decides whether the source can serve the version at all.
    let first = next(stream.message().await)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, BeError>>(4);
    let store = ctx.store.clone();
    let install = tokio::task::spawn_blocking(move || -> Result<u64, BeError> {
        let mut w = store.clone_begin(tablet_id)?;
        while let Some(msg) = rx.blocking_recv() {
            for b in ipc::decode(&msg?)? {
                w.write(&b)?;
            }
        }
        w.finish(version)
    });
    let mut more = first;
    let mut failed = None;
    while let Some(bytes) = more.take() {
        if !bytes.is_empty() && tx.send(Ok(bytes)).await.is_err() {
            break;
        }
        match next(stream.message().await) {
            Ok(m) => more = m,
            Err(e) => {
                failed = Some(e.to_string());
                let _ = tx.send(Err(e)).await;
            }
        }
    }
    drop(tx);
    let rows = install
        .await
        .map_err(|e| BeError::Other(format!("clone task failed: {e}")))??;
    if let Some(e) = failed {
        return Err(BeError::Other(e));
    }
    Ok((rows, ctx.store.tablet(tablet_id)?.visible_version()))
}
