//! The identity door's error type: RFC 6749 §5.2 JSON, never an HTML page.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub enum OAuthError {
    /// Missing, repeated or malformed parameter, wrong content type, two or no authentication methods.
    InvalidRequest(&'static str),
    /// Authentication failed. `basic`: the client used HTTP Basic, so the answer is 401 with a challenge.
    InvalidClient {
        basic: bool,
    },
    UnsupportedGrantType,
    InvalidScope(String),
    /// The client may not do this with that token (revoking another client's token).
    UnauthorizedClient(&'static str),
    /// Too many failed authentications for this client ID or source address.
    TooManyAttempts {
        retry_after_secs: u64,
    },
    /// Something on our side; logged, not shown.
    Server(anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl OAuthError {
    /// The RFC 6749 error code (also the metrics outcome).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient { .. } => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::TooManyAttempts { .. } => "temporarily_unavailable",
            Self::Server(_) => "server_error",
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for OAuthError {
    fn from(e: E) -> Self {
        Self::Server(e.into())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (status, error, description): (StatusCode, &str, String) = match &self {
            Self::InvalidRequest(why) => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                (*why).to_owned(),
            ),
            Self::InvalidClient { basic } => (
                if *basic {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::BAD_REQUEST
                },
                "invalid_client",
                // The same words whether the client ID exists or not.
                "client authentication failed".to_owned(),
            ),
            Self::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only the client_credentials grant is supported".to_owned(),
            ),
            Self::InvalidScope(why) => (StatusCode::BAD_REQUEST, "invalid_scope", why.clone()),
            Self::UnauthorizedClient(why) => (
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                (*why).to_owned(),
            ),
            Self::TooManyAttempts { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                format!(
                    "too many failed client authentications; retry after {retry_after_secs} seconds"
                ),
            ),
            Self::Server(e) => {
                tracing::error!(error = %format!("{e:#}"), "identity endpoint failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(Body {
                error,
                error_description: &description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        match self {
            Self::InvalidClient { basic: true } => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"frontdesk\", charset=\"UTF-8\""),
                );
            }
            Self::TooManyAttempts { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}
