//! RSA signing keys: generated on first start, rotated by `frontdesk keys rotate`, published in the JWKS
//! until the last token they signed has expired.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde::Serialize;
use time::OffsetDateTime;

use crate::store::{SigningKeyRow, Store};

/// Tokens may be checked with a little clock skew; keys stay published that much longer.
const SKEW: Duration = Duration::from_secs(60);

/// The key that signs new tokens.
pub struct SigningKey {
    pub kid: String,
    pub(super) pair: RsaKeyPair,
    pub(super) rng: SystemRandom,
}

/// A key in the JWKS, with what verifies its signatures.
pub struct PublishedKey {
    pub jwk: Jwk,
    pub decoding: DecodingKey,
}

#[derive(Serialize, Clone, Debug)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
}

/// The keys in force at one moment.
pub struct KeySet {
    pub newest_id: i64,
    pub signing: SigningKey,
    pub published: Vec<PublishedKey>,
}

impl KeySet {
    pub fn find(&self, kid: &str) -> Option<&PublishedKey> {
        self.published.iter().find(|k| k.jwk.kid == kid)
    }
}

/// Holds the current `KeySet`; swapped whole when keys change.
pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
    token_lifetime: Duration,
}

fn jwk_of(pair: &RsaKeyPair) -> Jwk {
    let public = pair.public_key();
    let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
    // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    Jwk {
        kty: "RSA",
        use_: "sig",
        alg: "RS256",
        kid: URL_SAFE_NO_PAD.encode(digest.as_ref()),
        n,
        e,
    }
}

fn parse(row: &SigningKeyRow) -> anyhow::Result<RsaKeyPair> {
    let der = STANDARD
        .decode(&row.private_key)
        .map_err(|e| anyhow::anyhow!("signing key {}: {e}", row.kid))?;
    RsaKeyPair::from_pkcs8(&der).map_err(|e| anyhow::anyhow!("signing key {}: {e}", row.kid))
}

/// Whether a key is still published at `now`: the active one, or retired less than a token lifetime ago.
pub fn is_published(row: &SigningKeyRow, now: OffsetDateTime, token_lifetime: Duration) -> bool {
    match row.retired_at {
        None => true,
        Some(retired) => retired + token_lifetime + SKEW > now,
    }
}

/// Generates an RSA-2048 key and stores it as the key that signs from now on. Returns its `kid`.
pub async fn rotate(store: &Store, now: OffsetDateTime) -> anyhow::Result<String> {
    let (kid, pkcs8) = tokio::task::spawn_blocking(|| -> anyhow::Result<(String, String)> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|e| anyhow::anyhow!("generating an RSA key: {e}"))?;
        let der = pair
            .as_der()
            .map_err(|e| anyhow::anyhow!("encoding the RSA key: {e}"))?;
        Ok((jwk_of(&pair).kid, STANDARD.encode(der.as_ref())))
    })
    .await??;
    store.add_signing_key(&kid, &pkcs8, now).await?;
    Ok(kid)
}

async fn load_set(
    store: &Store,
    token_lifetime: Duration,
    now: OffsetDateTime,
) -> anyhow::Result<KeySet> {
    let mut rows = store.signing_keys().await?;
    if rows.is_empty() {
        let kid = rotate(store, now).await?;
        tracing::info!(kid, "generated the first token-signing key");
        rows = store.signing_keys().await?;
    }
    let newest = rows
        .iter()
        .max_by_key(|r| r.id)
        .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let signing = SigningKey {
        kid: newest.kid.clone(),
        pair: parse(newest)?,
        rng: SystemRandom::new(),
    };
    let mut published = Vec::new();
    for row in rows
        .iter()
        .rev()
        .filter(|r| is_published(r, now, token_lifetime))
    {
        let jwk = jwk_of(&parse(row)?);
        let n = URL_SAFE_NO_PAD.decode(&jwk.n)?;
        let e = URL_SAFE_NO_PAD.decode(&jwk.e)?;
        published.push(PublishedKey {
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            jwk,
        });
    }
    Ok(KeySet {
        newest_id: newest.id,
        signing,
        published,
    })
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
