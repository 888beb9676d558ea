//! The metrics endpoint of `run --metrics ADDR`: Prometheus text at `/metrics`, and
//! `/healthz` (200 only when every watched folder had a successful pass within twice its
//! IDLE renewal or poll period, else 503 naming the late ones). Nothing else is served;
//! no mail, address or subject is in either answer.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::metrics::{health, metrics, render};
use crate::clock;

/// The two routes.
pub fn router() -> Router {
    Router::new().route("/metrics", get(scrape)).route("/healthz", get(healthz))
}

async fn scrape() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], render(metrics()))
}

async fn healthz() -> impl IntoResponse {
    match health(metrics(), clock::now_unix()) {
        Ok(()) => (StatusCode::OK, "ok\n".to_string()),
        Err(late) => (StatusCode::SERVICE_UNAVAILABLE, late.join("\n") + "\n"),
    }
}

/// Serves the endpoint on `listener` until `stop` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router()).with_graceful_shutdown(stop).await
}
