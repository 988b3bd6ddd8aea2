//! The layers each front door puts around its own routes: the body limit, and the door's own wording
//! of the bare errors that shared machinery raises before (or instead of) a handler: 413 from the body
//! limit, 405 from axum's method routing, a plain-text 400 from an extractor. The dashboard answers
//! those with its HTML page, the identity endpoints with RFC 6749 JSON; this room knows neither.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::Response;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body accepted anywhere; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How a door words an error it did not write itself.
pub type RenderError = fn(StatusCode) -> Response;

/// `router` with the body limit, every bare error response rendered by `render`.
pub fn door<S: Clone + Send + Sync + 'static>(router: Router<S>, render: RenderError) -> Router<S> {
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(move |response: Response| {
            std::future::ready(in_the_doors_words(response, render))
        }))
}

/// An error response without a body type of its own came from shared machinery: re-render it, keeping
/// its headers (`Allow` on a 405, say).
fn in_the_doors_words(response: Response, render: RenderError) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(is_error && bare) {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut rendered = render(status);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && !rendered.headers().contains_key(name)
        {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::HeaderValue;
    use axum::response::IntoResponse;

    use super::*;

    fn rendered(status: StatusCode) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, "application/x-door")],
            "door",
        )
            .into_response()
    }

    #[test]
    fn bare_and_plain_text_errors_are_rendered_by_the_door_with_their_headers_kept() {
        let mut bare = Response::new(Body::empty());
        *bare.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        bare.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        let out = in_the_doors_words(bare, rendered);
        assert_eq!(out.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(out.headers()[header::CONTENT_TYPE], "application/x-door");
        assert_eq!(out.headers()[header::ALLOW], "POST");

        let plain = (StatusCode::BAD_REQUEST, "Failed to deserialize").into_response();
        let out = in_the_doors_words(plain, rendered);
        assert_eq!(out.headers()[header::CONTENT_TYPE], "application/x-door");
    }

    #[test]
    fn the_doors_own_answers_and_successes_pass_untouched() {
        let own = (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response();
        let out = in_the_doors_words(own, rendered);
        assert_eq!(out.headers()[header::CONTENT_TYPE], "application/json");
        let ok = (StatusCode::OK, "ok").into_response();
        let out = in_the_doors_words(ok, rendered);
        assert_eq!(
            out.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }
}
