//! Refresh tokens: one-time use with rotation; a used one presented again revokes its family.

use time::OffsetDateTime;

use super::{GrantRow, scope_list};
use crate::store::{Store, StoreError, from_text};

/// A refresh token to store.
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub scopes: &'a [String],
    /// Sliding end: at most the grant's `expires_at`.
    pub expires_at: OffsetDateTime,
}

/// What presenting a refresh token found.
#[derive(Debug)]
pub enum RefreshUse {
    /// First use: the token is now used. Its scopes, its own end, and its grant.
    Fresh {
        scopes: Vec<String>,
        expires_at: OffsetDateTime,
        grant: Box<GrantRow>,
    },
    /// Used before: its whole family (grant) is revoked now.
    Reused,
    Unknown,
}

/// Stores refresh token `$token` (a `NewRefreshToken`) of grant `$grant_id` at `$now` through `$executor`
/// (a pool or a transaction, of either backend).
macro_rules! insert_refresh_token {
    ($executor:expr, $grant_id:expr, $token:expr, $now:expr) => {{
        let token: &$crate::store::NewRefreshToken<'_> = $token;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, grant_id, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token.token_hash)
        .bind($grant_id)
        .bind(token.scopes.join(" ")) // as `scope_text` stores them
        .bind($now)
        .bind($crate::store::to_text(token.expires_at))
        .execute($executor)
        .await
        .map(|_| ())
    }};
}
pub(super) use insert_refresh_token;

impl Store {
    /// Marks the refresh token used and returns it with its grant, in one statement, so that of two
    /// refreshes racing with one token exactly one gets `Fresh`. A token found already used revokes
    /// its whole family.
    pub async fn use_refresh_token(&self, token_hash: &str) -> Result<RefreshUse, StoreError> {
        if !crate::store::searchable(token_hash) {
            return Ok(RefreshUse::Unknown);
        }
        let now = self.now_text();
        let claimed: Option<(i64, String, String)> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "UPDATE refresh_tokens SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL
                 RETURNING grant_id, scopes, expires_at",
            )
            .bind(token_hash)
            .bind(&now)
            .fetch_optional(p)
            .await
        })?;
        if let Some((grant_id, scopes, expires_at)) = claimed {
            return Ok(match self.grant(grant_id).await? {
                Some(grant) => RefreshUse::Fresh {
                    scopes: scope_list(&scopes),
                    expires_at: from_text(&expires_at),
                    grant: Box::new(grant),
                },
                None => RefreshUse::Unknown,
            });
        }
        match self.refresh_token_grant(token_hash).await? {
            Some(grant_id) => {
                self.revoke_grant(grant_id).await?;
                tracing::warn!(
                    grant = grant_id,
                    "refresh token used twice: its family is revoked"
                );
                Ok(RefreshUse::Reused)
            }
            None => Ok(RefreshUse::Unknown),
        }
    }

    /// The grant a refresh token belongs to, used or not.
    pub async fn refresh_token_grant(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        if !crate::store::searchable(token_hash) {
            return Ok(None);
        }
        Ok(on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(p)
                .await
        })?)
    }

    /// Stores the next refresh token of grant `grant_id`'s family.
    pub async fn add_refresh_token(
        &self,
        grant_id: i64,
        token: &NewRefreshToken<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => insert_refresh_token!(p, grant_id, token, &now))?;
        Ok(())
    }

    /// Revokes grant `id` and so its whole family: refresh tokens stop working and access tokens
    /// issued from it introspect as inactive. Idempotent.
    pub async fn revoke_grant(&self, id: i64) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => {
            sqlx::query("UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(&now)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}
