//! The web console on the FE's `http_port` (issue 18):
//! - pages: `/console` (jobs: state, rows/s, error rows, reason and what to do, PAUSE/RESUME),
//!   `/console/jobs/{id}` (per-partition lag charts, tasks, ledger, rejected rows),
//!   `/console/cluster` (SHOW FRONTENDS / SHOW BACKENDS);
//! - their JSON under `/console/api/...`, and `POST /console/api/jobs/{id}/{pause|resume}`;
//! - `/console/static/{file}`: the embedded script, styles and uPlot (no network needed).
//!
//! Children: `auth` (HTTP Basic against the MySQL accounts), `api` (data through the SQL
//! statements that show it, so privileges are the MySQL protocol's), `advice` (what to do on
//! PAUSED), `pages` (HTML shells), `assets` (embedded files).
//!
//! Every page and API call needs a login (401 with a Basic challenge otherwise). POSTs also
//! need the `X-Starload-Console` header: browsers send Basic credentials on cross-site form
//! posts, but a cross-site page cannot add a custom header without a CORS preflight, which
//! this server never grants.

pub mod advice;
pub mod api;
pub mod assets;
pub mod auth;
pub mod pages;

use crate::context::FeContext;
use crate::session::Session;
use api::{ApiError, Op};
use auth::LoginError;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pages::Page;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// The header a PAUSE / RESUME request must carry (any value).
pub const CSRF_HEADER: &str = "x-starload-console";

#[derive(Clone)]
struct ConsoleState {
    ctx: Arc<FeContext>,
}

/// The console's routes (merged into the HTTP router by `http`).
pub fn router(ctx: Arc<FeContext>) -> Router {
    Router::new()
        .route("/console", get(jobs_page))
        .route("/console/", get(jobs_page))
        .route("/console/jobs/{id}", get(job_page))
        .route("/console/cluster", get(cluster_page))
        .route("/console/api/jobs", get(jobs_api))
        .route("/console/api/jobs/{id}", get(job_api))
        .route("/console/api/jobs/{id}/pause", post(pause_api))
        .route("/console/api/jobs/{id}/resume", post(resume_api))
        .route("/console/api/cluster", get(cluster_api))
        .route("/console/static/{file}", get(asset))
        .with_state(ConsoleState { ctx })
}

/// Whether the caller wants HTML (a page) or JSON (the API) on failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Page,
    Api,
}

fn unauthorized(kind: Kind, e: &LoginError) -> Response {
    let err = match e {
        LoginError::NoCredentials => auth::no_credentials_error(),
        LoginError::Denied(err) => err.clone(),
    };
    let challenge = format!("Basic realm=\"{}\", charset=\"UTF-8\"", auth::REALM);
    let body = match kind {
        Kind::Api => json!({"errno": err.errno, "sqlstate": err.sqlstate, "message": err.message})
            .to_string(),
        Kind::Page => format!(
            "<!doctype html><title>Login required</title><p>Log in with a starload (MySQL) account. {}</p>",
            pages::escape_html(&err.message)
        ),
    };
    let ct = match kind {
        Kind::Api => "application/json",
        Kind::Page => "text/html; charset=utf-8",
    };
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, challenge),
            (header::CONTENT_TYPE, ct.to_string()),
        ],
        body,
    )
        .into_response()
}

fn login(
    s: &ConsoleState,
    headers: &HeaderMap,
    ext: &Extensions,
    kind: Kind,
) -> Result<Session, Box<Response>> {
    let peer = ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    auth::login(&s.ctx, headers, peer).map_err(|e| {
        if let LoginError::Denied(_) = e {
            crate::telemetry::AuthFailed {
                user: &auth::basic_credentials(headers)
                    .map(|c| c.0)
                    .unwrap_or_default(),
                host: &peer.map(|p| p.to_string()).unwrap_or_default(),
            }
            .emit();
        }
        Box::new(unauthorized(kind, &e))
    })
}

fn html(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn api_json(status: StatusCode, v: serde_json::Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(v)).into_response()
}

fn api_error(e: ApiError) -> Response {
    api_json(e.status, e.body())
}

async fn jobs_page(State(s): State<ConsoleState>, headers: HeaderMap, ext: Extensions) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Page) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let data = api::jobs(&s.ctx, &mut session).await;
    html(pages::render(Page::Jobs, "Routine load jobs", &data))
}

async fn job_page(
    State(s): State<ConsoleState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Page) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match api::job(&s.ctx, &mut session, id).await {
        Ok(data) => {
            let title = format!(
                "Job {}.{}",
                data.get("db").and_then(|v| v.as_str()).unwrap_or_default(),
                data.get("name")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
            );
            html(pages::render(Page::Job, &title, &data))
        }
        Err(e) => {
            let data = json!({"user": session.user_identity(), "error": e.body()});
            let mut r = html(pages::render(Page::Job, "Job not available", &data));
            *r.status_mut() = e.status;
            r
        }
    }
}

async fn cluster_page(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Page) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let data = api::cluster(&s.ctx, &mut session).await;
    html(pages::render(Page::Cluster, "Cluster", &data))
}

async fn jobs_api(State(s): State<ConsoleState>, headers: HeaderMap, ext: Extensions) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Api) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    api_json(StatusCode::OK, api::jobs(&s.ctx, &mut session).await)
}

async fn job_api(
    State(s): State<ConsoleState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Api) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match api::job(&s.ctx, &mut session, id).await {
        Ok(v) => api_json(StatusCode::OK, v),
        Err(e) => api_error(e),
    }
}

async fn cluster_api(
    State(s): State<ConsoleState>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Api) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    api_json(StatusCode::OK, api::cluster(&s.ctx, &mut session).await)
}

async fn operate(
    s: ConsoleState,
    id: i64,
    headers: HeaderMap,
    ext: Extensions,
    op: Op,
) -> Response {
    let mut session = match login(&s, &headers, &ext, Kind::Api) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if !headers.contains_key(CSRF_HEADER) {
        return api_json(
            StatusCode::FORBIDDEN,
            json!({"errno": 0, "sqlstate": "", "message": format!("missing header {CSRF_HEADER}")}),
        );
    }
    match api::operate(&s.ctx, &mut session, id, op).await {
        Ok(v) => api_json(StatusCode::OK, v),
        Err(e) => api_error(e),
    }
}

async fn pause_api(
    State(s): State<ConsoleState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    operate(s, id, headers, ext, Op::Pause).await
}

async fn resume_api(
    State(s): State<ConsoleState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ext: Extensions,
) -> Response {
    operate(s, id, headers, ext, Op::Resume).await
}

/// Embedded files need no login: they hold no data.
async fn asset(Path(file): Path<String>) -> Response {
    match assets::find(&file) {
        Some(a) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
