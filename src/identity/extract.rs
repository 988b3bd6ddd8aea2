//! The identity door's one request extractor: a form body read into `Params`, with the request's
//! headers (for HTTP Basic) and the client's address. Whatever goes wrong while reading (too large,
//! not a form, not UTF-8) is already the OAuth error, so no handler can answer otherwise.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use super::error::OAuthError;
use super::params::Params;
use crate::http::ClientAddr;

/// A token, introspection or revocation request as sent.
pub struct OAuthForm {
    pub headers: HeaderMap,
    pub params: Params,
    pub addr: Option<std::net::IpAddr>,
}

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<Self, OAuthError> {
        let (mut parts, body) = request.into_parts();
        let Ok(ClientAddr(addr)) = ClientAddr::from_request_parts(&mut parts, state).await;
        let headers = std::mem::take(&mut parts.headers);
        let request = Request::from_parts(parts, body);
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.into_response().status() {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        OAuthError::Shared(StatusCode::PAYLOAD_TOO_LARGE)
                    }
                    _ => OAuthError::InvalidRequest("the request body could not be read"),
                })?;
        let params = Params::from_form(&headers, &body)?;
        Ok(Self {
            headers,
            params,
            addr,
        })
    }
}
