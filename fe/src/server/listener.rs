//! Accepts MySQL connections on `query_port` and runs one task per connection.
//!
//! Every accepted socket gets TCP_NODELAY (without it each small response waits for the
//! peer's delayed ACK, ~40 ms per query). A connection task ends on COM_QUIT, a socket error,
//! a failed login, or `KILL <id>`.
//!
//! With a certificate configured (`ssl_cert_file`), the connection phase up to TLS runs in
//! `server::tls` first (CLIENT_SSL), then opensrv continues as for a plaintext client.
//!
//! Closing is graceful ("lingering close"): the FE shuts down its sending side and reads what
//! the client still sends before it closes the socket. Closing a socket with unread bytes makes
//! the kernel answer with a reset, and a reset makes the client discard data it has not read
//! yet: the ERR packet of a failed login would then reach the client as "connection reset".

use crate::config::FeConfig;
use crate::context::FeContext;
use crate::error::SqlError;
use crate::server::conn_io::{ConnReader, ConnWriter, ErrSlot};
use crate::server::shim::FeShim;
use crate::server::tls::{self, NegotiateError};
use opensrv_mysql::{AsyncMysqlIntermediary, IntermediaryOptions};
use starload_proto::error_code;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Binds the MySQL port.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// The TLS server config when `ssl_cert_file` is set (`Err` when it cannot be loaded: the
/// FE must not silently serve plaintext).
pub fn tls_config(cfg: &FeConfig) -> Result<Option<Arc<tls::ServerConfig>>, String> {
    if cfg.ssl_cert_file.is_empty() {
        if cfg.ssl_force_secure_transport {
            return Err("ssl_force_secure_transport needs ssl_cert_file and ssl_key_file".into());
        }
        return Ok(None);
    }
    tls::load_server_config(&cfg.ssl_cert_file, &cfg.ssl_key_file).map(Some)
}

