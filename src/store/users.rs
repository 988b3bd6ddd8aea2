//! The `users` table.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, now_text};
use crate::domain::SecretHash;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: SecretHash,
    pub is_admin: bool,
    pub enabled: bool,
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
    })
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, is_admin, enabled";

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Inserts a user; `Duplicate` when the email is taken.
    pub async fn insert_user(&self, user: NewUser<'_>) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, is_admin, enabled, created_at)
             VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
        )
        .bind(user.email)
        .bind(user.display_name)
        .bind(&user.password_hash.0)
        .bind(user.is_admin)
        .bind(now_text())
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
