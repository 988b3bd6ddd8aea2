//! The dashboard front door: HTML for people, cookie sessions, CSRF-checked forms.

mod activity;
pub mod apps;
pub mod connect;
pub mod error;
mod extract;
mod links;
mod login;
mod profile;
pub mod session;
mod sessions;
mod throttle;
mod users;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use extract::{AccountAdmin, Checkbox, CsrfForm, CurrentUser, Form, NoFields, Path, Query};
pub use sessions::Sessions;

use self::error::{AppError, error_page};
use crate::http::door::door;
use crate::state::Core;

/// What the dashboard's handlers see: the core, and the published signing keys (to check the
/// id_tokens apps send back to `/connect/endsession`).
#[derive(Clone)]
pub struct WebState {
    pub core: Core,
    pub keys: std::sync::Arc<crate::signing::KeyRing>,
}

impl std::ops::Deref for WebState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "frontdesk_session";

/// What every dashboard page's header and navigation need.
pub struct Layout {
    pub user_name: String,
    pub user_email: String,
    pub is_admin: bool,
    pub csrf_token: String,
    /// Which navigation entry is current, e.g. `connected-apps`.
    pub nav: &'static str,
    pub flash: Option<String>,
}

impl CurrentUser {
    pub fn layout(&self, nav: &'static str) -> Layout {
        Layout {
            user_name: self.user.display_name.clone(),
            user_email: self.user.email.clone(),
            is_admin: self.user.is_admin,
            csrf_token: self.csrf_token.clone(),
            nav,
            flash: self.flash.clone(),
        }
    }
}

/// Renders a page; a template error becomes the 500 page rather than a panic.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    page.render()
        .map(Html)
        .map_err(|e| AppError::Internal(e.into()))
}

/// The dashboard's routes, behind the session layer; every error is the site's HTML page.
pub fn router(state: WebState, sessions: Sessions) -> Router {
    let config = &state.config;
    let idle =
        CookieDuration::seconds(i64::try_from(config.session_idle.as_secs()).unwrap_or(i64::MAX));
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle));

    let routes = Router::new()
        .route("/", get(|| async { Redirect::to("/apps/connected-apps") }))
        .merge(login::router())
        .merge(apps::router())
        .route("/activity", get(activity::page))
        .route("/activity/export.csv", get(activity::export_csv))
        .route("/activity/export.jsonl", get(activity::export_jsonl))
        .merge(users::router())
        .merge(links::router())
        .merge(profile::router())
        .merge(connect::router())
        .route("/static/{file}", get(static_file))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(same_origin_posts));
    door(routes, shared_error).with_state(state)
}

/// The answer for an address no route has.
pub fn not_found() -> Response {
    AppError::NotFound.into_response()
}

/// An error raised by shared machinery before or instead of a handler, as the site's error page.
fn shared_error(status: StatusCode) -> Response {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound.into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => error_page(
            status,
            "Request too large",
            "The request sent more data than frontdesk accepts (64 KiB); nothing was changed.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => error_page(
            status,
            "Method not allowed",
            "This page cannot be used that way; nothing was changed.",
        ),
        _ => error_page(
            status,
            status.canonical_reason().unwrap_or("Error"),
            "The request could not be handled; nothing was changed.",
        ),
    }
}

/// Defence in depth beside the CSRF token: a browser names the page a form was posted from in `Origin`,
/// and a form posted from another site is refused whatever it carries. Requests without `Origin` (older
/// browsers, scripts) still need the token.
async fn same_origin_posts(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if !safe && !same_origin(request.headers()) {
        tracing::warn!("refused a cross-site form post");
        return AppError::Csrf.into_response();
    }
    next.run(request).await
}

/// True unless the request says it comes from another origin than the host it was sent to.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok());
    match (origin, host) {
        (Some(origin), Some(host)) => {
            let authority = match (origin.host_str(), origin.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                _ => return false,
            };
            authority.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// The stylesheet and script, built into the binary so a lone executable (or a scratch image) serves them.
async fn static_file(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "app.css" => (
            include_str!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return AppError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn posts_from_the_same_origin_or_without_one_pass() {
        assert!(super::same_origin(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(super::same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(super::same_origin(&headers(&[
            ("host", "id.example.com"),
            ("origin", "https://id.example.com")
        ])));
        assert!(super::same_origin(&headers(&[
            ("host", "localhost:8080"),
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-origin")
        ])));
    }

    #[test]
    fn posts_from_another_site_are_refused() {
        assert!(!super::same_origin(&headers(&[
            ("host", "id.example.com"),
            ("origin", "https://evil.example")
        ])));
        assert!(!super::same_origin(&headers(&[
            ("host", "id.example.com:8080"),
            ("origin", "http://id.example.com:9090")
        ])));
        assert!(!super::same_origin(&headers(&[
            ("host", "id.example.com"),
            ("origin", "null")
        ])));
        assert!(!super::same_origin(&headers(&[
            ("host", "id.example.com"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
