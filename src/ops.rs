//! Running frontdesk for months: health and readiness, Prometheus metrics, request ids in logs and error
//! pages, and online backups.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    /// The current request's id, for error pages.
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being handled, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// Makes the request id (set by tower-http's `SetRequestIdLayer`) available to error pages, and
/// counts the request by route and status.
pub async fn observe(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // The route template, not the path: bounded label values, and no tokens from link paths.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().to_string();
    let started = Instant::now();
    let response = CURRENT_REQUEST_ID.scope(id, next.run(request)).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("frontdesk_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("frontdesk_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The process-wide Prometheus recorder (installed once, however many apps a test process builds).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), &buckets)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first; then ours simply stays empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The metrics listener's router: `GET /metrics` in Prometheus text format.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(render_metrics))
        .with_state(state)
}

async fn render_metrics(State(state): State<AppState>) -> Response {
    // Counts are read at scrape time, so they are right whatever changed them (CLI included).
    if let Ok((apps, secrets)) = state.store.count_apps_and_secrets().await {
        metrics::gauge!("frontdesk_apps").set(apps as f64);
        metrics::gauge!("frontdesk_secrets").set(secrets as f64);
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
pub fn health_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ready().await {
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

/// `frontdesk healthcheck`: a plain HTTP/1.1 `GET /readyz` to the listen address (a wildcard address
/// is probed on loopback). Hand-written: a minimal image has no curl, and a client library would
/// double the binary for one request.
pub async fn probe_ready(listen: std::net::SocketAddr) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut target = listen;
    if target.ip().is_unspecified() {
        target.set_ip(if target.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(target).await?;
        stream
            .write_all(
                format!("GET /readyz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut head = vec![0u8; 64];
        let n = stream.read(&mut head).await?;
        head.truncate(n);
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head).into_owned())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), exchange).await {
        Err(_) => Err(format!("no answer from {target} within 3 s")),
        Ok(Err(e)) => Err(format!("{target}: {e}")),
        Ok(Ok(head)) if head.starts_with("HTTP/1.1 200") => Ok(()),
        Ok(Ok(head)) => Err(format!(
            "{target} answered {:?}",
            head.lines().next().unwrap_or("")
        )),
    }
}
