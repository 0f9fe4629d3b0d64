//! FE HTTP server on `http_port`: `GET /api/health` (StarRocks HealthAction, with the
//! online/total backend counts) and `GET /metrics` (Prometheus text).
//!
//! Metric names: `starrocks_fe_*` where StarRocks has the metric (connection_total,
//! query_total, query_err, request_total, ...), `starload_fe_*` for ours
//! (`starload_fe_connections_accepted_total`, `starload_fe_queries_total`,
//! `starload_fe_query_errors_total`, `starload_fe_auth_failures_total`, ...).

use crate::context::FeContext;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Clone)]
struct HttpState {
    ctx: Arc<FeContext>,
    metrics: Option<PrometheusHandle>,
}

/// Installs the process-wide Prometheus recorder (once, in `main`).
pub fn install_metrics_recorder() -> Option<PrometheusHandle> {
    match PrometheusBuilder::new().install_recorder() {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "Metrics recorder not installed.");
            None
        }
    }
}

/// The router, for `serve` and tests.
pub fn router(ctx: Arc<FeContext>, metrics: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/metrics", get(metrics_text))
        .with_state(HttpState { ctx, metrics })
}

/// Serves HTTP on `listener` until the process exits.
pub async fn serve(
    ctx: Arc<FeContext>,
    listener: TcpListener,
    metrics: Option<PrometheusHandle>,
) -> std::io::Result<()> {
    axum::serve(listener, router(ctx, metrics)).await
}

/// The health body exactly as StarRocks prints it (RestResult field order).
pub fn health_body(online: usize, total: usize) -> String {
    format!(
        r#"{{"msg":"success","code":0,"data":{{"online_backend_num":{online},"total_backend_num":{total}}},"count":0}}"#
    )
}

async fn health(State(s): State<HttpState>) -> impl IntoResponse {
    let (online, total) = s.ctx.cluster.backend_counts();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        health_body(online, total),
    )
}

async fn metrics_text(State(s): State<HttpState>) -> impl IntoResponse {
    metrics::gauge!("starrocks_fe_connection_total").set(s.ctx.sessions.len() as f64);
    let (online, total) = s.ctx.cluster.backend_counts();
    metrics::gauge!("starload_fe_backends_online").set(online as f64);
    metrics::gauge!("starload_fe_backends_total").set(total as f64);
    let body = s.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_body_matches_starrocks() {
        assert_eq!(
            health_body(2, 3),
            r#"{"msg":"success","code":0,"data":{"online_backend_num":2,"total_backend_num":3},"count":0}"#
        );
    }
}
