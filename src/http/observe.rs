//! Watching requests: an id for each (in its log lines, its error page and the `x-request-id` header),
//! one access-log line, and Prometheus counters and histograms by route template and status.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

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

/// Every request gets an id (the client's `x-request-id` when it sent one, else a new UUID), echoed in the
/// response and carried by a span around the request's log lines; `observe` then counts and logs it.
pub fn observed(router: Router) -> Router {
    use axum::http::HeaderName;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;

    metrics_handle();
    let request_id = HeaderName::from_static(REQUEST_ID);
    router
        .layer(axum::middleware::from_fn(observe))
        .layer(
            // The route template, never the path (link tokens live in paths) nor the query string.
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Makes the request id available to error pages, counts the request by route and status, and writes
/// one access-log line (target `frontdesk::access`, so `RUST_LOG=info,frontdesk::access=off` silences
/// it). Layers added with `Router::layer` run after routing, so the route template is known here.
async fn observe(request: Request, next: Next) -> Response {
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
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    tracing::info!(
        target: "frontdesk::access",
        method = %method,
        route = %route,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    metrics::counter!("frontdesk_http_requests_total", "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("frontdesk_http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
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
