//! Store apps acting for people: consents, authorization codes (`codes`), grants (one per code
//! exchange: the family of everything issued from it), refresh tokens (`refresh`) and the account's
//! view of them (`connections`). Codes and refresh tokens arrive here as SHA-256 hex digests
//! (`domain::token_hash`); the values themselves are never stored.

mod codes;
mod connections;
mod refresh;

use time::OffsetDateTime;

pub use codes::{AuthorizationCode, CodeRedemption, NewAuthorizationCode};
pub use connections::ConnectedApp;
pub use refresh::{NewRefreshToken, RefreshUse};

use super::audit::audit_insert;
use super::{AuditEntry, Store, StoreError, from_text, to_text};

/// Scopes as stored: space-separated.
fn scope_text(scopes: &[String]) -> String {
    scopes.join(" ")
}

fn scope_list(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A grant to create at a code exchange.
pub struct NewGrant<'a> {
    /// The redeemed code's hash; the code row is pointed at the new grant, so a second use revokes it.
    pub code_hash: &'a str,
    pub app_id: i64,
    pub user_id: i64,
    pub scopes: &'a [String],
    pub auth_time: OffsetDateTime,
    /// The absolute end of the grant: of its refresh-token family, and at least of its first access
    /// token.
    pub expires_at: OffsetDateTime,
}

/// A grant with its app and person, as the token, introspection and userinfo paths read it.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: i64,
    pub app_id: i64,
    pub client_id: String,
    pub user_id: i64,
    /// The person's `sub`.
    pub subject: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The person may still sign in; a disabled person's grants are not active.
    pub user_enabled: bool,
    pub scopes: Vec<String>,
    pub auth_time: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
}

impl GrantRow {
    /// Unrevoked, its person enabled, and before its absolute end.
    pub fn active_at(&self, now: OffsetDateTime) -> bool {
        !self.revoked && self.user_enabled && now < self.expires_at
    }
}

type GrantColumns = (
    i64,
    i64,
    String,
    i64,
    String,
    String,
    String,
    bool,
    bool,
    String,
    String,
    String,
    Option<String>,
);

fn grant_row(c: GrantColumns) -> GrantRow {
    GrantRow {
        id: c.0,
        app_id: c.1,
        client_id: c.2,
        user_id: c.3,
        subject: c.4,
        email: c.5,
        display_name: c.6,
        is_admin: c.7,
        user_enabled: c.8,
        scopes: scope_list(&c.9),
        auth_time: from_text(&c.10),
        expires_at: from_text(&c.11),
        revoked: c.12.is_some(),
    }
}

impl Store {
    /// The scopes person `user_id` has consented to for app `app_id`, if any.
    pub async fn consent(
        &self,
        app_id: i64,
        user_id: i64,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let scopes: Option<String> = on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT scopes FROM consents WHERE app_id = $1 AND user_id = $2")
                .bind(app_id)
                .bind(user_id)
                .fetch_optional(p)
                .await
        })?;
        Ok(scopes.as_deref().map(scope_list))
    }

    /// Records that person `user_id` consented to `scopes` (every scope consented so far: the caller
    /// passes the union) for app `app_id`, with its audit row (`AppConnected`), in one transaction.
    pub async fn save_consent(
        &self,
        app_id: i64,
        user_id: i64,
        scopes: &[String],
        entry: &AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        let scopes = scope_text(scopes);
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO consents (app_id, user_id, scopes, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (app_id, user_id) DO UPDATE SET scopes = $3, updated_at = $4",
            )
            .bind(app_id)
            .bind(user_id)
            .bind(&scopes)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            audit_insert!(self, tx, entry, &now)?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Creates the grant of a code exchange, points the code at it, and stores the first refresh
    /// token of its family if there is one: one transaction. Returns the grant's id.
    pub async fn create_grant(
        &self,
        grant: &NewGrant<'_>,
        refresh: Option<&NewRefreshToken<'_>>,
    ) -> Result<i64, StoreError> {
        let now = self.now_text();
        let id = on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO grants (app_id, user_id, scopes, auth_time, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(grant.app_id)
            .bind(grant.user_id)
            .bind(scope_text(grant.scopes))
            .bind(to_text(grant.auth_time))
            .bind(&now)
            .bind(to_text(grant.expires_at))
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE authorization_codes SET grant_id = $1 WHERE code_hash = $2")
                .bind(id)
                .bind(grant.code_hash)
                .execute(&mut *tx)
                .await?;
            if let Some(token) = refresh {
                refresh::insert_refresh_token!(&mut *tx, id, token, &now)?;
            }
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await)?;
        Ok(id)
    }

    /// The grant `id` with its app and person, revoked or not; `None` once it is gone (its app or
    /// person deleted, or purged).
    pub async fn grant(&self, id: i64) -> Result<Option<GrantRow>, StoreError> {
        let row: Option<GrantColumns> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT g.id, g.app_id, a.client_id, g.user_id, u.subject, u.email, u.display_name,
                     u.is_admin, u.enabled, g.scopes, g.auth_time, g.expires_at, g.revoked_at
                 FROM grants g
                 JOIN apps a ON a.id = g.app_id
                 JOIN users u ON u.id = g.user_id
                 WHERE g.id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(grant_row))
    }
}
