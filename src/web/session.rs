//! The typed session: constant keys, the CSRF token, and who is signed in.
//!
//! The session is bound to a fingerprint of the user's password hash, so a password change ends every
//! other session of that user (axum-login's `session_auth_hash`).

use blake2::{Blake2s256, Digest};
use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::domain::SecretHash;
use crate::web::error::AppError;

const CSRF_KEY: &str = "csrf";
const AUTH_KEY: &str = "auth";
const FLASH_KEY: &str = "flash";

#[derive(Serialize, Deserialize)]
struct SignedIn {
    user_id: i64,
    /// Hex digest of the password hash at sign-in.
    auth_hash: String,
    /// When the person typed their password (Unix seconds): the id_token's `auth_time`. Absent in
    /// sessions begun before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<i64>,
}

fn fingerprint(hash: &SecretHash) -> String {
    Blake2s256::digest(hash.0.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// The session token forms carry, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await? {
        return Ok(token);
    }
    let token = new_token();
    session.insert(CSRF_KEY, &token).await?;
    Ok(token)
}

/// Refuses a state-changing request whose form token is missing or differs from the session's.
pub(super) async fn verify_csrf(session: &Session, presented: &str) -> Result<(), AppError> {
    let expected = session
        .get::<String>(CSRF_KEY)
        .await?
        .ok_or(AppError::Csrf)?;
    if !presented.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Signs a user in at `at`: a new session id (no fixation) and a new CSRF token.
pub async fn sign_in(
    session: &Session,
    user_id: i64,
    password_hash: &SecretHash,
    at: time::OffsetDateTime,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session
        .insert(
            AUTH_KEY,
            SignedIn {
                user_id,
                auth_hash: fingerprint(password_hash),
                at: Some(at.unix_timestamp()),
            },
        )
        .await?;
    session.insert(CSRF_KEY, new_token()).await?;
    Ok(())
}

/// The signed-in user's id, if the session still matches `hash_of(user_id)`'s password hash.
pub async fn signed_in_user(session: &Session) -> Result<Option<(i64, String)>, AppError> {
    Ok(session
        .get::<SignedIn>(AUTH_KEY)
        .await?
        .map(|s| (s.user_id, s.auth_hash)))
}

/// When the signed-in person typed their password, if the session knows.
pub async fn signed_in_at(session: &Session) -> Result<Option<time::OffsetDateTime>, AppError> {
    Ok(session
        .get::<SignedIn>(AUTH_KEY)
        .await?
        .and_then(|s| s.at)
        .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok()))
}

/// True when the fingerprint taken at sign-in still matches the user's password hash.
pub fn still_valid(auth_hash: &str, current: &SecretHash) -> bool {
    bool::from(auth_hash.as_bytes().ct_eq(fingerprint(current).as_bytes()))
}

/// Ends the session: its row is deleted and the cookie expires.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

/// A confirmation shown once, on the next page (after a POST -> 303 -> GET).
pub async fn set_flash(session: &Session, message: impl Into<String>) -> Result<(), AppError> {
    session.insert(FLASH_KEY, message.into()).await?;
    Ok(())
}

/// The pending confirmation, removed so it shows only once.
pub async fn take_flash(session: &Session) -> Result<Option<String>, AppError> {
    // Read first: removing an absent key would still mark the session as changed and cost a write.
    if session.get::<String>(FLASH_KEY).await?.is_none() {
        return Ok(None);
    }
    Ok(session.remove::<String>(FLASH_KEY).await?)
}
