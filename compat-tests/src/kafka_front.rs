//! A TCP front for a plaintext Tansu broker that adds the Kafka security Tansu 0.6 lacks, so
//! that routine load can be tested against a broker that *requires* it:
//!
//! - **TLS** ([`FrontOptions::tls`]): the front terminates TLS with a certificate from a
//!   [`TestCa`] made at run time, and forwards the plaintext to Tansu. Tansu 0.6 never starts
//!   TLS itself, and librdkafka's mock cluster has no TLS.
//! - **SASL PLAIN** ([`FrontOptions::plain`]): Tansu 0.6 with `--authentication` offers only
//!   SCRAM. The front answers SaslHandshake and SaslAuthenticate itself (just enough of the
//!   Kafka protocol for that), forwards ApiVersions to Tansu (Tansu 0.6 already advertises
//!   SaslHandshake v0–1 and SaslAuthenticate v0–2), and refuses, by closing the connection,
//!   any other request before authentication. After a successful authentication the bytes go
//!   through unchanged both ways. A wrong password gets SaslAuthenticate error 58
//!   (SASL_AUTHENTICATION_FAILED) with Kafka's message, then the connection is closed, as a
//!   Kafka broker does.
//!
//! Both together are SASL_SSL. Kafka clients reconnect to the address a broker advertises in
//! Metadata, so Tansu must advertise the front: [`crate::Broker::advertise`].
//!
//! Each client connection is one task with its own upstream connection to Tansu; dropping the
//! [`KafkaFront`] stops the listener and every connection.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

/// Kafka api keys the front handles before authentication.
const API_SASL_HANDSHAKE: i16 = 17;
const API_API_VERSIONS: i16 = 18;
const API_SASL_AUTHENTICATE: i16 = 36;
/// Kafka error codes the front answers with.
const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
const SASL_AUTHENTICATION_FAILED: i16 = 58;
/// The message a Kafka broker's PLAIN server gives for wrong credentials.
pub const PLAIN_AUTH_FAILED: &str = "Authentication failed: Invalid username or password";
/// Largest frame read before authentication (SASL and ApiVersions requests are tiny; this
/// bounds what a confused client can make the front allocate).
const MAX_PREAUTH_FRAME: usize = 1 << 20;

/// What the front requires from clients.
#[derive(Clone, Default)]
pub struct FrontOptions {
    /// Terminate TLS with this server config (from [`TestCa::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Require SASL PLAIN with this (username, password).
    pub plain: Option<(String, String)>,
}

/// A running front: listens on a free loopback port, forwards to Tansu.
pub struct KafkaFront {
    addr: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl KafkaFront {
    /// Listens on 127.0.0.1 (free port) and forwards every connection to
    /// 127.0.0.1:`upstream_port` (a Tansu broker without `--authentication`).
    pub async fn start(upstream_port: u16, opts: FrontOptions) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("bind kafka front")?;
        let addr = listener.local_addr()?;
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let opts = Arc::new(opts);
        let acceptor = tokio::spawn(accept_loop(listener, upstream, opts));
        Ok(KafkaFront { addr, acceptor })
    }

