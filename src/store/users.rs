//! The `users` table.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use time::OffsetDateTime;

use super::{AuditEntry, Store, StoreError, audit, from_text, to_text};
use crate::domain::audit::PersonSettings;
use crate::domain::{LinkKind, SecretHash};

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: SecretHash,
    pub is_admin: bool,
    pub enabled: bool,
    pub last_sign_in_at: Option<OffsetDateTime>,
}

impl User {
    /// What an edit of this person can change, as the audit log records it.
    pub fn settings(&self) -> PersonSettings {
        PersonSettings {
            name: self.display_name.clone(),
            is_admin: self.is_admin,
            enabled: self.enabled,
        }
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a SecretHash,
    pub is_admin: bool,
}

fn user_from_row(row: &SqliteRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: SecretHash(row.try_get("password_hash")?),
        is_admin: row.try_get("is_admin")?,
        enabled: row.try_get("enabled")?,
        last_sign_in_at: row
            .try_get::<Option<String>, _>("last_sign_in_at")?
            .as_deref()
            .map(from_text),
    })
}

const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, is_admin, enabled, last_sign_in_at";

/// Why a change to a user was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserChangeError {
    /// It would leave the account without an enabled account admin.
    #[error("the last enabled account admin must stay an enabled account admin")]
    LastAdmin,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for UserChangeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

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

/// How many enabled account admins other than `user_id` exist.
async fn other_enabled_admins(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin = 1 AND enabled = 1 AND id <> $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Inserts a user; `Duplicate(UserEmail)` when the email is taken.
    pub async fn insert_user(&self, user: NewUser<'_>) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, is_admin, enabled, created_at)
             VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
        )
        .bind(user.email)
        .bind(user.display_name)
        .bind(&user.password_hash.0)
        .bind(user.is_admin)
        .bind(self.now_text())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_write)?;
        Ok(id)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }
}

impl Store {
    /// Everyone, admins first, then by email.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY is_admin DESC, email"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    /// Writes one audit row on its own (sign-ins, which change nothing else).
    pub async fn record_event(&self, entry: AuditEntry<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        audit::insert(&mut tx, &entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_sign_in(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
            .bind(to_text(at))
            .bind(user_id);
        audit::execute_audited(&self.pool, &self.now_text(), update, &entry).await?;
        Ok(())
    }

    /// Changes name, admin flag and enabled flag, unless that would leave no enabled account admin.
    pub async fn update_user(
        &self,
        user_id: i64,
        display_name: &str,
        is_admin: bool,
        enabled: bool,
        entry: AuditEntry<'_>,
    ) -> Result<(), UserChangeError> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes SQLite's write lock, so the count below cannot change under us.
        let updated = sqlx::query(
            "UPDATE users SET display_name = $1, is_admin = $2, enabled = $3 WHERE id = $4",
        )
        .bind(display_name)
        .bind(is_admin)
        .bind(enabled)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(UserChangeError::NotFound);
        }
        if !(is_admin && enabled) && other_enabled_admins(&mut tx, user_id).await? == 0 {
            return Err(UserChangeError::LastAdmin);
        }
        audit::insert(&mut tx, &entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_user(
        &self,
        user_id: i64,
        entry: AuditEntry<'_>,
    ) -> Result<(), UserChangeError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(UserChangeError::NotFound);
        }
        if other_enabled_admins(&mut tx, user_id).await? == 0 {
            return Err(UserChangeError::LastAdmin);
        }
        audit::insert(&mut tx, &entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &SecretHash,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash.0)
            .bind(user_id);
        audit::execute_audited(&self.pool, &self.now_text(), update, &entry).await?;
        Ok(())
    }

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
