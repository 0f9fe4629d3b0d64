//! Accepts MySQL connections on `query_port` and runs one task per connection.
//!
//! Every accepted socket gets TCP_NODELAY (without it each small response waits for the
//! peer's delayed ACK, ~40 ms per query). A connection task ends on COM_QUIT, a socket error,
//! a failed login, or `KILL <id>`.

use crate::context::FeContext;
use crate::server::conn_io::{ConnWriter, ErrSlot};
use crate::server::shim::FeShim;
use opensrv_mysql::{AsyncMysqlIntermediary, IntermediaryOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Binds the MySQL port.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Accepts connections forever.
pub async fn serve(ctx: Arc<FeContext>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((sock, peer)) => {
                let ctx = ctx.clone();
                tokio::spawn(handle(ctx, sock, peer));
            }
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "Accept failed.");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn handle(ctx: Arc<FeContext>, sock: TcpStream, peer: SocketAddr) {
    if let Err(e) = sock.set_nodelay(true) {
        tracing::warn!(error = %e, "set_nodelay failed.");
    }
    let guard = ctx.sessions.register(&peer.to_string());
    let id = guard.id();
    let kill = guard.kill_switch();
    metrics::counter!("starload_fe_connections_accepted_total").increment(1);
    metrics::gauge!("starrocks_fe_connection_total").set(ctx.sessions.len() as f64);
    tracing::debug!(conn = id, peer = %peer, "Connection accepted.");

    let slot = ErrSlot::default();
    let shim = FeShim::new(ctx.clone(), guard, peer.to_string(), slot.clone());
    let (reader, writer) = sock.into_split();
    let writer = ConnWriter::new(writer, slot);
    // USE goes through our parser (StarRocks's USE grammar, catalog.db, exact errors).
    let opts = IntermediaryOptions {
        process_use_statement_on_query: true,
        reject_connection_on_dbname_absence: false,
    };
    tokio::select! {
        r = AsyncMysqlIntermediary::run_with_options(shim, reader, writer, &opts) => {
            if let Err(e) = r {
                tracing::debug!(conn = id, error = %e, "Connection ended.");
            }
        }
        _ = kill.connection.notified() => {
            tracing::info!(conn = id, "Connection killed.");
        }
    }
    // The shim (and its registry guard) is dropped with the future above.
    metrics::gauge!("starrocks_fe_connection_total").set(ctx.sessions.len() as f64);
}
