//! `POST /connect/introspect` (RFC 7662) and `POST /connect/revocation` (RFC 7009).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::active::{ActiveToken, active_token};
use super::client_auth::{AuthenticatedClient, Credentials, credentials};
use super::error::OAuthError;
use super::params::Params;
use super::{IdentityState, OAuthForm};
use crate::domain::token_hash;
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
        // token_type_hint is only a hint (RFC 7009 §2.1): access tokens are recognised by their
        // signature and anything else is looked up as a refresh token, whatever it says.
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

pub async fn introspect(State(state): State<IdentityState>, form: OAuthForm) -> Response {
    let result = async {
        let (_caller, token) = caller_and_token(&state, &form).await?;
        let answer: Value = match active_token(&state, &token).await? {
            None => json!({ "active": false }),
            Some(ActiveToken { claims: c, .. }) => json!({
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
        if let Some(ActiveToken { claims, .. }) = active_token(&state, &token).await? {
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
        } else {
            revoke_refresh_token(&state, &caller, &token).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => (NO_STORE, "").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Revokes the grant of refresh token `token`, and so its family (refresh tokens and the access
/// tokens issued from it), if it is the caller's; an unknown token is no error (RFC 7009 §2.2).
async fn revoke_refresh_token(
    state: &IdentityState,
    caller: &AuthenticatedClient,
    token: &str,
) -> Result<(), OAuthError> {
    let Some(grant_id) = state.store.refresh_token_grant(&token_hash(token)).await? else {
        return Ok(());
    };
    let Some(grant) = state.store.grant(grant_id).await? else {
        return Ok(());
    };
    if grant.client_id != caller.client_id {
        return Err(OAuthError::UnauthorizedClient(
            "a client may revoke only its own tokens",
        ));
    }
    state.store.revoke_grant(grant_id).await?;
    tracing::info!(client_id = %grant.client_id, grant = grant_id, "refresh token revoked with its grant");
    Ok(())
}
