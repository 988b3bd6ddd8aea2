//! The dashboard front door: HTML for people, cookie sessions, CSRF-checked forms.

mod activity;
pub mod apps;
mod extract;
mod login;
pub use login::warm_up;
mod links;
mod profile;
pub mod session;
mod throttle;
mod users;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

pub use extract::{AccountAdmin, Checkbox, ClientAddr, CurrentUser, Form, Path, Query};
pub use throttle::SignInThrottle;

use crate::config::Config;
use crate::error::{AppError, error_page};
use crate::state::AppState;

/// Largest request body accepted anywhere; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "frontdesk_session";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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

/// The dashboard's routes, behind the session layer.
pub fn router(config: &Config, sessions: SqliteStore) -> Router<AppState> {
    let idle =
        CookieDuration::seconds(i64::try_from(config.session_idle.as_secs()).unwrap_or(i64::MAX));
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle));

    Router::new()
        .route("/", get(|| async { Redirect::to("/apps/connected-apps") }))
        .merge(login::router())
        .merge(apps::router())
        .route("/activity", get(activity::page))
        .merge(users::router())
        .merge(links::router())
        .merge(profile::router())
        .route("/static/{file}", get(static_file))
        .fallback(|| async { AppError::NotFound })
        .layer(session_layer)
        .layer(axum::middleware::from_fn(same_origin_posts))
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

/// What every response gets, from either front door: security headers and the body limit.
pub fn harden(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(axum::middleware::map_response(friendly_413))
}

/// `RequestBodyLimitLayer` answers an over-long body with a bare 413; give it the site's error page.
async fn friendly_413(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_none_or(|v| !v.as_bytes().starts_with(b"text/html"))
    {
        return error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            "The request sent more data than frontdesk accepts (64 KiB); nothing was changed.",
        );
    }
    response
}

/// The stylesheet and script, built into the binary so a lone executable (or a scratch image) serves them.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
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
