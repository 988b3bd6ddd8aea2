//! The browser's side of the authorization-code flow: `/connect/authorize` with its consent screen,
//! and `/connect/endsession`. They live in the dashboard's door because they need what only it has:
//! the person's session, CSRF-checked forms and HTML pages. The programs' side (codes for tokens,
//! userinfo) is in `identity`.

mod authorize;
mod endsession;
mod pages;
mod params;
mod request;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub use self::params::Params;
pub use self::request::{Checked, Refusal, check, client_id};
use super::WebState;
use crate::http::NO_STORE;

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/connect/authorize",
            get(authorize::start).post(authorize::decide),
        )
        .route(
            "/connect/endsession",
            get(endsession::start).post(endsession::confirm),
        )
}

#[derive(Template)]
#[template(path = "connect/error.html")]
struct ErrorPage<'a> {
    error: &'a str,
    description: &'a str,
    request_id: Option<String>,
}

/// The error page of a request that cannot be sent back: 400, with the error code and request id.
fn error_page(error: &str, description: &str) -> Response {
    let page = ErrorPage {
        error,
        description,
        request_id: crate::http::observe::current_request_id().filter(|id| !id.is_empty()),
    };
    match page.render() {
        Ok(body) => (StatusCode::BAD_REQUEST, NO_STORE, Html(body)).into_response(),
        Err(e) => super::error::AppError::Internal(e.into()).into_response(),
    }
}

/// `redirect_uri` with `params` added to its query (RFC 6749 §4.1.2: keeping the query it has). A 303,
/// never cached: it may carry a code.
fn redirect_to(redirect_uri: &str, params: &[(&str, Option<&str>)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        // Registered URIs are checked when saved; this would be a stored row gone wrong.
        return error_page(
            "server_error",
            "The app's redirect URI cannot be used. Tell the app's developer.",
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return error_page("server_error", "The redirect URI cannot be sent.");
    };
    (
        StatusCode::SEE_OTHER,
        NO_STORE,
        [(header::LOCATION, location)],
    )
        .into_response()
}

impl Refusal {
    /// The error page, or the error sent back to the app with `iss` (RFC 9207).
    pub fn respond(self, issuer: &str) -> Response {
        match self {
            Self::Page { error, description } => error_page(error, &description),
            Self::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => redirect_to(
                &redirect_uri,
                &[
                    ("error", Some(error)),
                    ("error_description", Some(&description)),
                    ("state", state.as_deref()),
                    ("iss", Some(issuer)),
                ],
            ),
        }
    }
}
