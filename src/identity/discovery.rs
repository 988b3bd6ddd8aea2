//! Discovery (`/.well-known/openid-configuration`, RFC 8414's `/.well-known/oauth-authorization-server`)
//! and the JWKS.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::IdentityState;

fn metadata(state: &IdentityState) -> Value {
    let base = &state.config.public_url;
    let scopes: Vec<&str> = state.catalog.names().collect();
    json!({
        "issuer": base,
        "token_endpoint": format!("{base}/connect/token"),
        "jwks_uri": format!("{base}/.well-known/openid-configuration/jwks"),
        "introspection_endpoint": format!("{base}/connect/introspect"),
        "revocation_endpoint": format!("{base}/connect/revocation"),
        "grant_types_supported": ["client_credentials"],
        // Only the client-credentials grant: no authorization endpoint, so no response types.
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "claims_supported": ["iss", "sub", "client_id", "aud", "scope", "account_code", "iat", "nbf", "exp", "jti"],
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
