//! RSA signing keys: generated on first start, rotated by `frontdesk keys rotate`, published in the JWKS
//! from the moment they are stored until the last token they signed has expired.
//!
//! A rotated key signs only from its activation time (`FRONTDESK_KEY_ACTIVATION_SECONDS` after the
//! rotation), and every instance switches at that same moment by its own clock, with no message
//! between them: by then each has reloaded its keys (every `BACKGROUND_TICK`) and published the new
//! one, and a resource server that cached the JWKS has had time to fetch it again.

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

use crate::store::{NewSigningKey, SigningKeyRow, Store};

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

/// The keys in force, as loaded at one moment.
pub struct KeySet {
    pub newest_id: i64,
    /// The key that was signing when the set was loaded.
    current: SigningKey,
    /// Keys that start signing later, oldest first, each with its activation time.
    upcoming: Vec<(OffsetDateTime, SigningKey)>,
    pub published: Vec<PublishedKey>,
}

impl KeySet {
    /// The key that signs at `now`: the newest one whose activation time has come.
    pub fn signing(&self, now: OffsetDateTime) -> &SigningKey {
        self.upcoming
            .iter()
            .rev()
            .find(|(activates_at, _)| *activates_at <= now)
            .map_or(&self.current, |(_, key)| key)
    }

    pub fn find(&self, kid: &str) -> Option<&PublishedKey> {
        self.published.iter().find(|k| k.jwk.kid == kid)
    }
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

/// Whether a key is published at `now`: one not yet retired (signing, or about to), or one retired
/// less than a token lifetime ago.
pub fn is_published(row: &SigningKeyRow, now: OffsetDateTime, token_lifetime: Duration) -> bool {
    match row.retired_at {
        None => true,
        Some(retired) => retired + token_lifetime + SKEW > now,
    }
}

/// A new RSA-2048 key: its `kid` and its base64 PKCS#8 DER.
async fn generate() -> anyhow::Result<(String, String)> {
    tokio::task::spawn_blocking(|| -> anyhow::Result<(String, String)> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|e| anyhow::anyhow!("generating an RSA key: {e}"))?;
        let der = pair
            .as_der()
            .map_err(|e| anyhow::anyhow!("encoding the RSA key: {e}"))?;
        Ok((jwk_of(&pair).kid, STANDARD.encode(der.as_ref())))
    })
    .await?
}

/// Generates a key and stores it, published from now on and signing from `now + activation`. Returns
/// its `kid` and activation time.
pub async fn rotate(
    store: &Store,
    now: OffsetDateTime,
    activation: Duration,
) -> anyhow::Result<(String, OffsetDateTime)> {
    let (kid, private_key) = generate().await?;
    // The first key of a database has nothing to wait for: nobody can have cached an older JWKS.
    let first = store.newest_signing_key_id().await?.is_none();
    let activates_at = if first { now } else { now + activation };
    let key = NewSigningKey {
        kid: &kid,
        private_key: &private_key,
    };
    store.add_signing_key(&key, now, activates_at).await?;
    Ok((kid, activates_at))
}

/// The row that signs at `now` (the newest activated one) and those that sign later, in id order.
fn signers(
    rows: &[SigningKeyRow],
    now: OffsetDateTime,
) -> Option<(&SigningKeyRow, Vec<&SigningKeyRow>)> {
    let current = rows
        .iter()
        .filter(|r| r.activates_at <= now)
        .max_by_key(|r| r.id)
        .or_else(|| rows.iter().min_by_key(|r| r.id))?;
    let upcoming = rows
        .iter()
        .filter(|r| r.id > current.id && r.activates_at > now)
        .collect();
    Some((current, upcoming))
}

/// What each of `rows` is at `now`, in the same order, in words for `frontdesk keys list`.
pub fn states(
    rows: &[SigningKeyRow],
    now: OffsetDateTime,
    token_lifetime: Duration,
) -> Vec<&'static str> {
    let signers = signers(rows, now);
    rows.iter()
        .map(|row| match &signers {
            Some((current, _)) if current.id == row.id => "signing",
            Some((_, upcoming)) if upcoming.iter().any(|r| r.id == row.id) => {
                "published, signs from its activation time"
            }
            _ if is_published(row, now, token_lifetime) => "published (verifies earlier tokens)",
            _ => "expired (no longer published)",
        })
        .collect()
}

pub(super) async fn load_set(
    store: &Store,
    token_lifetime: Duration,
    now: OffsetDateTime,
) -> anyhow::Result<KeySet> {
    let mut rows = store.signing_keys().await?;
    if rows.is_empty() {
        let (kid, private_key) = generate().await?;
        let key = NewSigningKey {
            kid: &kid,
            private_key: &private_key,
        };
        if store.add_first_signing_key(&key, now).await? {
            tracing::info!(kid, "generated the first token-signing key");
        } else {
            tracing::info!("another instance stored the first token-signing key; using it");
        }
        rows = store.signing_keys().await?;
    }
    let newest_id = rows
        .iter()
        .map(|r| r.id)
        .max()
        .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let (current, upcoming) =
        signers(&rows, now).ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let signing_key = |row: &SigningKeyRow| -> anyhow::Result<SigningKey> {
        Ok(SigningKey {
            kid: row.kid.clone(),
            pair: parse(row)?,
            rng: SystemRandom::new(),
        })
    };
    let current = signing_key(current)?;
    let upcoming = upcoming
        .into_iter()
        .map(|row| Ok((row.activates_at, signing_key(row)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
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
        newest_id,
        current,
        upcoming,
        published,
    })
}
