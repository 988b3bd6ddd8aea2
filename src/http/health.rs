//! Health for orchestrators and load balancers (`/healthz`, `/readyz`), and the separate Prometheus
//! listener's `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::observe::metrics_handle;
use crate::store::Store;

/// The metrics listener's router: `GET /metrics` in Prometheus text format.
pub fn metrics_router(store: Store) -> Router {
    Router::new()
        .route("/metrics", get(render_metrics))
        .with_state(store)
}

async fn render_metrics(State(store): State<Store>) -> Response {
    // Counts are read at scrape time, so they are right whatever changed them (CLI included).
    if let Ok((apps, secrets)) = store.count_apps_and_secrets().await {
        metrics::gauge!("frontdesk_apps").set(apps as f64);
        metrics::gauge!("frontdesk_secrets").set(secrets as f64);
    }
    let soon = time::Duration::days(crate::domain::EXPIRY_WARNING_DAYS);
    if let Ok(expiring) = store.count_secrets_expiring(soon).await {
        metrics::gauge!("frontdesk_secrets_expiring_soon").set(expiring as f64);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        metrics_handle().render(),
    )
        .into_response()
}

/// `/healthz` (the process answers) and `/readyz` (the database answers and is fully migrated).
pub fn health_router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(store)
}

async fn readyz(State(store): State<Store>) -> Response {
    match store.ready().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(why) => {
            tracing::warn!(error = %why, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            )
                .into_response()
        }
    }
}
