//! Who is calling: an app with an access token it obtained with client credentials (`Authorization:
//! Bearer`), active as introspection decides (signed by our keys for our issuer, unexpired, its secret
//! still standing, not revoked, its app not suspended nor its tokens revoked since), within its rate limit. `Reader` and `Manager` add the scope check, so
//! a handler cannot forget it.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::ApiState;
use super::problem::ApiError;
use crate::signing::jti;

/// Lets an app read apps, their secrets (never values) and the activity.
pub const READ_SCOPE: &str = "frontdesk:apps.read";
/// Lets an app create, change and delete apps and secrets (and read them).
pub const MANAGE_SCOPE: &str = "frontdesk:apps.manage";

/// Requests one client may make per minute, as a burst refilled evenly.
pub const REQUESTS_PER_MINUTE: u32 = 300;

/// The per-client request limit of this process, and how many requests it has counted.
pub struct RateLimit(DefaultKeyedRateLimiter<String>, AtomicU64);

/// Every this many requests the limiter forgets clients whose limit has refilled (a pass over the
/// clients it knows, which are only verified client IDs: few, so cheap).
const HOUSEKEEPING_EVERY: u64 = 1024;

impl RateLimit {
    pub fn per_minute(n: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self(RateLimiter::keyed(quota), AtomicU64::new(0))
    }

    /// Counts one request of `client_id`; how long to wait when it is over the limit.
    fn admit(&self, client_id: &str) -> Result<(), ApiError> {
        if self.1.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1 {
            self.housekeeping();
        }
        self.0
            .check_key(&client_id.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                ApiError::TooManyRequests {
                    retry_after_secs: wait.as_secs().max(1),
                }
            })
    }

    /// Forgets idle clients, so memory stays flat.
    fn housekeeping(&self) {
        self.0.retain_recent();
    }

    /// How many clients the limiter remembers.
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.0.len()
    }
}

/// The calling app: its client ID, the secret its token was obtained with, the scopes its token holds,
/// and its address for the audit log.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub secret_id: i64,
    pub scopes: Vec<String>,
    pub addr: Option<std::net::IpAddr>,
}

impl Caller {
    fn holds(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The token of `Authorization: Bearer <token>`; `None` when no such header came.
fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::InvalidToken);
    }
    Ok(Some(token.trim()))
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let token = bearer(parts)?.ok_or(ApiError::NoToken)?;
        let claims = state
            .keys
            .verify_access(
                &state.store,
                token,
                &state.config.public_url,
                state.clock.now(),
            )
            .await?
            .ok_or(ApiError::InvalidToken)?;
        // A person's grant (a store app's token) is refused: this API is for apps acting as themselves.
        let secret_id = jti::secret_id_of(&claims.jti).ok_or(ApiError::InvalidToken)?;
        // Counted once the signature is ours, so nobody can spend another client's allowance.
        state.limits.admit(&claims.client_id)?;
        let standing = state
            .store
            .secret_standing(&claims.client_id, secret_id)
            .await?;
        if !standing.is_some_and(|s| s.admits(claims.iat))
            || state.store.token_is_revoked(&claims.jti).await?
        {
            return Err(ApiError::InvalidToken);
        }
        let Ok(crate::http::ClientAddr(addr)) =
            crate::http::ClientAddr::from_request_parts(parts, state).await;
        Ok(Self {
            client_id: claims.client_id,
            secret_id,
            scopes: claims.scope,
            addr,
        })
    }
}

/// A caller that may read: `frontdesk:apps.read` or `frontdesk:apps.manage`.
pub struct Reader;

impl FromRequestParts<ApiState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.holds(READ_SCOPE) || caller.holds(MANAGE_SCOPE) {
            Ok(Self)
        } else {
            Err(ApiError::InsufficientScope(READ_SCOPE))
        }
    }
}

/// A caller that may write: `frontdesk:apps.manage`.
pub struct Manager(pub Caller);

impl FromRequestParts<ApiState> for Manager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.holds(MANAGE_SCOPE) {
            Ok(Self(caller))
        } else {
            Err(ApiError::InsufficientScope(MANAGE_SCOPE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients whose limit has refilled are forgotten as requests go on, so a stream of new client IDs
    /// does not grow memory for ever.
    #[test]
    fn idle_clients_are_forgotten_every_so_many_requests() {
        // 60,000 a minute: a client's one request is forgotten after a millisecond.
        let limit = RateLimit::per_minute(60_000);
        for n in 0..HOUSEKEEPING_EVERY - 1 {
            limit.admit(&format!("DEMO-SP-{n}")).unwrap();
        }
        assert_eq!(limit.clients(), HOUSEKEEPING_EVERY as usize - 1);
        std::thread::sleep(std::time::Duration::from_millis(20));
        limit.admit("DEMO-SP-LAST").unwrap();
        assert_eq!(limit.clients(), 1, "only the newest client is remembered");
    }

    #[test]
    fn a_client_over_its_limit_is_told_when_to_come_back() {
        let limit = RateLimit::per_minute(2);
        assert!(limit.admit("a").is_ok());
        assert!(limit.admit("a").is_ok());
        match limit.admit("a") {
            Err(ApiError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            limit.admit("b").is_ok(),
            "each client has its own allowance"
        );
    }
}
