//! Limits on client authentication: failed (or first, uncached) verifications per client ID and per
//! source address, so that guessing a secret, or a flood of unknown client IDs, costs the guesser more
//! than it costs the server. Counted first in this process (cheap), then in the counts every instance
//! shares (`store::attempts`), so that N instances do not allow N times the attempts.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::OAuthError;
use crate::store::{Store, attempt_key};

/// Failed (or uncached) authentications allowed per client ID per minute, as a burst.
const PER_CLIENT_PER_MINUTE: u32 = 10;
/// ... and per source address.
const PER_ADDRESS_PER_MINUTE: u32 = 30;

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

pub struct AttemptLimits {
    per_client: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: crate::clock::Clock,
}

impl AttemptLimits {
    pub fn new(clock: crate::clock::Clock) -> Self {
        Self {
            per_client: RateLimiter::keyed(per_minute(PER_CLIENT_PER_MINUTE)),
            per_address: RateLimiter::keyed(per_minute(PER_ADDRESS_PER_MINUTE)),
            clock,
        }
    }

    /// Counts one expensive attempt against the client ID and the source address: first in this
    /// process (cheap, and a flood refused here costs the database nothing), then in the counts every
    /// instance shares, so that N instances do not allow N times the attempts.
    pub async fn admit(
        &self,
        store: &Store,
        client_id: &str,
        addr: Option<IpAddr>,
    ) -> Result<(), OAuthError> {
        let now = DefaultClock::default().now();
        let refused = self
            .per_client
            .check_key(&client_id.to_owned())
            .err()
            .or_else(|| addr.and_then(|a| self.per_address.check_key(&a).err()));
        if let Some(not_until) = refused {
            return Err(OAuthError::TooManyAttempts {
                retry_after_secs: not_until.wait_time_from(now).as_secs().max(1),
            });
        }
        // The same limits again, in the rows every instance spends from (GCRA, like `governor`: a
        // burst of `per_minute`, refilled one every 60 / per_minute seconds).
        let now_ms =
            i64::try_from(self.clock.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let mut shared = vec![(
            attempt_key(&format!("client id:{client_id}")),
            PER_CLIENT_PER_MINUTE,
        )];
        if let Some(addr) = addr {
            shared.push((
                attempt_key(&format!("client address:{addr}")),
                PER_ADDRESS_PER_MINUTE,
            ));
        }
        for (key, per_minute) in shared {
            if let Some(wait_ms) = store
                .spend_rate(&key, now_ms, i64::from(per_minute))
                .await?
            {
                return Err(OAuthError::TooManyAttempts {
                    retry_after_secs: u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000).max(1),
                });
            }
        }
        Ok(())
    }

    /// Forgets idle keys of the in-process limits, so memory stays flat.
    pub fn housekeeping(&self) {
        self.per_client.retain_recent();
        self.per_address.retain_recent();
    }
}
