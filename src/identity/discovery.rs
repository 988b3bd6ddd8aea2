//! Discovery (`/.well-known/openid-configuration`, RFC 8414's `/.well-known/oauth-authorization-server`)
//! and the JWKS.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::IdentityState;
use crate::domain::OIDC_SCOPES;

/// The client authentication methods of the token, introspection and revocation endpoints.
const AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

fn metadata(state: &IdentityState) -> Value {
    let base = &state.config.public_url;
    let scopes: Vec<&str> = state
        .catalog
        .names()
        .chain(OIDC_SCOPES.iter().map(|(name, _)| *name))
        .collect();
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/connect/authorize"),
        "token_endpoint": format!("{base}/connect/token"),
        "userinfo_endpoint": format!("{base}/connect/userinfo"),
        "end_session_endpoint": format!("{base}/connect/endsession"),
        "jwks_uri": format!("{base}/.well-known/openid-configuration/jwks"),
        "introspection_endpoint": format!("{base}/connect/introspect"),
        "revocation_endpoint": format!("{base}/connect/revocation"),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        // RFC 9207: the authorization response names its issuer, against mix-up attacks.
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "scopes_supported": scopes,
        // Of access tokens, id_tokens and userinfo together.
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "auth_time",
            "nonce", "at_hash", "name", "email", "preferred_username", "account_code", "role",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "service_documentation": format!("{base}/apps/connected-apps"),
    })
}

/// How long clients may cache discovery and the JWKS: a minute, or less when keys activate sooner after
/// a rotation, so that a resource server re-reads the JWKS before it meets a token signed with a key
/// that was not yet in its copy.
fn cache_seconds(state: &IdentityState) -> u64 {
    state.config.key_activation.as_secs().min(60)
}

fn cached_json(seconds: u64, value: Value) -> Response {
    let control = format!("public, max-age={seconds}");
    ([(header::CACHE_CONTROL, control)], Json(value)).into_response()
}

pub async fn openid_configuration(State(state): State<IdentityState>) -> Response {
    cached_json(cache_seconds(&state), metadata(&state))
}

pub async fn authorization_server(State(state): State<IdentityState>) -> Response {
    cached_json(cache_seconds(&state), metadata(&state))
}

pub async fn jwks(State(state): State<IdentityState>) -> Response {
    let keys = state.identity.keys.current();
    let jwks: Vec<_> = keys.published.iter().map(|k| &k.jwk).collect();
    cached_json(cache_seconds(&state), json!({ "keys": jwks }))
}
