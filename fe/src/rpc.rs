//! FrontendService: BE -> FE gRPC (task reports, transaction state queries).

use crate::context::FeContext;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves FrontendService on `addr`. Minimal placeholder added by the server helper so
/// `main` can start it; the routine-load helper owns the real service.
pub async fn serve(_ctx: Arc<FeContext>, _addr: SocketAddr) -> Result<(), std::io::Error> {
    Ok(())
}
