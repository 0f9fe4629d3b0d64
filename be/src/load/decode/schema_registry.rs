//! Confluent schema registry client: `GET <url>/schemas/ids/<id>` (StarRocks uses libserdes,
//! spec routine-load.md §8.3). Schemas are fetched once per (registry, id) for the life of the
//! process: Confluent ids are immutable. Known to work against the test registry in
//! `compat-tests/src/registry.rs` (Confluent's REST API subset).
//!
//! The URL may carry credentials (`http://key:secret@host:port`), sent as HTTP Basic auth. The
//! client speaks plain HTTP/1.1 over a TCP stream with a bounded timeout (decoders run on
//! blocking threads); `https://` registries are reported as unsupported.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Why the registry could not be asked, or answered nonsense. Texts name the URL without its
/// credentials: they reach logs and PAUSED reasons.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("https schema registry is not supported: {0}")]
    HttpsUnsupported(String),
    #[error("invalid confluent.schema.registry.url: {0}")]
    InvalidUrl(String),
    #[error("invalid port in {0}")]
    InvalidPort(String),
    #[error("cannot resolve schema registry {host}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("cannot resolve schema registry {0}")]
    NoAddress(String),
    #[error("cannot connect to schema registry {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    /// Setting a socket timeout or sending the request failed.
    #[error(transparent)]
    Io(std::io::Error),
    #[error("schema registry read failed: {0}")]
    Read(std::io::Error),
    #[error("malformed schema registry response")]
    MalformedResponse,
    #[error("malformed schema registry status line")]
    MalformedStatusLine,
    #[error("bad chunked body")]
    BadChunkedBody,
    #[error("bad chunk size")]
    BadChunkSize,
    #[error("truncated chunked body")]
    TruncatedChunkedBody,
    /// Any answer but 200 and 404.
    #[error("schema registry returned {status} for schema id {id}: {body}")]
    Status { status: u16, id: u32, body: String },
    #[error("bad schema registry answer: {0}")]
    BadAnswer(serde_json::Error),
    #[error("schema registry answer has no schema")]
    NoSchema,
}

/// A parsed registry URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryUrl {
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing slash.
    pub path: String,
    /// `user:password` for Basic auth.
    pub userinfo: Option<String>,
}

impl RegistryUrl {
    /// Parses `http://[user:pass@]host[:port][/path]`.
    pub fn parse(url: &str) -> Result<Self, RegistryError> {
        // Errors name the URL without its credentials: they reach logs and PAUSED reasons.
        let shown = redact(url);
        let rest = if let Some(r) = url.strip_prefix("http://") {
            r
        } else if url.starts_with("https://") {
            return Err(RegistryError::HttpsUnsupported(shown));
        } else {
            return Err(RegistryError::InvalidUrl(shown));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(authority[..i].to_string()), &authority[i + 1..]),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| RegistryError::InvalidPort(shown.clone()))?,
            ),
            _ => (hostport.to_string(), 80),
        };
        if host.is_empty() {
            return Err(RegistryError::InvalidUrl(shown));
        }
        Ok(Self {
            host,
            port,
            path: path.to_string(),
            userinfo,
        })
    }
}

