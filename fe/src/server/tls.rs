//! MySQL protocol over TLS (CLIENT_SSL), used when the FE is given a certificate
//! (`ssl_cert_file` / `ssl_key_file`, PEM).
//!
//! opensrv-mysql can switch to TLS itself, but then the plaintext writer is its own and our
//! [`ConnWriter`] (exact StarRocks ERR packets) would only see ciphertext. So the connection
//! phase up to TLS is done here, before opensrv runs:
//! 1. send the server greeting ourselves, identical to opensrv's (same version, connection id
//!    and scramble, taken from the shim) plus CLIENT_SSL;
//! 2. read the client's first packet: an SSLRequest (32-byte payload with CLIENT_SSL) starts
//!    the TLS handshake, and the real HandshakeResponse is then read over TLS with its
//!    CLIENT_SSL bit cleared (TLS is already on); anything else stays plaintext;
//! 3. hand opensrv a reader that replays that HandshakeResponse first and a writer that drops
//!    opensrv's own greeting (the first packet it writes), so opensrv continues at the
//!    authentication step with the right sequence ids.
//!
//! `ssl_force_secure_transport` refuses plaintext clients (except from localhost, as
//! StarRocks's `MysqlProto.negotiate`) with ERR 5205.
//!
//! A HandshakeResponse that sets CLIENT_SSL without being an SSLRequest we can serve (no
//! certificate configured, or the full response sent in plaintext: PyMySQL, and so mycli's
//! default `ssl_mode = auto`, do that when the greeting lacks CLIENT_SSL) gets ERR 5400, the
//! code StarRocks's negotiate sends when the switch to TLS fails. Handed to opensrv, it would
//! wait for a TLS handshake that never comes and the client would hang.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// The rustls server config (of the rustls opensrv-mysql also links).
pub use tokio_rustls::rustls::ServerConfig;

/// CLIENT_SSL capability bit.
const CLIENT_SSL: u32 = 0x0800;
/// Capabilities opensrv 0.7 advertises (PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH |
/// PLUGIN_AUTH_LENENC_CLIENT_DATA | CONNECT_WITH_DB | DEPRECATE_EOF).
const SERVER_CAPS: u32 =
    0x0000_0200 | 0x0000_8000 | 0x0008_0000 | 0x0020_0000 | 0x0000_0008 | 0x0100_0000;
/// Largest first packet accepted before authentication (a HandshakeResponse is small).
const MAX_HANDSHAKE_PACKET: usize = 64 * 1024;
/// How long a client may take to send its first packet and finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the PEM certificate chain and private key into a rustls server config.
pub fn load_server_config(
    cert_file: &str,
    key_file: &str,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| format!("ssl_cert_file {cert_file}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("ssl_cert_file {cert_file}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("ssl_cert_file {cert_file}: no certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("ssl_key_file {key_file}: {e}"))?;
    let cfg = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("ssl certificate/key: {e}"))?;
    Ok(Arc::new(cfg))
}

/// CLIENT_SESSION_TRACK: advertised so that clients and opensrv agree on the OK packet's
/// info field as a length-encoded string (MySQL and StarRocks advertise it too). Without it
/// opensrv writes the info raw while mysql_common / mysql_async read it length-encoded (MySQL's
/// `net_send_ok` always does) and drop the whole OK packet, affected rows included.
pub const CLIENT_SESSION_TRACK: u32 = 0x0080_0000;

/// The HandshakeV10 packet (sequence 0) opensrv would send, with CLIENT_SESSION_TRACK added
/// and CLIENT_SSL when `ssl`.
pub fn greeting(version: &str, connection_id: u32, scramble: &[u8; 20], ssl: bool) -> Vec<u8> {
    let ssl_cap = if ssl { CLIENT_SSL } else { 0 };
    let caps = (SERVER_CAPS | CLIENT_SESSION_TRACK | ssl_cap).to_le_bytes();
    let plugin = b"mysql_native_password";
    let mut p = Vec::with_capacity(96);
    p.push(10);
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&connection_id.to_le_bytes());
    p.extend_from_slice(&scramble[..8]);
    p.push(0);
    p.extend_from_slice(&caps[..2]);
    p.push(0x21);
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&caps[2..4]);
    p.push((scramble.len() + 1) as u8);
    p.extend_from_slice(&[0u8; 10]);
    p.extend_from_slice(&scramble[8..]);
    p.push(0);
    p.extend_from_slice(plugin);
    p.push(0);
    packet(0, &p)
}

