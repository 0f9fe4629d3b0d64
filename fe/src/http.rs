//! FE HTTP server on `http_port`: `GET /api/health` (StarRocks HealthAction, with the
//! online/total backend counts), `GET /metrics` (Prometheus text) and the web console under
//! `/console` (`console`: its own routes, login and pages).
//!
//! Every metric is declared in `telemetry.rs` (names, kinds, labels, help); the scrape handler
//! only sets the gauges read at scrape time, through `telemetry::MetricsScraped`.

use crate::context::FeContext;
use crate::routine_load::job::JobState;
use crate::routine_load::JobEntry;
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

/// Installs the process-wide Prometheus recorder (once, in `main`) and describes every metric
/// of `telemetry` to it.
pub fn install_metrics_recorder() -> Option<PrometheusHandle> {
    match PrometheusBuilder::new().install_recorder() {
        Ok(h) => {
            crate::telemetry::register();
            Some(h)
        }
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
        .with_state(HttpState {
            ctx: ctx.clone(),
            metrics,
        })
        .merge(crate::console::router(ctx))
}

/// Serves HTTP on `listener` until the process exits.
pub async fn serve(
    ctx: Arc<FeContext>,
    listener: TcpListener,
    metrics: Option<PrometheusHandle>,
) -> std::io::Result<()> {
    // The peer address is the console's login host (user@host matching, as over MySQL).
    axum::serve(
        listener,
        router(ctx, metrics).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
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
    let (online, total) = s.ctx.cluster.backend_counts();
    let job_states: Vec<&str> = s.ctx.routine_load.lock().values().map(job_state).collect();
    crate::telemetry::MetricsScraped {
        connections: s.ctx.sessions.len(),
        backends_online: online,
        backends: total,
        job_states: &job_states,
    }
    .emit();
    let body = s.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
}

/// A job's state as SHOW ROUTINE LOAD's State column prints it (`show::job_row`): a RUNNING
/// job with the unstable substate is UNSTABLE.
fn job_state(e: &JobEntry) -> &'static str {
    if e.job.state == JobState::RUNNING && e.unstable.is_some() {
        "UNSTABLE"
    } else {
        e.job.state.name()
    }
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