/// `url` without `user:password@` (for messages).
pub fn redact(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for c in input.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// One HTTP GET; returns (status, body).
fn http_get(
    u: &RegistryUrl,
    path: &str,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), RegistryError> {
    let addr = (u.host.as_str(), u.port)
        .to_socket_addrs()
        .map_err(|source| RegistryError::Resolve {
            host: u.host.clone(),
            source,
        })?
        .next()
        .ok_or_else(|| RegistryError::NoAddress(u.host.clone()))?;
    let mut s =
        TcpStream::connect_timeout(&addr, timeout).map_err(|source| RegistryError::Connect {
            host: u.host.clone(),
            port: u.port,
            source,
        })?;
    s.set_read_timeout(Some(timeout))
        .map_err(RegistryError::Io)?;
    s.set_write_timeout(Some(timeout))
        .map_err(RegistryError::Io)?;
    let mut req = format!(
        "GET {}{} HTTP/1.1\r\nHost: {}:{}\r\nAccept: application/vnd.schemaregistry.v1+json, application/json\r\nConnection: close\r\n",
        u.path, path, u.host, u.port
    );
    if let Some(ui) = &u.userinfo {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(ui.as_bytes())
        ));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).map_err(RegistryError::Io)?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).map_err(RegistryError::Read)?;
    let head_end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(RegistryError::MalformedResponse)?;
    let head = String::from_utf8_lossy(&resp[..head_end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or(RegistryError::MalformedStatusLine)?;
    let mut body = resp[head_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body)?;
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, RegistryError> {
    let mut out = Vec::new();
    loop {
        let line_end = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(RegistryError::BadChunkedBody)?;
        let size_text = String::from_utf8_lossy(&b[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| RegistryError::BadChunkSize)?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            return Err(RegistryError::TruncatedChunkedBody);
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

type Cache = Mutex<HashMap<(String, u32), Arc<apache_avro::Schema>>>;

fn cache() -> &'static Cache {
    static C: OnceLock<Cache> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Serialises registry fetches, so concurrent tasks that miss the cache for the same id fetch
/// it once (the second finds it cached). Cache hits never wait for it.
fn fetch_lock() -> &'static Mutex<()> {
    static L: OnceLock<Mutex<()>> = OnceLock::new();
    L.get_or_init(|| Mutex::new(()))
}

/// Why a schema could not be had.
#[derive(Debug)]
pub enum SchemaError {
    /// The registry answered that the id does not exist, or the schema does not parse: the
    /// message is bad (a row error), retrying will not help.
    Invalid(String),
    /// The registry could not be asked (down, refused credentials, malformed answer): the task
    /// fails and is retried, rows are never dropped for it.
    Unavailable(RegistryError),
}

fn cached(key: &(String, u32)) -> Option<Arc<apache_avro::Schema>> {
    cache().lock().ok().and_then(|c| c.get(key).cloned())
}

/// The Avro schema with Confluent id `id`, from the process cache or the registry.
pub fn schema_by_id(
    url: &str,
    id: u32,
    timeout: Duration,
) -> Result<Arc<apache_avro::Schema>, SchemaError> {
    let key = (url.to_string(), id);
    if let Some(s) = cached(&key) {
        return Ok(s);
    }
    let _serial = fetch_lock().lock();
    if let Some(s) = cached(&key) {
        return Ok(s);
    }
    let u = RegistryUrl::parse(url).map_err(SchemaError::Unavailable)?;
    let (status, body) =
        http_get(&u, &format!("/schemas/ids/{id}"), timeout).map_err(SchemaError::Unavailable)?;
    if status == 404 {
        return Err(SchemaError::Invalid(format!(
            "schema id {id} not found in the schema registry: {}",
            String::from_utf8_lossy(&body)
        )));
    }
    if status != 200 {
        return Err(SchemaError::Unavailable(RegistryError::Status {
            status,
            id,
            body: String::from_utf8_lossy(&body).into_owned(),
        }));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| SchemaError::Unavailable(RegistryError::BadAnswer(e)))?;
    let text = v
        .get("schema")
        .and_then(|s| s.as_str())
        .ok_or(SchemaError::Unavailable(RegistryError::NoSchema))?;
    let schema = Arc::new(
        apache_avro::Schema::parse_str(text)
            .map_err(|e| SchemaError::Invalid(format!("invalid avro schema {id}: {e}")))?,
    );
    if let Ok(mut c) = cache().lock() {
        c.insert(key, schema.clone());
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_carry_credentials() {
        assert_eq!(redact("http://key:secret@reg:8081/p"), "http://reg:8081/p");
        assert_eq!(redact("http://reg:8081"), "http://reg:8081");
        let e = RegistryUrl::parse("https://key:secret@reg:8081")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
        let e = RegistryUrl::parse("http://key:secret@reg:bad")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn urls_with_credentials() {
        let u = RegistryUrl::parse("http://key:se:cret@reg.example:8081/base/").unwrap();
        assert_eq!(u.host, "reg.example");
        assert_eq!(u.port, 8081);
        assert_eq!(u.path, "/base");
        assert_eq!(u.userinfo.as_deref(), Some("key:se:cret"));
        assert_eq!(RegistryUrl::parse("http://h").unwrap().port, 80);
        assert!(RegistryUrl::parse("https://h")
            .unwrap_err()
            .to_string()
            .contains("https"));
        assert!(RegistryUrl::parse("ftp://h").is_err());
        assert_eq!(base64(b"key:secret"), "a2V5OnNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn fetches_once_per_id_from_a_registry() {
        use std::net::TcpListener;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let mut served = 0;
            // Serve exactly one request: the second lookup must come from the cache.
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap();
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                assert!(req.starts_with("GET /schemas/ids/7 HTTP/1.1"));
                assert!(req.contains("Authorization: Basic dTpw"));
                let body = r#"{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}"}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
                    body.len(),
                    body
                );
                s.write_all(resp.as_bytes()).unwrap();
                served += 1;
            }
            served
        });
        let url = format!("http://u:p@127.0.0.1:{port}");
        let s1 = schema_by_id(&url, 7, Duration::from_secs(5)).unwrap();
        let s2 = schema_by_id(&url, 7, Duration::from_secs(5)).unwrap();
        assert!(Arc::ptr_eq(&s1, &s2));
        assert_eq!(server.join().unwrap(), 1);
    }

    #[test]
    fn unknown_ids_are_invalid_and_a_dead_registry_is_unavailable() {
        use std::net::TcpListener;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).unwrap();
                let body = r#"{"error_code":40403,"message":"Schema 9 not found"}"#;
                let resp = format!(
                    "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n{}",
                    body.len(),
                    body
                );
                s.write_all(resp.as_bytes()).unwrap();
            }
        });
        let url = format!("http://127.0.0.1:{port}");
        match schema_by_id(&url, 9, Duration::from_secs(5)) {
            Err(SchemaError::Invalid(m)) => assert!(m.contains("40403"), "{m}"),
            other => panic!("{other:?}"),
        }
        server.join().unwrap();
        // Nothing listens any more.
        assert!(matches!(
            schema_by_id(&url, 10, Duration::from_millis(500)),
            Err(SchemaError::Unavailable(_))
        ));
    }
}
