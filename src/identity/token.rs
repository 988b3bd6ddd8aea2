//! `POST /connect/token`: the client-credentials grant (RFC 6749 §4.4).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Serialize;

use super::client_auth::{AuthenticatedClient, credentials};
use super::error::OAuthError;
use super::jwt::{self, AccessClaims};
use super::{IdentityState, OAuthForm};
use crate::domain::AppKind;
use crate::http::NO_STORE;

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
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
    if grant_type != "client_credentials" {
        return Err(OAuthError::UnsupportedGrantType);
    }
    let client = state
        .identity
        .authenticator
        .authenticate(&state.store, creds, addr)
        .await?;
    // A store app acts for a person who consented (authorization code), never on its own.
    if client.kind != AppKind::Custom {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the client_credentials grant",
        ));
    }
    let scopes = granted_scopes(state, &client, requested)?;

    let lifetime = state.config.token_lifetime.as_secs();
    let at = state.clock.now();
    let now = at.unix_timestamp();
    let claims = AccessClaims {
        iss: state.config.public_url.clone(),
        sub: client.client_id.clone(),
        client_id: client.client_id,
        aud: state.config.token_audience.clone(),
        scope: scopes,
        account_code: state.config.account_code.to_string(),
        iat: now,
        nbf: now,
        exp: now + i64::try_from(lifetime).unwrap_or(3600),
        jti: new_jti(client.secret_id),
    };
    let keys = state.identity.keys.current();
    let access_token = jwt::sign(keys.signing(at), &claims)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetime,
        scope: claims.scope.join(" "),
    })
}

/// The token's id: which secret obtained it (so deleting the secret deactivates it) and 128 random bits.
fn new_jti(secret_id: i64) -> String {
    let random: u128 = rand::thread_rng().r#gen();
    format!("{secret_id:x}.{random:032x}")
}

/// The secret id a `jti` names, if it is one of ours.
pub fn secret_id_of(jti: &str) -> Option<i64> {
    let (id, random) = jti.split_once('.')?;
    (random.len() == 32).then_some(())?;
    i64::from_str_radix(id, 16).ok()
}

/// `scope` omitted: everything the app was granted. Otherwise each requested scope must be granted.
fn granted_scopes(
    state: &IdentityState,
    client: &AuthenticatedClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let mut scopes: Vec<String> = match requested {
        None => client.scopes.clone(),
        Some(list) => {
            let mut wanted = Vec::new();
            for scope in list.split(' ').filter(|s| !s.is_empty()) {
                if !client.scopes.iter().any(|g| g == scope) {
                    return Err(OAuthError::InvalidScope(format!(
                        "the scope {scope:?} was not granted to this client"
                    )));
                }
                wanted.push(scope.to_owned());
            }
            wanted
        }
    };
    scopes.sort_by_key(|s| state.catalog.position(s));
    scopes.dedup();
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jtis_name_their_secret() {
        let jti = new_jti(42);
        assert_eq!(secret_id_of(&jti), Some(42));
        assert_ne!(new_jti(42), jti);
        assert_eq!(secret_id_of("nonsense"), None);
        assert_eq!(secret_id_of("2a.short"), None);
    }
}
