//! The `users` table; the single-use links that let people in (`user_links`) are in `links`.

mod links;

use time::OffsetDateTime;

use super::audit::{audit_insert, execute_audited};
use super::{AuditEntry, Pool, Store, StoreError, from_text, to_text};
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
    /// The person's `sub` in tokens: opaque, never reused.
    pub subject: String,
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

/// A `users` row as read by `USER_COLUMNS`.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    password_hash: String,
    is_admin: bool,
    enabled: bool,
    last_sign_in_at: Option<String>,
    subject: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            password_hash: SecretHash(row.password_hash),
            is_admin: row.is_admin,
            enabled: row.enabled,
            last_sign_in_at: row.last_sign_in_at.as_deref().map(from_text),
            subject: row.subject,
        }
    }
}

const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, is_admin, enabled, last_sign_in_at, subject";

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

/// Inside transaction `$tx`: waits for any other change to people's roles to finish (PostgreSQL runs
/// writers side by side; SQLite's single writer already does), then evaluates to how many enabled
/// account admins other than `$user_id` exist.
macro_rules! other_enabled_admins {
    ($pool:expr, $tx:expr, $user_id:expr) => {
        async {
            if matches!($pool, Pool::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PEOPLE_CHANGES_LOCK)
                    .execute(&mut *$tx)
                    .await?;
            }
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM users WHERE is_admin = TRUE AND enabled = TRUE AND id <> $1",
            )
            .bind($user_id)
            .fetch_one(&mut *$tx)
            .await
        }
        .await
    };
}

/// The advisory lock that serialises changes to who is an enabled account admin (PostgreSQL).
const PEOPLE_CHANGES_LOCK: i64 = 0x6672_6f6e_7401;

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await
        })?)
    }

    /// Inserts a user; `Duplicate(UserEmail)` when the email is taken.
    pub async fn insert_user(&self, user: NewUser<'_>) -> Result<i64, StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => {
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_admin, enabled, created_at)
                 VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id",
            )
            .bind(user.email)
            .bind(user.display_name)
            .bind(&user.password_hash.0)
            .bind(user.is_admin)
            .bind(&now)
            .fetch_one(p)
            .await
        })
        .map_err(StoreError::from_write)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if !super::searchable(email) {
            return Ok(None);
        }
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row: Option<UserRow> = on_db!(&self.pool, p => {
            sqlx::query_as(&sql).bind(email).fetch_optional(p).await
        })?;
        Ok(row.map(User::from))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = on_db!(&self.pool, p => {
            sqlx::query_as(&sql).bind(id).fetch_optional(p).await
        })?;
        Ok(row.map(User::from))
    }
}

impl Store {
    /// Everyone, admins first, then by email.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY is_admin DESC, email");
        let rows: Vec<UserRow> = on_db!(&self.pool, p => {
            sqlx::query_as(&sql).fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Writes one audit row on its own (sign-ins, which change nothing else).
    pub async fn record_event(&self, entry: AuditEntry<'_>) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            audit_insert!(self, tx, &entry, &now)?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    pub async fn record_sign_in(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => {
            let update = sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
                .bind(to_text(at))
                .bind(user_id);
            execute_audited!(self, p, &now, update, &entry)
        })?;
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
        let now = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            // Writing first takes SQLite's write lock (and on PostgreSQL the people-changes lock below
            // is taken before counting), so the count cannot change under us.
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
            if !(is_admin && enabled) && other_enabled_admins!(&self.pool, tx, user_id)? == 0 {
                return Err(UserChangeError::LastAdmin);
            }
            audit_insert!(self, tx, &entry, &now)?;
            tx.commit().await?;
            Ok(())
        }
        .await)
    }

    pub async fn delete_user(
        &self,
        user_id: i64,
        entry: AuditEntry<'_>,
    ) -> Result<(), UserChangeError> {
        let now = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted == 0 {
                return Err(UserChangeError::NotFound);
            }
            if other_enabled_admins!(&self.pool, tx, user_id)? == 0 {
                return Err(UserChangeError::LastAdmin);
            }
            audit_insert!(self, tx, &entry, &now)?;
            tx.commit().await?;
            Ok(())
        }
        .await)
    }

    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &SecretHash,
        entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => {
            let update = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(&hash.0)
                .bind(user_id);
            execute_audited!(self, p, &now, update, &entry)
        })?;
        Ok(())
    }
}
