//! `GET|POST /connect/userinfo` (OpenID Connect Core §5.3): who the person behind a store app's access
//! token is. The token comes as a Bearer header, or on POST in the form body (RFC 6750 §2.1, §2.2);
//! failures answer with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::IdentityState;
use super::active::{ActiveToken, active_token};
use super::error::OAuthError;
use super::params::{Params, is_form};
use crate::http::NO_STORE;

pub async fn userinfo(State(state): State<IdentityState>, request: Request) -> Response {
    let result = async {
        let token = bearer_token(request).await?;
        let Some(ActiveToken {
            claims,
            grant: Some(grant),
        }) = active_token(&state, &token).await?
        else {
            // Inactive, or a custom app's token: no person stands behind it.
            return Err(OAuthError::InvalidToken(
                "the access token is not active or was not issued for a person",
            ));
        };
        if !claims.scope.iter().any(|s| s == "openid") {
            return Err(OAuthError::InsufficientScope("openid"));
        }
        let role = if grant.is_admin {
            "AccountAdmin"
        } else {
            "AccountMember"
        };
        // As the hosted service does: `name` holds the email, `preferred_username` the display name.
        Ok(json!({
            "sub": grant.subject,
            "name": grant.email,
            "email": grant.email,
            "preferred_username": grant.display_name,
            "account_code": claims.account_code,
            "role": role,
        }))
    }
    .await;
    match result {
        Ok(body) => (NO_STORE, Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The access token of the request: `Authorization: Bearer`, or `access_token` in a POST's form body;
/// both at once is `invalid_request` (RFC 6750 §2).
async fn bearer_token(request: Request) -> Result<String, OAuthError> {
    let from_header = header_token(request.headers())?;
    let from_body = if request.method() == Method::POST {
        body_token(request).await?
    } else {
        None
    };
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(OAuthError::InvalidRequest(
            "send the access token once: in the Authorization header or in the body, not both",
        )),
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (None, None) => Err(OAuthError::NoBearerToken),
    }
}

fn header_token(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| OAuthError::InvalidToken("the Authorization header is not readable"))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    // Another scheme (Basic) carries no bearer token: the answer is the bare challenge.
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(OAuthError::InvalidToken("the Bearer credentials are empty"));
    }
    Ok(Some(token.to_owned()))
}

/// `access_token` from a form body; a body of any other type holds none.
async fn body_token(request: Request) -> Result<Option<String>, OAuthError> {
    let headers = request.headers().clone();
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| match rejection.into_response().status() {
            StatusCode::PAYLOAD_TOO_LARGE => OAuthError::Shared(StatusCode::PAYLOAD_TOO_LARGE),
            _ => OAuthError::InvalidRequest("the request body could not be read"),
        })?;
    if body.is_empty() || !is_form(&headers) {
        return Ok(None);
    }
    let params = Params::from_form(&headers, &body)?;
    Ok(params.single("access_token")?.map(str::to_owned))
}
