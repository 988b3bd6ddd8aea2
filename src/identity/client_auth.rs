//! Client authentication for the token, introspection and revocation endpoints.
//!
//! Secrets stay argon2id hashes at rest, yet a steady stream of token requests must not pay argon2 each
//! time. So: the secret's first characters (its lookup id) select the one stored row to check; a full
//! argon2 verification of that row runs once per process (concurrent first requests wait for that one
//! run), after which requests are matched against a keyed MAC of the secret (HMAC-SHA256 under a random
//! per-process key, bound to the row's id and stored hash), forgotten after `CACHE_TTL` of disuse. No
//! plain secret is kept. The row is read from the database on every request, so a deleted secret or app
//! stops working at once, on every instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::error::OAuthError;
use super::limits::AttemptLimits;
use super::params::Params;
use crate::domain::{AllowedAddresses, AppKind, PasswordHasher, SecretValue};
use crate::store::{ClientSecretRow, SecretUse, Store};

/// How long one argon2 verification vouches for a secret in this process without being used.
const CACHE_TTL: Duration = Duration::from_secs(10 * 60);
/// What the client presented.
pub struct Credentials {
    pub client_id: String,
    pub secret: SecretValue,
    /// HTTP Basic was used: failures answer 401 with `WWW-Authenticate`.
    pub basic: bool,
}

/// A client that proved who it is.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    pub client_id: String,
    pub secret_id: i64,
    pub scopes: Vec<String>,
    /// Which grant the client may use.
    pub kind: AppKind,
    /// HTTP Basic was used (a refusal answers 401 with a challenge).
    pub basic: bool,
    /// The app is suspended: the token endpoint refuses it.
    pub suspended: bool,
    /// The app's own access-token lifetime; `None`: the server's.
    pub token_lifetime_seconds: Option<i64>,
    /// Where the app may ask for tokens from; empty: anywhere.
    pub allowed_addresses: AllowedAddresses,
}

/// Decodes one half of a Basic credential: RFC 6749 §2.3.1 form-encodes id and secret before Basic.
fn form_decode(part: &str) -> Option<String> {
    crate::http::urlencoded::decode_component(part).ok()
}

/// Finds the client's credentials: HTTP Basic (`client_secret_basic`) or the body (`client_secret_post`),
/// exactly one of them.
pub fn credentials(headers: &HeaderMap, params: &Params) -> Result<Credentials, OAuthError> {
    let body_id = params.single("client_id")?;
    let body_secret = params.single("client_secret")?;
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let value = value
                .to_str()
                .map_err(|_| OAuthError::InvalidClient { basic: true })?;
            let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OAuthError::InvalidRequest(
                    "client authentication must use HTTP Basic or the request body",
                ));
            }
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(OAuthError::InvalidClient { basic: true })?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or(OAuthError::InvalidClient { basic: true })?;
            let id = form_decode(id).ok_or(OAuthError::InvalidClient { basic: true })?;
            let secret = form_decode(secret).ok_or(OAuthError::InvalidClient { basic: true })?;
            Some((id, secret))
        }
    };
    match (basic, body_id, body_secret) {
        (Some(_), _, Some(_)) => Err(OAuthError::InvalidRequest(
            "use one client authentication method, not both HTTP Basic and client_secret",
        )),
        (Some((id, _)), Some(body_id), None) if body_id != id => Err(OAuthError::InvalidRequest(
            "client_id in the body differs from the one in HTTP Basic",
        )),
        (Some((client_id, secret)), _, None) => Ok(Credentials {
            client_id,
            secret: SecretValue::from_presented(secret),
            basic: true,
        }),
        (None, Some(id), Some(secret)) => Ok(Credentials {
            client_id: id.to_owned(),
            secret: SecretValue::from_presented(secret.to_owned()),
            basic: false,
        }),
        // No secret anywhere (a client_id alone identifies, it does not authenticate): RFC 6749 §5.2's
        // "no client authentication included" is `invalid_client`.
        (None, _, _) => Err(OAuthError::NoClientAuthentication),
    }
}

pub struct Authenticator {
    mac_key: hmac::Key,
    verified: Mutex<HashMap<i64, (hmac::Tag, Instant)>>,
    in_flight: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    limits: AttemptLimits,
    /// Secret id -> when (and from where) it last obtained a token; written to the database in batches.
    last_used: Mutex<HashMap<i64, SecretUse>>,
    clock: crate::clock::Clock,
}

