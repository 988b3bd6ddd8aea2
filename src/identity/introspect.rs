//! `POST /connect/introspect` (RFC 7662) and `POST /connect/revocation` (RFC 7009).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::client_auth::{AuthenticatedClient, Credentials, credentials};
use super::error::OAuthError;
use super::jwt::{self, AccessClaims};
use super::keys::KeySet;
use super::params::Params;
use super::token::secret_id_of;
use super::{IdentityState, OAuthForm};
use crate::http::NO_STORE;

/// What an introspection or revocation request carries, read but not yet checked against the store.
pub struct TokenRequest {
    pub credentials: Credentials,
    /// The `token` parameter; its absence is reported only once the caller has authenticated.
    pub token: Option<String>,
}

/// Reads an introspection or revocation request: a form body with the caller's credentials and `token`.
pub fn parse_token_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    TokenRequest::read(headers, &Params::from_form(headers, body)?)
}

impl TokenRequest {
    /// The request's credentials and `token`, from its headers and form parameters.
    pub fn read(headers: &HeaderMap, params: &Params) -> Result<Self, OAuthError> {
        let token = params.single("token")?.map(str::to_owned);
        // token_type_hint is optional and only a hint: every token here is an access token.
        params.single("token_type_hint")?;
        Ok(Self {
            credentials: credentials(headers, params)?,
            token,
        })
    }
}

/// Authenticates the calling app and returns it with the `token` parameter.
async fn caller_and_token(
    state: &IdentityState,
    form: &OAuthForm,
) -> Result<(AuthenticatedClient, String), OAuthError> {
    let TokenRequest {
        credentials: creds,
        token,
    } = TokenRequest::read(&form.headers, &form.params)?;
    let client = state
        .identity
        .authenticator
        .authenticate(&state.store, creds, form.addr)
        .await?;
    let token = token.ok_or(OAuthError::InvalidRequest("token is required"))?;
    Ok((client, token))
}

/// Whether `token` names a `kid` that is not among `keys`.
fn unknown_kid(keys: &KeySet, token: &str) -> bool {
    jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|header| header.kid)
        .is_some_and(|kid| keys.find(&kid).is_none())
}

/// The claims of `token` if it is active now: ours, unexpired, not revoked, and its app and the secret
/// that obtained it still exist.
async fn active_claims(
    state: &IdentityState,
    token: &str,
) -> Result<Option<AccessClaims>, OAuthError> {
    let issuer = &state.config.public_url;
    let now = state.clock.now().unix_timestamp();
    let keys = state.identity.keys.current();
    let mut verified = jwt::verify(&keys, token, issuer, now);
    if verified.is_none() && unknown_kid(&keys, token) {
        // Signed by a key another instance has just started with (`FRONTDESK_KEY_ACTIVATION_SECONDS=0`)
        // before this one reloaded its keys: look once. Costs one small query per unknown kid, behind
        // client authentication; a token that verifies never gets here.
        state
            .identity
            .keys
            .reload_if_rotated(&state.store, state.clock.now())
            .await
            .map_err(OAuthError::Server)?;
        verified = jwt::verify(&state.identity.keys.current(), token, issuer, now);
    }
    let Some(claims) = verified else {
        return Ok(None);
    };
    let Some(secret_id) = secret_id_of(&claims.jti) else {
        return Ok(None);
    };
    if !state
        .store
        .secret_is_current(&claims.client_id, secret_id)
        .await?
        || state.store.token_is_revoked(&claims.jti).await?
    {
        return Ok(None);
    }
    Ok(Some(claims))
}

pub async fn introspect(State(state): State<IdentityState>, form: OAuthForm) -> Response {
    let result = async {
        let (_caller, token) = caller_and_token(&state, &form).await?;
        let answer: Value = match active_claims(&state, &token).await? {
            None => json!({ "active": false }),
            Some(c) => json!({
                "active": true,
                // RFC 7662 asks for a space-separated string here; the token itself carries the array.
                "scope": c.scope.join(" "),
                "client_id": c.client_id,
                "token_type": "Bearer",
                "exp": c.exp,
                "iat": c.iat,
                "nbf": c.nbf,
                "sub": c.sub,
                "aud": c.aud,
                "iss": c.iss,
                "jti": c.jti,
                "account_code": c.account_code,
            }),
        };
        Ok::<_, OAuthError>(answer)
    }
    .await;
    match result {
        Ok(answer) => (NO_STORE, Json(answer)).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn revoke(State(state): State<IdentityState>, form: OAuthForm) -> Response {
    let result = async {
        let (caller, token) = caller_and_token(&state, &form).await?;
        // Invalid, expired or unknown tokens need no revoking: RFC 7009 answers 200 all the same.
        if let Some(claims) = active_claims(&state, &token).await? {
            if claims.client_id != caller.client_id {
                return Err(OAuthError::UnauthorizedClient(
                    "a client may revoke only its own tokens",
                ));
            }
            let expires = OffsetDateTime::from_unix_timestamp(claims.exp)
                .unwrap_or_else(|_| state.clock.now());
            state
                .store
                .revoke_token(&claims.jti, &claims.client_id, expires)
                .await?;
            tracing::info!(client_id = %claims.client_id, "token revoked");
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => (NO_STORE, "").into_response(),
        Err(e) => e.into_response(),
    }
}
