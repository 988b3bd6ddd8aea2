//! The OAuth front door: JSON for programs, client authentication, no sessions. Mirrors the hosted
//! identity server's paths (`/connect/token`, `/.well-known/openid-configuration/jwks`, ...).

pub mod client_auth;
mod discovery;
mod error;
pub mod introspect;
pub mod jwt;
pub mod keys;
pub mod params;
mod token;

use axum::Router;
use axum::routing::{get, post};

pub use client_auth::Authenticator;
pub use error::OAuthError;
pub use keys::KeyRing;

use crate::state::AppState;

/// The identity server's own state: its keys and its client authenticator (with caches and limits).
pub struct Identity {
    pub keys: KeyRing,
    pub authenticator: Authenticator,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/connect/token", post(token::token))
        .route("/connect/introspect", post(introspect::introspect))
        .route("/connect/revocation", post(introspect::revoke))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::authorization_server),
        )
        .route(
            "/.well-known/openid-configuration/jwks",
            get(discovery::jwks),
        )
}

/// Responses that carry tokens or token metadata must not be cached (RFC 6749 §5.1).
const NO_STORE: [(axum::http::HeaderName, &str); 2] = [
    (axum::http::header::CACHE_CONTROL, "no-store"),
    (axum::http::header::PRAGMA, "no-cache"),
];