impl Authenticator {
    pub fn new(clock: crate::clock::Clock) -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self {
            mac_key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            verified: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            limits: AttemptLimits::new(clock.clone()),
            last_used: Mutex::new(HashMap::new()),
            clock,
        }
    }

    fn tag(&self, secret_id: i64, stored_hash: &str, presented: &SecretValue) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.mac_key);
        ctx.update(&secret_id.to_le_bytes());
        ctx.update(stored_hash.as_bytes());
        ctx.update(&[0]);
        ctx.update(presented.expose().as_bytes());
        ctx.sign()
    }

    /// True when this exact secret of this row was verified recently; a hit keeps the entry alive
    /// (verifying again would prove nothing new: the MAC already shows it is the same secret).
    fn recently_verified(&self, secret_id: i64, tag: &hmac::Tag) -> bool {
        let Ok(mut map) = self.verified.lock() else {
            return false;
        };
        match map.get_mut(&secret_id) {
            Some((known, at))
                if bool::from(known.as_ref().ct_eq(tag.as_ref())) && at.elapsed() < CACHE_TTL =>
            {
                *at = Instant::now();
                true
            }
            _ => false,
        }
    }

    /// One lock per secret, so concurrent first requests for it wait for a single argon2 run instead of
    /// each running (and each counting against the rate limits).
    fn flight(&self, secret_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        match self.in_flight.lock() {
            Ok(mut map) => map.entry(secret_id).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    pub async fn authenticate(
        &self,
        store: &Store,
        creds: Credentials,
        addr: Option<IpAddr>,
    ) -> Result<AuthenticatedClient, OAuthError> {
        let fail = OAuthError::InvalidClient { basic: creds.basic };
        let row = store
            .client_secret(&creds.client_id, creds.secret.lookup_id())
            .await?;

        let Some(row) = row else {
            // Unknown client or lookup id: limited, then argon2 against the dummy hash, so the answer
            // takes as long as for a real client and tells nothing about which client IDs exist.
            self.limits.admit(store, &creds.client_id, addr).await?;
            PasswordHasher.verify_async(creds.secret, None).await?;
            return Err(fail);
        };
        let tag = self.tag(row.secret_id, &row.secret_hash.0, &creds.secret);
        if self.recently_verified(row.secret_id, &tag) {
            return self
                .accept(&creds.client_id, creds.basic, &row, addr)
                .ok_or(fail);
        }

        let flight = self.flight(row.secret_id);
        let _turn = flight.lock().await;
        // Someone ahead of us in the queue may have verified this very secret meanwhile.
        if self.recently_verified(row.secret_id, &tag) {
            return self
                .accept(&creds.client_id, creds.basic, &row, addr)
                .ok_or(fail);
        }
        self.limits.admit(store, &creds.client_id, addr).await?;
        let ok = PasswordHasher
            .verify_async(creds.secret, Some(row.secret_hash.clone()))
            .await?;
        if !ok {
            return Err(fail);
        }
        if let Ok(mut map) = self.verified.lock() {
            map.insert(row.secret_id, (tag, Instant::now()));
        }
        self.accept(&creds.client_id, creds.basic, &row, addr)
            .ok_or(fail)
    }

    /// The client, once its secret proved right: `None` when the secret has expired by the server's
    /// clock, checked after the proof (cached or not) so that an expired secret is refused exactly like
    /// a wrong one, and costs what a wrong one costs. The use is recorded ("last used", and from
    /// where) only when the token endpoint will not refuse the app anyway (suspended, or asking from
    /// an address it does not allow: `token::gate`).
    fn accept(
        &self,
        client_id: &str,
        basic: bool,
        row: &ClientSecretRow,
        addr: Option<IpAddr>,
    ) -> Option<AuthenticatedClient> {
        let now = self.clock.now();
        if row.expires_at.is_some_and(|end| end <= now) {
            return None;
        }
        let allowed_addresses = AllowedAddresses::from_stored(&row.allowed_addresses);
        if !row.suspended && allowed_addresses.allows(addr) {
            self.last_used()
                .insert(row.secret_id, SecretUse { at: now, addr });
        }
        Some(AuthenticatedClient {
            client_id: client_id.to_owned(),
            secret_id: row.secret_id,
            scopes: row.scopes.clone(),
            kind: row.kind,
            basic,
            suspended: row.suspended,
            token_lifetime_seconds: row.token_lifetime_seconds,
            allowed_addresses,
        })
    }

    /// Writes the pending "last used" times; called periodically and at shutdown.
    /// Times that could not be written are kept for the next round (unless a newer use came
    /// meanwhile), not dropped.
    pub async fn flush_last_used(&self, store: &Store) -> anyhow::Result<()> {
        let pending: Vec<(i64, SecretUse)> = self.last_used().drain().collect();
        if pending.is_empty() {
            return Ok(());
        }
        if let Err(e) = store.record_secret_use(&pending).await {
            let mut map = self.last_used();
            for (secret_id, at) in pending {
                map.entry(secret_id).or_insert(at);
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// The pending "last used" times, even after a panic elsewhere while they were held (each change
    /// to them is one insert or a drain).
    fn last_used(&self) -> std::sync::MutexGuard<'_, HashMap<i64, SecretUse>> {
        self.last_used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets stale cache entries and idle rate-limit keys, so memory stays flat.
    pub fn housekeeping(&self) {
        if let Ok(mut map) = self.verified.lock() {
            map.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
        }
        if let Ok(mut map) = self.in_flight.lock() {
            // Only locks nobody holds or waits for.
            map.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        self.limits.housekeeping();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    fn params(body: &str) -> Params {
        Params::from_form(&headers(None), body.as_bytes()).unwrap()
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "DEMO-SP-A%2BB:s%3Ac" -> id "DEMO-SP-A+B", secret "s:c"
        let auth = format!("Basic {}", STANDARD.encode("DEMO-SP-A%2BB:s%3Ac"));
        let c = credentials(&headers(Some(&auth)), &params(""))
            .ok()
            .unwrap();
        assert_eq!(c.client_id, "DEMO-SP-A+B");
        assert_eq!(c.secret.expose(), "s:c");
        assert!(c.basic);
    }

    #[test]
    fn body_credentials_work_alone() {
        let c = credentials(&headers(None), &params("client_id=X&client_secret=Y"))
            .ok()
            .unwrap();
        assert_eq!(
            (c.client_id.as_str(), c.secret.expose(), c.basic),
            ("X", "Y", false)
        );
    }

    #[test]
    fn both_methods_are_an_invalid_request_and_neither_is_an_invalid_client() {
        let auth = format!("Basic {}", STANDARD.encode("X:Y"));
        assert!(matches!(
            credentials(
                &headers(Some(&auth)),
                &params("client_id=X&client_secret=Y")
            ),
            Err(OAuthError::InvalidRequest(_))
        ));
        for nothing in ["", "client_id=X", "client_secret=Y"] {
            assert!(
                matches!(
                    credentials(&headers(None), &params(nothing)),
                    Err(OAuthError::NoClientAuthentication)
                ),
                "{nothing:?}"
            );
        }
    }

    #[test]
    fn malformed_basic_is_an_authentication_failure() {
        for bad in [
            "Basic !!!",
            "Basic",
            &format!("Basic {}", STANDARD.encode("no-colon")),
        ] {
            assert!(matches!(
                credentials(&headers(Some(bad)), &params("")),
                Err(OAuthError::InvalidClient { basic: true })
            ));
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn form_encode(s: &str) -> String {
        form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    proptest! {
        /// Whatever id and secret a client has, Basic with RFC 6749 §2.3.1 encoding gives them back.
        #[test]
        fn basic_credentials_round_trip(id in "\\PC{1,40}", secret in "\\PC{1,60}") {
            let encoded = STANDARD.encode(format!("{}:{}", form_encode(&id), form_encode(&secret)));
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
            h.insert(header::AUTHORIZATION, format!("Basic {encoded}").parse().unwrap());
            let params = Params::from_form(&h, b"grant_type=client_credentials").unwrap();
            let c = credentials(&h, &params).ok().unwrap();
            prop_assert_eq!(c.client_id, id);
            prop_assert_eq!(c.secret.expose(), secret.as_str());
        }

        /// Arbitrary Authorization values and bodies never panic: each is credentials or an OAuth error.
        #[test]
        fn arbitrary_input_never_panics(auth in "[ -~]{0,80}", body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
            if let Ok(v) = auth.parse() {
                h.insert(header::AUTHORIZATION, v);
            }
            if let Ok(params) = Params::from_form(&h, &body) {
                let _ = credentials(&h, &params);
            }
        }
    }
}
