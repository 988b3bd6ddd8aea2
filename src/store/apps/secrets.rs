//! The `app_secrets` table as the dashboard sees it: listing, adding (at most `MAX_SECRETS_PER_APP`) and
//! deleting an app's secrets.

use time::OffsetDateTime;

use crate::domain::SecretHash;
use crate::store::audit::{audit_insert, execute_audited};
use crate::store::{AuditEntry, Pool, Store, StoreError, from_text};

/// At most this many secrets per app.
pub const MAX_SECRETS_PER_APP: i64 = 10;

/// A secret to store: its description, lookup id and argon2id hash (never the value), and when it
/// stops working (`None`: never).
pub struct NewSecret<'a> {
    pub description: &'a str,
    pub lookup_id: &'a str,
    pub hash: &'a SecretHash,
    pub expires_at: Option<OffsetDateTime>,
}

/// A secret as the app page lists it: never its value or hash.
#[derive(Debug, Clone)]
pub struct SecretInfo {
    pub id: i64,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub last_used_at: Option<OffsetDateTime>,
    /// The client address of that last use (as the token endpoint resolved it).
    pub last_used_addr: Option<String>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<OffsetDateTime>,
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

/// A secret as the app page's query (`app_detail`) reads it.
#[derive(sqlx::FromRow)]
pub(super) struct SecretRow {
    id: i64,
    description: String,
    created_at: String,
    created_by: Option<String>,
    last_used_at: Option<String>,
    last_used_addr: Option<String>,
    expires_at: Option<String>,
}

impl From<SecretRow> for SecretInfo {
    fn from(row: SecretRow) -> Self {
        Self {
            id: row.id,
            description: row.description,
            created_at: from_text(&row.created_at),
            created_by: row.created_by,
            last_used_at: row.last_used_at.as_deref().map(from_text),
            last_used_addr: row.last_used_addr,
            expires_at: row.expires_at.as_deref().map(from_text),
        }
    }
}

/// Locks the app's row inside PostgreSQL transaction `$tx`, so changes to its secrets take turns.
macro_rules! lock_app {
    ($tx:expr, $app_id:expr) => {
        sqlx::query("SELECT id FROM apps WHERE id = $1 FOR UPDATE")
            .bind($app_id)
            .execute(&mut *$tx)
            .await
    };
}
pub(super) use lock_app;

/// Inserts secret `$secret` of app `$app_id` inside transaction `$tx` unless the app is gone or has
/// `MAX_SECRETS_PER_APP` already (then `None`): the count and the insert are one statement.
macro_rules! insert_secret {
    ($tx:expr, $app_id:expr, $secret:expr, $created_by:expr, $now:expr) => {{
        let secret: &$crate::store::NewSecret<'_> = $secret;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at,
                                      created_by, expires_at)
             SELECT $1, $2, $3, $4, $5, $6, $8
             WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
               AND (SELECT COUNT(*) FROM app_secrets WHERE app_id = $1) < $7
             RETURNING id",
        )
        .bind($app_id)
        .bind(secret.description)
        .bind(secret.lookup_id)
        .bind(&secret.hash.0)
        .bind($now)
        .bind($created_by)
        .bind($crate::store::MAX_SECRETS_PER_APP)
        .bind(secret.expires_at.map(crate::store::to_text))
        .fetch_optional(&mut *$tx)
        .await
    }};
}
pub(super) use insert_secret;

impl Store {
    /// Adds a secret unless the app already has `MAX_SECRETS_PER_APP`; the new secret's id. The count
    /// and the insert are one statement, so concurrent additions cannot overshoot.
    pub async fn add_secret(
        &self,
        app_id: i64,
        secret: &NewSecret<'_>,
        created_by: Option<i64>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<i64, AddSecretError> {
        let now = self.now_text();
        let outcome: Result<Result<i64, AddSecretError>, sqlx::Error> = on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            // PostgreSQL runs writers side by side: lock the app's row first, so two additions to one
            // app take turns and the count below cannot be overshot. (SQLite has one writer at a time.)
            if matches!(self.pool, Pool::Postgres(_)) {
                lock_app!(tx, app_id)?;
            }
            let inserted = insert_secret!(tx, app_id, &secret, created_by, &now)?;
            let Some(secret_id) = inserted else {
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE id = $1")
                    .bind(app_id)
                    .fetch_one(&mut *tx)
                    .await?;
                return Ok(Err(if exists == 0 {
                    AddSecretError::NoApp
                } else {
                    AddSecretError::TooMany
                }));
            };
            audit_insert!(self, tx, &audit_entry, &now)?;
            tx.commit().await?;
            Ok(Ok(secret_id))
        }
        .await);
        outcome.map_err(|e| AddSecretError::Store(StoreError::from_write(e)))?
    }

    /// Deletes one secret of the app; false when there was no such secret.
    pub async fn delete_secret(
        &self,
        app_id: i64,
        secret_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let now = self.now_text();
        let changed = on_db!(&self.pool, p => {
            let delete = sqlx::query("DELETE FROM app_secrets WHERE id = $1 AND app_id = $2")
                .bind(secret_id)
                .bind(app_id);
            execute_audited!(self, p, &now, delete, &audit_entry)
        })?;
        Ok(changed > 0)
    }
}
