//! `POST /connect/token`: client credentials (RFC 6749 §4.4) for custom apps; for store apps, which act
//! for a person, the authorization-code exchange (§4.1.3, `code`) and refresh (§6, `refresh`), both
//! issuing through `person`.

mod client_credentials;
mod code;
mod gate;
mod person;
mod refresh;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::client_auth::credentials;
use super::error::OAuthError;
use super::{IdentityState, OAuthForm};
use crate::http::NO_STORE;

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

pub async fn token(State(state): State<IdentityState>, form: OAuthForm) -> Response {
    let started = std::time::Instant::now();
    let result = issue(&state, form).await;
    let outcome = match &result {
        Ok(_) => "issued",
        Err(e) => e.code(),
    };
    metrics::counter!("frontdesk_token_requests_total", "outcome" => outcome).increment(1);
    metrics::histogram!("frontdesk_token_request_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    match result {
        Ok(response) => (NO_STORE, Json(response)).into_response(),
        Err(e) => e.into_response(),
    }
}

enum Grant {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
}

async fn issue(state: &IdentityState, form: OAuthForm) -> Result<TokenResponse, OAuthError> {
    let OAuthForm {
        headers,
        params,
        addr,
    } = form;
    let grant_type = params
        .single("grant_type")?
        .ok_or(OAuthError::InvalidRequest("grant_type is required"))?;
    let requested = params.single("scope")?;
    let creds = credentials(&headers, &params)?;
    // Known before authenticating, so an unknown grant costs no argon2 run.
    let grant = match grant_type {
        "client_credentials" => Grant::ClientCredentials,
        "authorization_code" => Grant::AuthorizationCode,
        "refresh_token" => Grant::RefreshToken,
        _ => return Err(OAuthError::UnsupportedGrantType),
    };
    let client = state
        .identity
        .authenticator
        .authenticate(&state.store, creds, addr)
        .await?;
    gate::admit(state, &client, addr).await?;
    match grant {
        Grant::ClientCredentials => client_credentials::issue(state, client, requested),
        Grant::AuthorizationCode => code::exchange(state, &client, &params).await,
        Grant::RefreshToken => refresh::refresh(state, &client, &params, requested).await,
    }
}