/// Accepts connections forever.
pub async fn serve(
    ctx: Arc<FeContext>,
    listener: TcpListener,
    tls: Option<Arc<tls::ServerConfig>>,
) {
    loop {
        match listener.accept().await {
            Ok((sock, peer)) => {
                let ctx = ctx.clone();
                tokio::spawn(handle(ctx, sock, peer, tls.clone()));
            }
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "Accept failed.");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn handle(
    ctx: Arc<FeContext>,
    sock: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<tls::ServerConfig>>,
) {
    if let Err(e) = sock.set_nodelay(true) {
        tracing::warn!(error = %e, "set_nodelay failed.");
    }
    let guard = ctx.sessions.register(&peer.to_string());
    let id = guard.id();
    let kill = guard.kill_switch();
    crate::telemetry::ConnectionAccepted {
        conn: id,
        peer,
        open: ctx.sessions.len(),
    }
    .emit();

    let slot = ErrSlot::default();
    let shim = FeShim::new(ctx.clone(), guard, peer.to_string(), slot.clone());
    // USE goes through our parser (StarRocks's USE grammar, catalog.db, exact errors).
    let opts = IntermediaryOptions {
        process_use_statement_on_query: true,
        reject_connection_on_dbname_absence: false,
    };
    let force_secure = ctx.config.get().ssl_force_secure_transport && !peer.ip().is_loopback();
    let ssl_failed = crate::server::result_writer::err_payload(&SqlError::code(
        error_code::ERR_CHANGE_TO_SSL_CONNECTION_FAILED,
        &[],
    ));
    let run = async move {
        match tls {
            None => match tls::plain(sock, shim.greeting(false), &ssl_failed).await {
                Ok(n) => serve_negotiated(shim, n, slot, &opts).await,
                Err(NegotiateError::Io(e)) => Err(e),
                Err(NegotiateError::SslUnavailable) => {
                    tracing::warn!(conn = id, peer = %peer, "enable ssl connection failed: no certificate configured (ssl_cert_file).");
                    Ok(())
                }
                Err(NegotiateError::InsecureRefused) => Ok(()),
            },
            Some(cfg) => {
                let refuse = force_secure.then(|| {
                    crate::server::result_writer::err_payload(&SqlError::code(
                        error_code::ERR_SECURE_TRANSPORT_REQUIRED,
                        &[],
                    ))
                });
                match tls::negotiate(sock, shim.greeting(true), cfg, refuse, &ssl_failed).await {
                    Ok(n) => serve_negotiated(shim, n, slot, &opts).await,
                    Err(NegotiateError::SslUnavailable) => {
                        tracing::warn!(conn = id, peer = %peer, "enable ssl connection failed: CLIENT_SSL outside an SSLRequest.");
                        Ok(())
                    }
                    Err(NegotiateError::InsecureRefused) => {
                        tracing::warn!(conn = id, peer = %peer, "Connections using insecure transport are prohibited.");
                        Ok(())
                    }
                    Err(NegotiateError::Io(e)) => Err(e),
                }
            }
        }
    };
    tokio::select! {
        r = run => {
            if let Err(e) = r {
                tracing::debug!(conn = id, error = %e, "Connection ended.");
            }
        }
        _ = kill.connection.notified() => {
            tracing::info!(conn = id, "Connection killed.");
        }
    }
    // The shim (and its registry guard) is dropped with the future above.
    crate::telemetry::ConnectionClosed {
        conn: id,
        open: ctx.sessions.len(),
    }
    .emit();
}

/// How long a closing connection waits for the client to close its side.
const LINGER: Duration = Duration::from_secs(2);
/// Bytes a closing connection reads (and drops) at most while it waits.
const LINGER_MAX_BYTES: usize = 1 << 20;

/// Runs the MySQL session on a negotiated connection (opensrv from the client's handshake
/// response on), then closes it without a reset.
async fn serve_negotiated(
    mut shim: FeShim,
    n: tls::Negotiated,
    slot: ErrSlot,
    opts: &IntermediaryOptions,
) -> std::io::Result<()> {
    shim.set_client_caps(n.client_caps);
    let mut writer = ConnWriter::new(n.writer, slot);
    let mut reader = ConnReader::new(n.reader);
    let r = AsyncMysqlIntermediary::run_with_options(shim, &mut reader, &mut writer, opts).await;
    linger_close(&mut reader, &mut writer).await;
    r
}

/// Sends what is buffered, then FIN, then drains the client's bytes until it closes (bounded
/// by [`LINGER`] and [`LINGER_MAX_BYTES`]), so the close is never a reset (see module docs).
async fn linger_close<R, W>(reader: &mut R, writer: &mut W)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let drain = async {
        writer.shutdown().await?;
        let mut buf = [0u8; 4096];
        let mut total = 0;
        while total < LINGER_MAX_BYTES {
            match reader.read(&mut buf).await? {
                0 => break,
                n => total += n,
            }
        }
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The server answers 1 MiB and closes while the client's last bytes are still unread; the
    /// client must still get every byte and a clean EOF. A plain close with unread input turns
    /// into a reset that discards what the server had not sent yet.
    #[tokio::test]
    async fn close_with_unread_input_delivers_everything() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let answer = vec![7u8; 1 << 20];
        let server = {
            let answer = answer.clone();
            tokio::spawn(async move {
                let (sock, _) = listener.accept().await.unwrap();
                let (mut reader, mut writer) = sock.into_split();
                let mut first = [0u8; 4];
                reader.read_exact(&mut first).await.unwrap();
                writer.write_all(&answer).await.unwrap();
                linger_close(&mut reader, &mut writer).await;
            })
        };
        let mut client = TcpStream::connect(addr).await.unwrap();
        // The request, plus bytes the server never reads.
        client.write_all(b"ping and more").await.unwrap();
        // The server closes while most of the answer is still in flight.
        let mut got = Vec::new();
        let read = client.read_to_end(&mut got).await;
        drop(client);
        server.await.unwrap();
        read.expect("a clean end of stream, not a reset");
        assert_eq!(got.len(), answer.len());
    }
}
