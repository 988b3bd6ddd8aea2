//! The `app_secrets` table as the dashboard sees it: listing, adding (at most `MAX_SECRETS_PER_APP`) and
//! deleting an app's secrets.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::domain::SecretHash;
use crate::store::{AuditEntry, Store, StoreError, audit, from_text};

/// At most this many secrets per app.
pub const MAX_SECRETS_PER_APP: i64 = 10;

/// A secret to store: its description, lookup id and argon2id hash (never the value).
pub struct NewSecret<'a> {
    pub description: &'a str,
    pub lookup_id: &'a str,
    pub hash: &'a SecretHash,
}

/// A secret as the app page lists it: never its value or hash.
#[derive(Debug, Clone)]
pub struct SecretInfo {
    pub id: i64,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub last_used_at: Option<OffsetDateTime>,
}

/// Why adding a secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum AddSecretError {
    #[error("the app already has the most secrets allowed")]
    TooMany,
    #[error("no such app")]
    NoApp,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A secret from a row of the app page's query (`app_detail`).
pub(super) fn secret_info(row: &SqliteRow) -> Result<SecretInfo, sqlx::Error> {
    Ok(SecretInfo {
        id: row.try_get("id")?,
        description: row.try_get("description")?,
        created_at: from_text(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        last_used_at: row
            .try_get::<Option<String>, _>("last_used_at")?
            .as_deref()
            .map(from_text),
    })
}

impl Store {
    /// Adds a secret unless the app already has `MAX_SECRETS_PER_APP`; the count and the insert are one
    /// statement, so concurrent additions cannot overshoot.
    pub async fn add_secret(
        &self,
        app_id: i64,
        secret: NewSecret<'_>,
        created_by: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), AddSecretError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let inserted = sqlx::query(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
               AND (SELECT COUNT(*) FROM app_secrets WHERE app_id = $1) < $7",
        )
        .bind(app_id)
        .bind(secret.description)
        .bind(secret.lookup_id)
        .bind(&secret.hash.0)
        .bind(self.now_text())
        .bind(created_by)
        .bind(MAX_SECRETS_PER_APP)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?
        .rows_affected();
        if inserted == 0 {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE id = $1")
                .bind(app_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            return Err(if exists == 0 {
                AddSecretError::NoApp
            } else {
                AddSecretError::TooMany
            });
        }
        audit::insert(&mut tx, &audit_entry, &self.now_text())
            .await
            .map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Deletes one secret of the app; false when there was no such secret.
    pub async fn delete_secret(
        &self,
        app_id: i64,
        secret_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let delete = sqlx::query("DELETE FROM app_secrets WHERE id = $1 AND app_id = $2")
            .bind(secret_id)
            .bind(app_id);
        Ok(audit::execute_audited(&self.pool, &self.now_text(), delete, &audit_entry).await? > 0)
    }
}
