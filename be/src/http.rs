//! BE HTTP server on `be_http_port`: `GET /api/health` (StarRocks's exact body),
//! `GET /metrics` (Prometheus text of the metrics declared in `telemetry.rs`), and `GET /api/_load_error_log?file=...`
//! serving files from the error-log directory (written by `load/`).

use crate::context::BeContext;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// StarRocks BE's health answer, byte for byte (deployment docs).
pub const HEALTH_BODY: &str = r#"{"status": "OK","msg": "To Be Added"}"#;

#[derive(Clone)]
struct HttpState {
    ctx: Arc<BeContext>,
    metrics: Option<PrometheusHandle>,
}

#[derive(serde::Deserialize)]
struct ErrorLogQuery {
    file: Option<String>,
}

/// The router (metrics may be absent in tests that share one recorder).
pub fn router(ctx: Arc<BeContext>, metrics: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/metrics", get(render_metrics))
        .route("/api/_load_error_log", get(load_error_log))
        .with_state(HttpState { ctx, metrics })
}

async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], HEALTH_BODY)
}

async fn render_metrics(State(s): State<HttpState>) -> impl IntoResponse {
    // Gauges read at scrape time.
    crate::telemetry::MetricsScraped {
        tablets: s.ctx.store.tablet_count(),
        data_bytes: s.ctx.store.data_size(),
    }
    .emit();
    let body = s.metrics.as_ref().map(|m| m.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

// Shared with the gRPC GetLoadErrorLog (information_schema.load_tracking_logs).
pub use crate::load::error_rows::resolve_error_log;

async fn load_error_log(
    State(s): State<HttpState>,
    Query(q): Query<ErrorLogQuery>,
) -> impl IntoResponse {
    let Some(file) = q.file else {
        return (
            StatusCode::BAD_REQUEST,
            "missing parameter: file".to_string(),
        )
            .into_response();
    };
    let Some(path) = resolve_error_log(&s.ctx.error_log_dir, &file) else {
        return (StatusCode::BAD_REQUEST, format!("invalid file: {file}")).into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, format!("file not found: {file}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn error_log_paths_stay_inside_the_dir() {
        let d = Path::new("/x/error_log");
        assert_eq!(
            resolve_error_log(d, "__shard_1/error_log_a_b"),
            Some(PathBuf::from("/x/error_log/__shard_1/error_log_a_b"))
        );
        assert_eq!(resolve_error_log(d, "../etc/passwd"), None);
        assert_eq!(resolve_error_log(d, "/etc/passwd"), None);
        assert_eq!(resolve_error_log(d, ""), None);
    }
}
