//! The keys this process signs and verifies with: loaded from the database, swapped whole when another
//! process rotates them, and reloaded once for a token naming a key not seen yet.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use time::OffsetDateTime;

use super::jwt::{self, AccessClaims};
use super::keys::{KeySet, load_set};
use crate::store::Store;

/// Holds the current `KeySet`; swapped whole when keys change.
pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
    token_lifetime: Duration,
}

impl KeyRing {
    /// Loads the keys, generating the first one on a new database.
    pub async fn load(
        store: &Store,
        token_lifetime: Duration,
        now: OffsetDateTime,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            current: RwLock::new(Arc::new(load_set(store, token_lifetime, now).await?)),
            token_lifetime,
        })
    }

    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads from the database: picks up a rotation done by another process and drops keys whose
    /// tokens have all expired.
    pub async fn reload(&self, store: &Store, now: OffsetDateTime) -> anyhow::Result<()> {
        let set = Arc::new(load_set(store, self.token_lifetime, now).await?);
        match self.current.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
        Ok(())
    }

    /// `token`'s access-token claims if it is ours and valid at `at`. A token naming a `kid` this
    /// instance does not know yet (signed by another instance that has just started with a rotated
    /// key, `FRONTDESK_KEY_ACTIVATION_SECONDS=0`) is checked again after one reload; a token that
    /// verifies never costs a query.
    pub async fn verify_access(
        &self,
        store: &Store,
        token: &str,
        issuer: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<Option<AccessClaims>> {
        let now = at.unix_timestamp();
        let keys = self.current();
        if let Some(claims) = jwt::verify(&keys, token, issuer, now) {
            return Ok(Some(claims));
        }
        if !jwt::unknown_kid(&keys, token) {
            return Ok(None);
        }
        self.reload_if_rotated(store, at).await?;
        Ok(jwt::verify(&self.current(), token, issuer, now))
    }

    /// Reloads only when a newer key exists than the one signing now.
    pub async fn reload_if_rotated(
        &self,
        store: &Store,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        if store.newest_signing_key_id().await? != Some(self.current().newest_id) {
            self.reload(store, now).await?;
        }
        Ok(())
    }
}
