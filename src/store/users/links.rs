//! The `user_links` table: single-use invitation and password-reset links, stored as hashes of their
//! tokens, and what using one does.

use sqlx::Row;
use time::OffsetDateTime;

use crate::domain::{LinkKind, SecretHash};
use crate::store::{AuditEntry, Store, StoreError, audit, from_text, to_text};

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

/// Whether link `id` may still be used at `now`; marks it used in the same statement, so two uses of
/// one link can never both succeed.
async fn claim_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE user_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(to_text(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

impl Store {
    pub async fn create_user_link(
        &self,
        link: NewUserLink<'_>,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO user_links (kind, token_hash, email, display_name, is_admin, user_id, created_by,
                                     created_at, expires_at)
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
        audit::insert(&mut tx, &entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_link(
        &self,
        kind: LinkKind,
        token_hash: &str,
    ) -> Result<Option<UserLink>, StoreError> {
        let row = sqlx::query(
            "SELECT id, kind, email, display_name, is_admin, user_id, expires_at, used_at
             FROM user_links WHERE kind = $1 AND token_hash = $2",
        )
        .bind(kind.as_str())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(UserLink {
            id: row.try_get("id")?,
            kind: row
                .try_get::<&str, _>("kind")?
                .parse()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            is_admin: row.try_get("is_admin")?,
            user_id: row.try_get("user_id")?,
            expires_at: from_text(row.try_get("expires_at")?),
            used_at: row
                .try_get::<Option<String>, _>("used_at")?
                .as_deref()
                .map(from_text),
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
        let mut tx = self.pool.begin().await?;
        if !claim_link(&mut tx, link.id, now).await? {
            return Ok(None);
        }
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, is_admin, enabled, created_at, last_sign_in_at)
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
        )
        .bind(&link.email)
        .bind(&link.display_name)
        .bind(&hash.0)
        .bind(link.is_admin)
        .bind(to_text(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;
        audit::insert(&mut tx, &entry(user_id), &self.now_text()).await?;
        tx.commit().await?;
        Ok(Some(user_id))
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
        let mut tx = self.pool.begin().await?;
        if !claim_link(&mut tx, link.id, now).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET password_hash = $1, last_sign_in_at = $2 WHERE id = $3")
            .bind(&hash.0)
            .bind(to_text(now))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, &entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(true)
    }
}
