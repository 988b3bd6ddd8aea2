//! The identity door's error type: RFC 6749 §5.2 JSON, never an HTML page.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::NO_STORE;

#[derive(Debug)]
pub enum OAuthError {
    /// Missing, repeated or malformed parameter, wrong content type, two or no authentication methods.
    InvalidRequest(&'static str),
    /// Authentication failed. `basic`: the client used HTTP Basic, so the answer is 401 with a challenge.
    InvalidClient {
        basic: bool,
    },
    /// The client proved its secret but may not have a token now (suspended, or asking from an address
    /// it does not allow): `invalid_client` as for a wrong secret, saying why, since it is proven.
    ClientRefused {
        basic: bool,
        why: &'static str,
    },
    /// No client authentication at all (RFC 6749 §5.2 lists it under `invalid_client`): 401 with a
    /// challenge, naming the two methods.
    NoClientAuthentication,
    /// An error raised before any handler (wrong method, unknown address, unreadable request), in this
    /// door's words with the status the shared layer chose.
    Shared(StatusCode),
    UnsupportedGrantType,
    InvalidScope(String),
    /// The code or refresh token is unknown, used, expired, another client's, or fails the checks it
    /// is bound to (redirect URI, PKCE): RFC 6749 §5.2.
    InvalidGrant(&'static str),
    /// The client may not do this with that token (revoking another client's token).
    UnauthorizedClient(&'static str),
    /// Too many failed authentications for this client ID or source address.
    TooManyAttempts {
        retry_after_secs: u64,
    },
    /// A protected resource (userinfo) was called without any access token: 401 with a bare
    /// `Bearer` challenge (RFC 6750 §3.1: no error code when no credentials came).
    NoBearerToken,
    /// The access token is not one this resource accepts (malformed, expired, revoked, of no grant).
    InvalidToken(&'static str),
    /// The access token lacks the scope named here: 403 (RFC 6750 §3.1).
    InsufficientScope(&'static str),
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
            Self::InvalidRequest(_) | Self::Shared(_) => "invalid_request",
            Self::InvalidClient { .. }
            | Self::ClientRefused { .. }
            | Self::NoClientAuthentication => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::InvalidGrant(_) => "invalid_grant",
            // RFC 6750 gives no code to a request without a token; the body says invalid_request.
            Self::NoBearerToken => "invalid_request",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::TooManyAttempts { .. } => "temporarily_unavailable",
            Self::Server(e) if crate::store::unavailable(e) => "temporarily_unavailable",
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
        let (status, description): (StatusCode, String) = match &self {
            Self::InvalidRequest(why) => (
                StatusCode::BAD_REQUEST,
                (*why).to_owned(),
            ),
            Self::InvalidClient { basic } => (
                if *basic {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::BAD_REQUEST
                },
                // The same words whether the client ID exists or not.
                "client authentication failed".to_owned(),
            ),
            Self::ClientRefused { basic, why } => (
                if *basic {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::BAD_REQUEST
                },
                (*why).to_owned(),
            ),
            Self::NoClientAuthentication => (
                StatusCode::UNAUTHORIZED,
                "client authentication is required: HTTP Basic, or client_id and client_secret in the body"
                    .to_owned(),
            ),
            Self::Shared(status) => (*status, shared_description(*status)),
            Self::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "the supported grants are authorization_code, refresh_token and client_credentials"
                    .to_owned(),
            ),
            Self::InvalidScope(why) => (StatusCode::BAD_REQUEST, why.clone()),
            Self::UnauthorizedClient(why) => (
                StatusCode::BAD_REQUEST,
                (*why).to_owned(),
            ),
            Self::InvalidGrant(why) => (StatusCode::BAD_REQUEST, (*why).to_owned()),
            Self::NoBearerToken => (
                StatusCode::UNAUTHORIZED,
                "an access token is required: Authorization: Bearer".to_owned(),
            ),
            Self::InvalidToken(why) => (StatusCode::UNAUTHORIZED, (*why).to_owned()),
            Self::InsufficientScope(scope) => (
                StatusCode::FORBIDDEN,
                format!("the access token lacks the scope {scope}"),
            ),
            Self::TooManyAttempts { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed client authentications; retry after {retry_after_secs} seconds"
                ),
            ),
            Self::Server(e) if crate::store::unavailable(e) => {
                tracing::error!(error = %format!("{e:#}"), "identity endpoint: database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the identity server cannot reach its database; retry shortly".to_owned(),
                )
            }
            Self::Server(e) => {
                tracing::error!(error = %format!("{e:#}"), "identity endpoint failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server could not complete the request".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            NO_STORE,
            Json(Body {
                error: self.code(),
                error_description: &description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        match self {
            Self::InvalidClient { basic: true }
            | Self::ClientRefused { basic: true, .. }
            | Self::NoClientAuthentication => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"frontdesk\", charset=\"UTF-8\""),
                );
            }
            Self::NoBearerToken => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"frontdesk\""),
                );
            }
            Self::InvalidToken(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"frontdesk\", error=\"invalid_token\""),
                );
            }
            Self::InsufficientScope(scope) => {
                let challenge = format!(
                    "Bearer realm=\"frontdesk\", error=\"insufficient_scope\", scope=\"{scope}\""
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            Self::TooManyAttempts { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Server(e) if crate::store::unavailable(&e) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

/// What a status raised by shared machinery means for an OAuth client.
fn shared_description(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "there is no endpoint at this address".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not accept this method".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the request body is larger than {} KiB",
            crate::http::MAX_BODY_BYTES / 1024
        ),
        _ => format!(
            "the request could not be read ({})",
            status.canonical_reason().unwrap_or("error")
        ),
    }
}
