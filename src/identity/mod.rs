//! The OAuth front door: JSON for programs, client authentication, no sessions. Mirrors the hosted
//! identity server's paths (`/connect/token`, `/.well-known/openid-configuration/jwks`, ...).

mod active;
pub mod client_auth;
mod discovery;
mod error;
mod extract;
pub mod introspect;
mod limits;
pub mod params;
pub mod pkce;
mod refusals;
mod token;
mod userinfo;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use crate::signing::KeyRing;
pub use client_auth::Authenticator;
pub use error::OAuthError;
pub use extract::OAuthForm;
pub use refusals::RefusalLog;

use crate::http::door::door;
use crate::state::Core;

/// The identity server's own parts: its keys and its client authenticator (with caches and limits).
pub struct Identity {
    /// Shared with the dashboard's door, which checks the id_tokens apps send to `/connect/endsession`.
    pub keys: Arc<KeyRing>,
    pub authenticator: Authenticator,
    /// Bounds the audit rows of refused token requests.
    pub refusals: refusals::RefusalLog,
}

/// What the identity door's handlers see: the core, and the identity server's own parts.
#[derive(Clone)]
pub struct IdentityState {
    pub core: Core,
    pub identity: Arc<Identity>,
}

impl std::ops::Deref for IdentityState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

/// The identity door's routes, each answering in RFC 6749 JSON whatever fails.
pub fn router(state: IdentityState) -> Router {
    let routes = Router::new()
        .route("/connect/token", post(token::token))
        .route("/connect/introspect", post(introspect::introspect))
        .route("/connect/revocation", post(introspect::revoke))
        .route(
            "/connect/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
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
        );
    door(routes, |status| OAuthError::Shared(status).into_response()).with_state(state)
}

/// Whether an address belongs to this door, so that even a path no route has gets a JSON answer.
pub fn owns(path: &str) -> bool {
    path.starts_with("/connect/") || path.starts_with("/.well-known/")
}

/// The answer for an address under this door that no route has.
pub fn not_found() -> Response {
    OAuthError::Shared(axum::http::StatusCode::NOT_FOUND).into_response()
}
