//! The `users` table; the single-use links that let people in (`user_links`) are in `links`.

mod links;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use time::OffsetDateTime;

use super::{AuditEntry, Store, StoreError, audit, from_text, to_text};
use crate::domain::SecretHash;
use crate::domain::audit::PersonSettings;

pub use links::{NewUserLink, UserLink};

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
}
