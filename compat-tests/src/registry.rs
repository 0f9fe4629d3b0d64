//! A schema registry for tests that speaks the part of Confluent's REST API that Avro
//! producers and StarRocks-style consumers use, and helpers to produce Confluent-framed
//! Avro messages.
//!
//! - `POST /subjects/{subject}/versions` with `{"schema": "<avro json>"}` registers a schema and
//!   answers `{"id": n}`. Ids are global and start at 1; registering a schema text that is
//!   already known (under any subject) returns its id, as Confluent does.
//! - `GET /schemas/ids/{id}` answers `{"schema": "<avro json>"}`, or 404 with Confluent's
//!   `{"error_code":40403,"message":"Schema <id> not found"}`.
//! - `GET /subjects` and `GET /subjects/{subject}/versions` list what was registered.
//! - With credentials ([`SchemaRegistry::start_with_auth`]) every request needs HTTP Basic
//!   auth, else 401 with `{"error_code":401,...}`: the consumer must send the `user:password`
//!   taken from the registry URL.
//!
//! It runs inside the test process (an axum server on a free loopback port, its own tokio
//! runtime thread so it serves whether or not the caller is async) and counts
//! `GET /schemas/ids` requests so tests can check that consumers cache schemas per id.
//! It is test infrastructure only: nothing is persisted.
//!
//! [`confluent_frame`] turns JSON data into a Confluent wire-format message: magic byte 0, the
//! schema id as 4 big-endian bytes, then the Avro binary datum.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Context, Result};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

#[derive(Default)]
struct Registry {
    /// Schema text by id (index = id - 1).
    schemas: Vec<String>,
    /// Subject -> ids of its versions, in registration order.
    subjects: HashMap<String, Vec<u32>>,
}

struct Shared {
    reg: Mutex<Registry>,
    /// Expected `Authorization` header value, when auth is on.
    auth: Option<String>,
    id_lookups: AtomicU64,
    /// `GET /schemas/ids/{id}` requests per id text.
    lookups_by_id: Mutex<HashMap<String, u64>>,
}