    /// `127.0.0.1:<port>`, for `kafka_broker_list` and for [`crate::Broker::advertise`].
    pub fn bootstrap(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for KafkaFront {
    fn drop(&mut self) {
        // Dropping the acceptor's JoinSet aborts every connection task.
        self.acceptor.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, opts: Arc<FrontOptions>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                // A failed connection (a client refusing our certificate, a wrong password)
                // is what some tests provoke; it only ends that connection.
                conns.spawn(serve(tcp, upstream, opts.clone()));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn serve(tcp: TcpStream, upstream: SocketAddr, opts: Arc<FrontOptions>) -> Result<()> {
    tcp.set_nodelay(true)?;
    let mut client: Box<dyn Stream> = match &opts.tls {
        Some(cfg) => Box::new(TlsAcceptor::from(cfg.clone()).accept(tcp).await?),
        None => Box::new(tcp),
    };
    let mut up = TcpStream::connect(upstream)
        .await
        .context("connect to tansu")?;
    up.set_nodelay(true)?;
    if let Some((user, password)) = &opts.plain {
        if !authenticate(client.as_mut(), &mut up, user, password).await? {
            return Ok(());
        }
    }
    tokio::io::copy_bidirectional(&mut client, &mut up).await?;
    Ok(())
}

/// Runs the pre-authentication exchange. `Ok(true)`: authenticated, forward the rest;
/// `Ok(false)`: refused (the answer, if any, was sent), close.
async fn authenticate(
    client: &mut dyn Stream,
    up: &mut TcpStream,
    user: &str,
    password: &str,
) -> Result<bool> {
    let mut handshake_done = false;
    loop {
        let Some(frame) = read_frame(client, MAX_PREAUTH_FRAME).await? else {
            return Ok(false);
        };
        let mut r = Reader::new(&frame);
        let api_key = r.i16()?;
        let api_version = r.i16()?;
        let correlation_id = r.i32()?;
        match api_key {
            API_API_VERSIONS => {
                // Tansu's answer already lists the SASL apis; relay it as is.
                write_frame(up, &frame).await?;
                let resp = read_frame(up, usize::MAX)
                    .await?
                    .ok_or_else(|| anyhow!("tansu closed during ApiVersions"))?;
                write_frame(client, &resp).await?;
            }
            API_SASL_HANDSHAKE if api_version <= 1 => {
                let _client_id = r.nullable_string()?;
                let mechanism = r.string()?;
                let ok = mechanism == "PLAIN";
                let mut resp = correlation_id.to_be_bytes().to_vec();
                let code = if ok { 0 } else { UNSUPPORTED_SASL_MECHANISM };
                resp.extend_from_slice(&code.to_be_bytes());
                resp.extend_from_slice(&1i32.to_be_bytes());
                put_string(&mut resp, "PLAIN");
                write_frame(client, &resp).await?;
                if !ok {
                    return Ok(false);
                }
                if api_version == 0 {
                    // SaslHandshake v0: the token follows as a bare length-prefixed frame,
                    // and success is an empty bare frame (KIP-43). librdkafka uses v1 when
                    // the broker offers it; this keeps older clients working too.
                    let Some(token) = read_frame(client, MAX_PREAUTH_FRAME).await? else {
                        return Ok(false);
                    };
                    if !plain_matches(&token, user, password) {
                        return Ok(false);
                    }
                    write_frame(client, &[]).await?;
                    return Ok(true);
                }
                handshake_done = true;
            }
            API_SASL_AUTHENTICATE if handshake_done => {
                if api_version > 1 {
                    // v2 is flexible (compact encoding) and librdkafka 2.12 sends at most v1;
                    // closing is clearer than a half-encoded answer.
                    return Ok(false);
                }
                let _client_id = r.nullable_string()?;
                let token = r.bytes()?;
                let ok = plain_matches(token, user, password);
                let mut resp = correlation_id.to_be_bytes().to_vec();
                if ok {
                    resp.extend_from_slice(&0i16.to_be_bytes());
                    resp.extend_from_slice(&(-1i16).to_be_bytes()); // error_message: null
                } else {
                    resp.extend_from_slice(&SASL_AUTHENTICATION_FAILED.to_be_bytes());
                    put_string(&mut resp, PLAIN_AUTH_FAILED);
                }
                resp.extend_from_slice(&0i32.to_be_bytes()); // auth_bytes: empty
                if api_version >= 1 {
                    resp.extend_from_slice(&0i64.to_be_bytes()); // session_lifetime_ms: none
                }
                write_frame(client, &resp).await?;
                return Ok(ok);
            }
            // Anything else before authentication is not forwarded: the connection ends,
            // as a Kafka broker ends it (IllegalSaslState).
            _ => return Ok(false),
        }
    }
}

/// A PLAIN token is `authzid NUL username NUL password` (RFC 4616); the authzid is ignored.
fn plain_matches(token: &[u8], user: &str, password: &str) -> bool {
    let mut parts = token.split(|b| *b == 0);
    let (_authzid, u, p) = (parts.next(), parts.next(), parts.next());
    parts.next().is_none() && u == Some(user.as_bytes()) && p == Some(password.as_bytes())
}

/// One Kafka frame (4-byte big-endian length, then the payload); `None` at a clean EOF.
async fn read_frame<S: AsyncRead + Unpin + ?Sized>(
    s: &mut S,
    max: usize,
) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match s.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let n = i32::from_be_bytes(len);
    if n < 0 || n as usize > max {
        bail!("frame length {n} out of range");
    }
    let mut buf = vec![0u8; n as usize];
    s.read_exact(&mut buf).await?;
    Ok(Some(buf))
}

async fn write_frame<S: AsyncWrite + Unpin + ?Sized>(s: &mut S, payload: &[u8]) -> Result<()> {
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&(payload.len() as i32).to_be_bytes());
    out.extend_from_slice(payload);
    s.write_all(&out).await?;
    s.flush().await?;
    Ok(())
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as i16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Big-endian reads of the non-flexible Kafka encodings.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            bail!("truncated kafka request");
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn i16(&mut self) -> Result<i16> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn nullable_string(&mut self) -> Result<Option<&'a [u8]>> {
        let n = self.i16()?;
        if n < 0 {
            return Ok(None);
        }
        self.take(n as usize).map(Some)
    }

    fn string(&mut self) -> Result<String> {
        let s = self
            .nullable_string()?
            .ok_or_else(|| anyhow!("null string"))?;
        Ok(String::from_utf8_lossy(s).into_owned())
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.i32()?;
        if n < 0 {
            bail!("null bytes");
        }
        self.take(n as usize)
    }
}

/// A certificate authority made at run time, and a server certificate it signed for
/// `127.0.0.1` and `localhost`. The CA certificate is written as PEM to a temp dir, for
/// `property.ssl.ca.location`; no private key is ever committed.
pub struct TestCa {
    ca_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// A new CA (its own key pair: two `TestCa`s never trust each other's certificates).
    pub fn new() -> Result<Self> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "starload test CA");
        let ca_key = KeyPair::generate()?;
        let ca = ca_params.self_signed(&ca_key)?;
        let leaf_key = KeyPair::generate()?;
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?
            .signed_by(&leaf_key, &ca, &ca_key)?;
        let dir = tempfile::Builder::new()
            .prefix("starload-test-ca-")
            .tempdir()?;
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem())?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        // The chain the server sends: its certificate only; the client has the CA.
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
        let server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("test server certificate")?;
        Ok(TestCa {
            ca_file,
            server: Arc::new(server),
            _dir: dir,
        })
    }

    /// The CA certificate (PEM), for `ssl.ca.location`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// A rustls server config presenting the certificate this CA signed.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_token_needs_exact_user_and_password() {
        assert!(plain_matches(b"\0alice\0pw", "alice", "pw"));
        assert!(plain_matches(b"authz\0alice\0pw", "alice", "pw"));
        assert!(!plain_matches(b"\0alice\0pw2", "alice", "pw"));
        assert!(!plain_matches(b"\0bob\0pw", "alice", "pw"));
        assert!(!plain_matches(b"\0alice\0pw\0x", "alice", "pw"));
        assert!(!plain_matches(b"alice", "alice", "pw"));
    }
}
