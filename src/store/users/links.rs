//! The `user_links` table: single-use invitation and password-reset links, stored as hashes of their
//! tokens, and what using one does.

use time::OffsetDateTime;

use crate::domain::{LinkKind, SecretHash};
use crate::store::audit::audit_insert;
use crate::store::{AuditEntry, Store, StoreError, from_text, to_text};

/// A single-use link: an invitation or a password reset.
#[derive(Debug, Clone)]
pub struct UserLink {
    pub id: i64,
    pub kind: LinkKind,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub user_id: Option<i64>,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

pub struct NewUserLink<'a> {
    pub kind: LinkKind,
    pub token_hash: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub is_admin: bool,
    pub user_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Inside transaction `$tx`: whether link `$id` may still be used at `$now`; marks it used in the same
/// statement, so two uses of one link can never both succeed, on any number of instances.
macro_rules! claim_link {
    ($tx:expr, $id:expr, $now:expr) => {
        sqlx::query(
            "UPDATE user_links SET used_at = $1
             WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(to_text($now))
        .bind($id)
        .execute(&mut *$tx)
        .await
        .map(|done| done.rows_affected() == 1)
    };
}

/// A `user_links` row.
#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    kind: String,
    email: String,
    display_name: String,
    is_admin: bool,
    user_id: Option<i64>,
    expires_at: String,
    used_at: Option<String>,
}

impl Store {
    pub async fn create_user_link(
        &self,
        link: NewUserLink<'_>,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO user_links (kind, token_hash, email, display_name, is_admin, user_id,
                                         created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(link.kind.as_str())
            .bind(link.token_hash)
            .bind(link.email)
            .bind(link.display_name)
            .bind(link.is_admin)
            .bind(link.user_id)
            .bind(link.created_by)
            .bind(to_text(link.created_at))
            .bind(to_text(link.expires_at))
            .execute(&mut *tx)
            .await?;
            audit_insert!(self, tx, &entry, &now)?;
            tx.commit().await
        }
        .await)
        .map_err(StoreError::from_write)
    }

    pub async fn user_link(
        &self,
        kind: LinkKind,
        token_hash: &str,
    ) -> Result<Option<UserLink>, StoreError> {
        let row: Option<LinkRow> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT id, kind, email, display_name, is_admin, user_id, expires_at, used_at
                 FROM user_links WHERE kind = $1 AND token_hash = $2",
            )
            .bind(kind.as_str())
            .bind(token_hash)
            .fetch_optional(p)
            .await
        })?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(UserLink {
            id: row.id,
            kind: row
                .kind
                .parse()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            email: row.email,
            display_name: row.display_name,
            is_admin: row.is_admin,
            user_id: row.user_id,
            expires_at: from_text(&row.expires_at),
            used_at: row.used_at.as_deref().map(from_text),
        }))
    }

    /// Uses an invitation: claims the link and creates the user, or does neither. `Ok(None)` when the
    /// link was used or expired meanwhile; `Duplicate(UserEmail)` when the email belongs to a user
    /// already.
    pub async fn accept_invitation<'e>(
        &self,
        link: &UserLink,
        hash: &SecretHash,
        now: OffsetDateTime,
        entry: impl FnOnce(i64) -> AuditEntry<'e>,
    ) -> Result<Option<i64>, StoreError> {
        let at = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            if !claim_link!(tx, link.id, now)? {
                return Ok(None);
            }
            let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_admin, enabled, created_at,
                                    last_sign_in_at)
                 VALUES ($1, $2, $3, $4, TRUE, $5, $5) RETURNING id",
            )
            .bind(&link.email)
            .bind(&link.display_name)
            .bind(&hash.0)
            .bind(link.is_admin)
            .bind(to_text(now))
            .fetch_one(&mut *tx)
            .await?;
            audit_insert!(self, tx, &entry(user_id), &at)?;
            tx.commit().await?;
            Ok(Some(user_id))
        }
        .await)
        .map_err(StoreError::from_write)
    }

    /// Uses a password-reset link: claims it and sets the password, or does neither.
    pub async fn reset_password(
        &self,
        link: &UserLink,
        hash: &SecretHash,
        now: OffsetDateTime,
        entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let Some(user_id) = link.user_id else {
            return Ok(false);
        };
        let at = self.now_text();
        Ok(on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            if !claim_link!(tx, link.id, now)? {
                return Ok(false);
            }
            sqlx::query("UPDATE users SET password_hash = $1, last_sign_in_at = $2 WHERE id = $3")
                .bind(&hash.0)
                .bind(to_text(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            audit_insert!(self, tx, &entry, &at)?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        }
        .await)?)
    }
}