/// `[len:3][seq:1] payload`.
fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
    let l = (payload.len() as u32).to_le_bytes();
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&[l[0], l[1], l[2], seq]);
    out.extend_from_slice(payload);
    out
}

/// Reads one packet (header + payload) as raw bytes.
async fn read_packet<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut hdr = [0u8; 4];
    r.read_exact(&mut hdr).await?;
    let len = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], 0]) as usize;
    if len > MAX_HANDSHAKE_PACKET {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "handshake packet too large",
        ));
    }
    let mut out = vec![0u8; 4 + len];
    out[..4].copy_from_slice(&hdr);
    r.read_exact(&mut out[4..]).await?;
    Ok(out)
}

fn caps_of(pkt: &[u8]) -> u32 {
    match pkt.get(4..8) {
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

/// A connection after the TLS decision: what opensrv reads and writes.
pub struct Negotiated {
    /// The capability flags of the client's HandshakeResponse.
    pub client_caps: u32,
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    pub writer: SkipFirstPacket<Box<dyn AsyncWrite + Send + Unpin>>,
    pub secure: bool,
}

/// Why a connection ended before opensrv took over.
#[derive(Debug)]
pub enum NegotiateError {
    Io(io::Error),
    /// A plaintext client while secure transport is forced (ERR 5205 was sent).
    InsecureRefused,
    /// The client asked for TLS that this connection cannot switch to (ERR 5400 was sent).
    SslUnavailable,
}

impl From<io::Error> for NegotiateError {
    fn from(e: io::Error) -> Self {
        NegotiateError::Io(e)
    }
}

/// Steps 1–2 of the module docs. `insecure_err` is the ERR payload sent to a refused
/// plaintext client (None: plaintext allowed); `ssl_failed_err` the one sent to a client that
/// sets CLIENT_SSL outside an SSLRequest.
pub async fn negotiate(
    mut sock: TcpStream,
    greeting: Vec<u8>,
    tls: Arc<rustls::ServerConfig>,
    insecure_err: Option<Vec<u8>>,
    ssl_failed_err: &[u8],
) -> Result<Negotiated, NegotiateError> {
    sock.write_all(&greeting).await?;
    sock.flush().await?;
    let first = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_packet(&mut sock))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake timeout"))??;
    let is_ssl_request = first.len() == 4 + 32 && caps_of(&first) & CLIENT_SSL != 0;
    if is_ssl_request {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let mut stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timeout"))??;
        let mut response = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_packet(&mut stream))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake timeout"))??;
        // TLS is already on: opensrv must not try to switch again.
        if let Some(b) = response.get_mut(5) {
            *b &= !((CLIENT_SSL >> 8) as u8);
        }
        let (r, w) = tokio::io::split(stream);
        return Ok(Negotiated {
            client_caps: caps_of(&response),
            reader: Box::new(io::Cursor::new(response).chain(r)),
            writer: SkipFirstPacket::new(Box::new(w)),
            secure: true,
        });
    }
    if caps_of(&first) & CLIENT_SSL != 0 {
        reply_err(&mut sock, &first, ssl_failed_err).await?;
        return Err(NegotiateError::SslUnavailable);
    }
    if let Some(err) = insecure_err {
        reply_err(&mut sock, &first, &err).await?;
        return Err(NegotiateError::InsecureRefused);
    }
    let (r, w) = sock.into_split();
    Ok(Negotiated {
        client_caps: caps_of(&first),
        reader: Box::new(io::Cursor::new(first).chain(r)),
        writer: SkipFirstPacket::new(Box::new(w)),
        secure: false,
    })
}

/// The plaintext connection phase: our greeting goes out, opensrv's is dropped. A client
/// that asks for TLS anyway gets `ssl_failed_err` (see the module docs).
pub async fn plain(
    mut sock: TcpStream,
    greeting: Vec<u8>,
    ssl_failed_err: &[u8],
) -> Result<Negotiated, NegotiateError> {
    sock.write_all(&greeting).await?;
    sock.flush().await?;
    let first = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_packet(&mut sock))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake timeout"))??;
    if caps_of(&first) & CLIENT_SSL != 0 {
        reply_err(&mut sock, &first, ssl_failed_err).await?;
        return Err(NegotiateError::SslUnavailable);
    }
    let (r, w) = sock.into_split();
    Ok(Negotiated {
        client_caps: caps_of(&first),
        reader: Box::new(io::Cursor::new(first).chain(r)),
        writer: SkipFirstPacket::new(Box::new(w)),
        secure: false,
    })
}

