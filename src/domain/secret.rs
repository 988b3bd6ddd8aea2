//! Generated client secrets and the argon2id hashing shared by secrets and passwords.

use std::fmt;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use rand::Rng;
use rand::distributions::Alphanumeric;

/// A plain secret value. Lives only long enough to be hashed and shown once; `Debug` never prints it.
#[derive(Clone)]
pub struct SecretValue(String);

impl SecretValue {
    /// Length of generated secrets: 40 characters of `[A-Za-z0-9]`, about 238 bits.
    pub const LEN: usize = 40;
    /// The first characters identify the secret (they are stored, like a key id, so the token endpoint
    /// verifies exactly one hash); the remaining 32 characters (about 190 bits) are the secret proper.
    pub const LOOKUP_LEN: usize = 8;

    /// A fresh secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self(
            OsRng
                .sample_iter(&Alphanumeric)
                .take(Self::LEN)
                .map(char::from)
                .collect(),
        )
    }

    /// Wraps a value received from outside (a password, a presented client secret).
    pub fn from_presented(value: String) -> Self {
        Self(value)
    }

    /// The public identifier part of the secret (its first characters).
    pub fn lookup_id(&self) -> &str {
        self.0.get(..Self::LOOKUP_LEN).unwrap_or(&self.0)
    }

    /// The value itself: call only where it is shown once or hashed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

/// A random token for single-use links (43 characters of `[A-Za-z0-9]`, about 256 bits).
pub fn random_token() -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// How a link token is stored: its SHA-256, hex. Tokens are random, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An argon2id PHC string, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

/// Hashes and verifies with argon2id. CPU-heavy and ~19 MiB each: from async code use `hash_async` and
/// `verify_async`, which run it on the blocking pool, a few at a time.
#[derive(Clone, Copy, Default)]
pub struct PasswordHasher;

impl PasswordHasher {
    pub fn hash(self, value: &SecretValue) -> Result<SecretHash, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default().hash_password(value.0.as_bytes(), &salt)?;
        Ok(SecretHash(phc.to_string()))
    }

    /// True when `value` matches `hash`. A malformed stored hash never matches.
    pub fn verify(self, value: &SecretValue, hash: &SecretHash) -> bool {
        match PasswordHash::new(&hash.0) {
            Ok(parsed) => Argon2::default()
                .verify_password(value.0.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// At most one argon2 computation per core runs at once, whatever the load: each holds a core and
/// ~19 MiB, so unbounded bursts (say, of wrong client secrets) would exhaust memory and starve requests.
static ARGON2_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

async fn in_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _slot = ARGON2_SLOTS.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

impl PasswordHasher {
    /// `hash`, off the async threads.
    pub async fn hash_async(self, value: SecretValue) -> anyhow::Result<SecretHash> {
        in_slot(move || self.hash(&value))
            .await?
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    }

    /// `verify`, off the async threads. With no stored hash (unknown user or client) the value is
    /// verified against the dummy hash, so the answer takes as long as a real one.
    pub async fn verify_async(
        self,
        value: SecretValue,
        hash: Option<SecretHash>,
    ) -> anyhow::Result<bool> {
        let known = hash.is_some();
        in_slot(move || {
            let checked = hash.as_ref().or(self.dummy_hash());
            checked.is_some_and(|h| self.verify(&value, h)) && known
        })
        .await
    }
}

/// A hash of a random value nobody knows. Unknown users and clients are verified against it, so a failed
/// attempt costs the same argon2 work whether the name exists or not.
static DUMMY_HASH: LazyLock<Option<SecretHash>> =
    LazyLock::new(|| PasswordHasher.hash(&SecretValue::generate()).ok());

impl PasswordHasher {
    pub fn dummy_hash(self) -> Option<&'static SecretHash> {
        DUMMY_HASH.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_long_alphanumeric_and_distinct() {
        let a = SecretValue::generate();
        let b = SecretValue::generate();
        assert_eq!(a.expose().len(), SecretValue::LEN);
        assert!(a.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.lookup_id(), &a.expose()[..8]);
        assert_eq!(SecretValue::from_presented("abc".into()).lookup_id(), "abc");
    }

    #[test]
    fn debug_output_redacts_the_value() {
        let s = SecretValue::from_presented("hunter2hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_value() {
        let s = SecretValue::generate();
        let h = PasswordHasher.hash(&s).unwrap();
        assert!(h.0.starts_with("$argon2id$"));
        assert!(PasswordHasher.verify(&s, &h));
        assert!(!PasswordHasher.verify(&SecretValue::generate(), &h));
        assert!(!PasswordHasher.verify(&s, &SecretHash("garbage".into())));
    }
}