/// A running registry; stops when dropped.
pub struct SchemaRegistry {
    port: u16,
    shared: Arc<Shared>,
    userinfo: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SchemaRegistry {
    /// Starts a registry without authentication on a free loopback port.
    pub fn start() -> Result<Self> {
        Self::spawn(None)
    }

    /// Starts a registry that requires HTTP Basic auth with `user`/`password`.
    pub fn start_with_auth(user: &str, password: &str) -> Result<Self> {
        Self::spawn(Some(format!("{user}:{password}")))
    }

    fn spawn(userinfo: Option<String>) -> Result<Self> {
        let shared = Arc::new(Shared {
            reg: Mutex::new(Registry::default()),
            auth: userinfo
                .as_ref()
                .map(|u| format!("Basic {}", base64(u.as_bytes()))),
            id_lookups: AtomicU64::new(0),
            lookups_by_id: Mutex::new(HashMap::new()),
        });
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("bind schema registry")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .route("/schemas/ids/{id}", get(schema_by_id))
            .route("/subjects", get(list_subjects))
            .route(
                "/subjects/{subject}/versions",
                post(register).get(list_versions),
            )
            .with_state(shared.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let thread = std::thread::Builder::new()
            .name("schema-registry".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let l = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.into()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let _ = axum::serve(l, app)
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                });
            })
            .context("spawn schema registry thread")?;
        ready_rx
            .recv()
            .map_err(|_| anyhow!("schema registry thread ended"))??;
        Ok(Self {
            port,
            shared,
            userinfo,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>` (with `user:password@` when auth is on): the value for
    /// `confluent.schema.registry.url`.
    pub fn url(&self) -> String {
        match &self.userinfo {
            Some(u) => format!("http://{u}@127.0.0.1:{}", self.port),
            None => self.plain_url(),
        }
    }

    /// The URL without credentials.
    pub fn plain_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many `GET /schemas/ids/{id}` requests were served (including refused ones).
    pub fn id_lookups(&self) -> u64 {
        self.shared.id_lookups.load(Ordering::Relaxed)
    }

    /// How many `GET /schemas/ids/{id}` requests asked for `id`.
    pub fn lookups_of(&self, id: u32) -> u64 {
        self.shared
            .lookups_by_id
            .lock()
            .ok()
            .and_then(|m| m.get(&id.to_string()).copied())
            .unwrap_or(0)
    }

    /// Registers `schema` under `subject` directly (no HTTP); returns its id.
    pub fn register(&self, subject: &str, schema: &str) -> Result<u32> {
        apache_avro::Schema::parse_str(schema).context("invalid avro schema")?;
        let mut r = self
            .shared
            .reg
            .lock()
            .map_err(|_| anyhow!("registry lock poisoned"))?;
        Ok(r.register(subject, schema))
    }
}

impl Drop for SchemaRegistry {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Registry {
    fn register(&mut self, subject: &str, schema: &str) -> u32 {
        let id = match self.schemas.iter().position(|s| s == schema) {
            Some(i) => i as u32 + 1,
            None => {
                self.schemas.push(schema.to_string());
                self.schemas.len() as u32
            }
        };
        let versions = self.subjects.entry(subject.to_string()).or_default();
        if !versions.contains(&id) {
            versions.push(id);
        }
        id
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

fn unauthorized(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let want = s.auth.as_ref()?;
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if got == Some(want.as_str()) {
        return None;
    }
    Some(json(
        StatusCode::UNAUTHORIZED,
        serde_json::json!({"error_code": 401, "message": "Unauthorized"}),
    ))
}

async fn schema_by_id(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    s.id_lookups.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut m) = s.lookups_by_id.lock() {
        *m.entry(id.clone()).or_default() += 1;
    }
    if let Some(r) = unauthorized(&s, &headers) {
        return r;
    }
    let found = id.parse::<usize>().ok().and_then(|i| {
        let reg = s.reg.lock().ok()?;
        i.checked_sub(1).and_then(|k| reg.schemas.get(k).cloned())
    });
    match found {
        Some(schema) => json(StatusCode::OK, serde_json::json!({ "schema": schema })),
        None => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error_code": 40403, "message": format!("Schema {id} not found")}),
        ),
    }
}

async fn register(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(subject): Path<String>,
    body: String,
) -> Response {
    if let Some(r) = unauthorized(&s, &headers) {
        return r;
    }
    let schema = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("schema").and_then(|x| x.as_str()).map(String::from));
    let Some(schema) = schema.filter(|t| apache_avro::Schema::parse_str(t).is_ok()) else {
        return json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({"error_code": 42201, "message": "Invalid schema"}),
        );
    };
    let id = match s.reg.lock() {
        Ok(mut r) => r.register(&subject, &schema),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    json(StatusCode::OK, serde_json::json!({ "id": id }))
}

async fn list_subjects(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&s, &headers) {
        return r;
    }
    let mut names: Vec<String> = s
        .reg
        .lock()
        .map(|r| r.subjects.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    json(StatusCode::OK, serde_json::json!(names))
}

async fn list_versions(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(subject): Path<String>,
) -> Response {
    if let Some(r) = unauthorized(&s, &headers) {
        return r;
    }
    let n = s
        .reg
        .lock()
        .ok()
        .and_then(|r| r.subjects.get(&subject).map(Vec::len));
    match n {
        Some(n) => json(
            StatusCode::OK,
            serde_json::json!((1..=n).collect::<Vec<_>>()),
        ),
        None => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error_code": 40401, "message": format!("Subject '{subject}' not found.")}),
        ),
    }
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in input.chunks(3) {
        let b = [
            c[0],
            c.get(1).copied().unwrap_or(0),
            c.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if k <= c.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Registers `schema` under `subject` at the registry `url` over HTTP (credentials in the URL
/// are sent as Basic auth); returns the id. Works against any Confluent-compatible registry.
pub async fn register_schema(url: &str, subject: &str, schema: &str) -> Result<u32> {
    let (base, auth) = split_userinfo(url)?;
    let body = serde_json::json!({ "schema": schema }).to_string();
    let path = format!("/subjects/{subject}/versions");
    let resp = http_request(&base, "POST", &path, auth.as_deref(), Some(&body)).await?;
    let v: serde_json::Value =
        serde_json::from_str(&resp).with_context(|| format!("registry answer: {resp}"))?;
    v.get("id")
        .and_then(|i| i.as_u64())
        .map(|i| i as u32)
        .ok_or_else(|| anyhow!("registry answer has no id: {resp}"))
}

/// `http://user:pw@host:port` -> (`host:port`, Some(`user:pw`)).
fn split_userinfo(url: &str) -> Result<(String, Option<String>)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("registry url must be http://: {url}"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(match authority.rsplit_once('@') {
        Some((u, h)) => (h.to_string(), Some(u.to_string())),
        None => (authority.to_string(), None),
    })
}

/// A minimal HTTP/1.1 request; returns the body of a 2xx answer.
async fn http_request(
    hostport: &str,
    method: &str,
    path: &str,
    userinfo: Option<&str>,
    body: Option<&str>,
) -> Result<String> {
    http_request_with(hostport, method, path, userinfo, &[], body).await
}

/// POSTs to the FE console's API at `hostport` (`path` such as `/console/api/jobs/7/pause`)
/// as `userinfo` (`user:password`), with the header the console requires of a POST; returns
/// the body of a 2xx answer.
pub async fn console_post(hostport: &str, path: &str, userinfo: &str) -> Result<String> {
    http_request_with(
        hostport,
        "POST",
        path,
        Some(userinfo),
        &[("X-Starload-Console", "1")],
        None,
    )
    .await
}

async fn http_request_with(
    hostport: &str,
    method: &str,
    path: &str,
    userinfo: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(hostport)
        .await
        .with_context(|| format!("connect {hostport}"))?;
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(u) = userinfo {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(u.as_bytes())
        ));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).await?;
    let text = String::from_utf8_lossy(&resp).to_string();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("malformed http answer"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    if !(200..300).contains(&status) {
        bail!("{method} {path}: HTTP {status}: {body}");
    }
    Ok(body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// GETs `url` (`http://host:port/path?query`); returns the body of a 2xx answer. Used for
/// the BE's error-log URLs.
pub async fn http_get(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("url must be http://: {url}"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    http_request(hostport, "GET", path, None, None).await
}

/// Encodes `data` (JSON, shaped like the schema: records as objects, enums and bytes as
/// strings, unions as the bare value) with `schema` into one Confluent wire-format message.
pub fn confluent_frame(
    schema_id: u32,
    schema: &apache_avro::Schema,
    data: &str,
) -> Result<Vec<u8>> {
    let json: serde_json::Value =
        serde_json::from_str(data).with_context(|| format!("avro datum is not JSON: {data}"))?;
    let value = apache_avro::types::Value::from(json)
        .resolve(schema)
        .with_context(|| format!("datum does not match the schema: {data}"))?;
    let body = apache_avro::to_avro_datum(schema, value).context("encode avro datum")?;
    let mut out = Vec::with_capacity(5 + body.len());
    out.push(0u8);
    out.extend_from_slice(&schema_id.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENSOR: &str = r#"{"type":"record","name":"sensor_log","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}"#;

    #[tokio::test]
    async fn registers_serves_and_authenticates() {
        let r = SchemaRegistry::start_with_auth("key", "secret").unwrap();
        let id = register_schema(&r.url(), "s-value", SENSOR).await.unwrap();
        assert_eq!(id, 1);
        // Same schema again (other subject): same id.
        assert_eq!(
            register_schema(&r.url(), "t-value", SENSOR).await.unwrap(),
            1
        );
        let body = http_request(
            &r.plain_url()[7..],
            "GET",
            "/schemas/ids/1",
            Some("key:secret"),
            None,
        )
        .await
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["schema"], SENSOR);
        // Missing credentials and unknown ids are refused.
        let e = http_get(&format!("{}/schemas/ids/1", r.plain_url()))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("HTTP 401"), "{e}");
        let e = http_request(
            &r.plain_url()[7..],
            "GET",
            "/schemas/ids/9",
            Some("key:secret"),
            None,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("40403"), "{e}");
        assert_eq!(r.id_lookups(), 3);
        assert_eq!((r.lookups_of(1), r.lookups_of(9)), (2, 1));
    }

    #[test]
    fn frames_confluent_messages() {
        let schema = apache_avro::Schema::parse_str(SENSOR).unwrap();
        let m = confluent_frame(7, &schema, r#"{"id": 1, "name": "a"}"#).unwrap();
        assert_eq!(&m[..5], &[0, 0, 0, 0, 7]);
        let mut body = &m[5..];
        let v = apache_avro::from_avro_datum(&schema, &mut body, None).unwrap();
        assert_eq!(
            v,
            apache_avro::types::Value::Record(vec![
                ("id".into(), apache_avro::types::Value::Long(1)),
                ("name".into(), apache_avro::types::Value::String("a".into())),
            ])
        );
        assert!(confluent_frame(7, &schema, r#"{"id": "x"}"#).is_err());
        assert_eq!(base64(b"key:secret"), "a2V5OnNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