/// Answers the client's first packet with the ERR payload `err` (next sequence id).
async fn reply_err(sock: &mut TcpStream, first: &[u8], err: &[u8]) -> io::Result<()> {
    let seq = first.get(3).copied().unwrap_or(0).wrapping_add(1);
    sock.write_all(&packet(seq, err)).await?;
    sock.flush().await
}

/// A writer that drops the first MySQL packet written to it (opensrv's greeting, already
/// sent by [`negotiate`]) and passes everything after it through.
pub struct SkipFirstPacket<W> {
    inner: W,
    /// Header bytes of the first packet seen so far.
    header: Vec<u8>,
    /// Payload bytes of the first packet still to drop; None until the header is complete.
    to_drop: Option<usize>,
}

impl<W> SkipFirstPacket<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            header: Vec::with_capacity(4),
            to_drop: None,
        }
    }

    /// Consumes bytes of the first packet from `data`; returns how many were consumed.
    fn skip(&mut self, data: &[u8]) -> usize {
        let mut used = 0;
        if self.to_drop.is_none() {
            let need = 4 - self.header.len();
            let take = need.min(data.len());
            self.header.extend_from_slice(&data[..take]);
            used += take;
            if self.header.len() == 4 {
                let h = &self.header;
                self.to_drop = Some(u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize);
            }
        }
        if let Some(rest) = self.to_drop.as_mut() {
            let take = (*rest).min(data.len() - used);
            *rest -= take;
            used += take;
        }
        used
    }

    fn skipping(&self) -> bool {
        self.to_drop != Some(0)
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for SkipFirstPacket<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.skipping() {
            let used = this.skip(data);
            if used > 0 {
                return Poll::Ready(Ok(used));
            }
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, data))?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greeting_matches_the_handshake_v10_layout() {
        let scramble = *b"abcdefghijklmnopqrst";
        let g = greeting("8.0.33", 7, &scramble, true);
        let len = u32::from_le_bytes([g[0], g[1], g[2], 0]) as usize;
        assert_eq!((len + 4, g[3]), (g.len(), 0));
        let p = &g[4..];
        assert_eq!(p[0], 10);
        assert_eq!(&p[1..8], b"8.0.33\0");
        assert_eq!(&p[8..12], &7u32.to_le_bytes());
        assert_eq!(&p[12..20], b"abcdefgh");
        let caps = u32::from_le_bytes([p[21], p[22], p[26], p[27]]);
        assert_eq!(caps & CLIENT_SSL, CLIENT_SSL);
        assert_eq!(caps & 0x200, 0x200);
        assert_eq!(caps & CLIENT_SESSION_TRACK, CLIENT_SESSION_TRACK);
        let plain = greeting("8.0.33", 7, &scramble, false);
        let p = &plain[4..];
        let caps = u32::from_le_bytes([p[21], p[22], p[26], p[27]]);
        assert_eq!(caps & CLIENT_SSL, 0);
        assert!(g.ends_with(b"ijklmnopqrst\0mysql_native_password\0"));
    }

    /// The whole negotiation over a real socket: SSLRequest, TLS handshake, the response read
    /// over TLS with CLIENT_SSL cleared, opensrv's greeting dropped from what follows.
    #[tokio::test]
    async fn negotiate_switches_to_tls_and_replays_the_response() {
        use rustls::pki_types::{CertificateDer, ServerName};
        let dir = tempfile::tempdir().unwrap();
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert = dir.path().join("c.pem");
        let key = dir.path().join("k.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
        let cfg = load_server_config(cert.to_str().unwrap(), key.to_str().unwrap()).unwrap();
        assert!(load_server_config("/nonexistent.pem", key.to_str().unwrap()).is_err());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            let g = greeting("8.0.33", 1, b"abcdefghijklmnopqrst", true);
            let mut n = negotiate(sock, g.clone(), cfg, None, b"\xffunused")
                .await
                .unwrap();
            assert!(n.secure);
            let first = read_packet(&mut n.reader).await.unwrap();
            // opensrv writes its greeting, then an OK packet.
            n.writer.write_all(&g).await.unwrap();
            n.writer
                .write_all(&packet(2, &[0, 0, 0, 2, 0, 0, 0]))
                .await
                .unwrap();
            n.writer.flush().await.unwrap();
            first
        });

        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let g = read_packet(&mut tcp).await.unwrap();
        assert!(caps_of_greeting(&g) & CLIENT_SSL != 0);
        let caps = (0x0200u32 | 0x8000 | CLIENT_SSL).to_le_bytes();
        let mut ssl_req = caps.to_vec();
        ssl_req.extend_from_slice(&[0, 0, 0, 1, 33]);
        ssl_req.extend_from_slice(&[0u8; 23]);
        tcp.write_all(&packet(1, &ssl_req)).await.unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(ck.cert.der().to_vec()))
            .unwrap();
        let client = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(client))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let mut resp = ssl_req.clone();
        resp.extend_from_slice(b"root\0\0");
        tls.write_all(&packet(2, &resp)).await.unwrap();
        tls.flush().await.unwrap();
        let ok = read_packet(&mut tls).await.unwrap();
        assert_eq!(
            ok,
            packet(2, &[0, 0, 0, 2, 0, 0, 0]),
            "greeting dropped, OK passed"
        );
        let replayed = server.await.unwrap();
        assert_eq!(replayed[3], 2);
        assert_eq!(caps_of(&replayed) & CLIENT_SSL, 0, "CLIENT_SSL cleared");
        assert_eq!(&replayed[8..], &resp[4..]);
    }

    /// PyMySQL with an SSL context sends its whole HandshakeResponse in plaintext with
    /// CLIENT_SSL set when the greeting lacks it: ERR 5400's payload comes back (sequence 2)
    /// and the connection ends, rather than opensrv waiting for a TLS handshake.
    #[tokio::test]
    async fn plain_refuses_a_response_that_asks_for_tls() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            let g = greeting("8.0.33", 1, b"abcdefghijklmnopqrst", false);
            matches!(
                plain(sock, g, b"\xffERR").await,
                Err(NegotiateError::SslUnavailable)
            )
        });
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let g = read_packet(&mut tcp).await.unwrap();
        assert_eq!(caps_of_greeting(&g) & CLIENT_SSL, 0);
        let mut resp = (0x0200u32 | 0x8000 | CLIENT_SSL).to_le_bytes().to_vec();
        resp.extend_from_slice(&[0, 0, 0, 1, 33]);
        resp.extend_from_slice(&[0u8; 23]);
        resp.extend_from_slice(b"root\0\0");
        tcp.write_all(&packet(1, &resp)).await.unwrap();
        let err = read_packet(&mut tcp).await.unwrap();
        assert_eq!(err, packet(2, b"\xffERR"));
        assert!(server.await.unwrap(), "plain() returns SslUnavailable");
        // A response without CLIENT_SSL goes on to opensrv, replayed as sent.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            let g = greeting("8.0.33", 1, b"abcdefghijklmnopqrst", false);
            let mut n = plain(sock, g, b"\xffERR").await.unwrap();
            read_packet(&mut n.reader).await.unwrap()
        });
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        read_packet(&mut tcp).await.unwrap();
        resp[1] &= !((CLIENT_SSL >> 8) as u8);
        tcp.write_all(&packet(1, &resp)).await.unwrap();
        assert_eq!(server.await.unwrap(), packet(1, &resp));
    }

    fn caps_of_greeting(g: &[u8]) -> u32 {
        let p = &g[4..];
        let v = p.iter().skip(1).position(|b| *b == 0).unwrap() + 2;
        u32::from_le_bytes([p[v + 13], p[v + 14], p[v + 18], p[v + 19]])
    }

    #[tokio::test]
    async fn skip_first_packet_drops_exactly_one_packet() {
        let mut out = Vec::new();
        {
            let mut w = SkipFirstPacket::new(&mut out);
            // First packet (3-byte payload) written in two pieces, then the next packet.
            w.write_all(&[3, 0]).await.unwrap();
            w.write_all(&[0, 0, b'a', b'b']).await.unwrap();
            w.write_all(&[b'c', 1, 0, 0, 1, b'z']).await.unwrap();
            w.flush().await.unwrap();
        }
        assert_eq!(out, vec![1, 0, 0, 1, b'z']);
    }
}
