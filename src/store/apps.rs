//! The `apps`, `app_scopes` and `app_secrets` tables.

use sqlx::Row;
use time::OffsetDateTime;

use super::{AuditEntry, Store, StoreError, audit, from_text, now_text};
use crate::domain::{AccountCode, ClientCode, ClientId, PiiMode, SecretHash};

/// What the create form produced, already checked.
pub struct NewApp<'a> {
    pub account: &'a AccountCode,
    pub client_code: &'a ClientCode,
    pub client_id: &'a ClientId,
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
    pub secret_description: &'a str,
    pub secret_lookup_id: &'a str,
    pub secret_hash: &'a SecretHash,
    pub created_by: i64,
}

/// A row of the Connected apps list.
#[derive(Debug, Clone)]
pub struct AppSummary {
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scope_count: i64,
    pub created_at: OffsetDateTime,
}

impl Store {
    /// Writes the app, its scopes, its first secret and the audit row in one transaction.
    /// `Duplicate` when the client code is already taken in the account.
    pub async fn create_app(
        &self,
        app: NewApp<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        let app_id: i64 = sqlx::query_scalar(
            "INSERT INTO apps (client_id, account_code, client_code, client_name, pii_mode, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(app.client_id.as_str())
        .bind(app.account.as_str())
        .bind(app.client_code.as_str())
        .bind(app.client_name)
        .bind(app.pii_mode.as_str())
        .bind(&now)
        .bind(app.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;

        for scope in app.scopes {
            sqlx::query("INSERT INTO app_scopes (app_id, scope) VALUES ($1, $2)")
                .bind(app_id)
                .bind(scope)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(app_id)
        .bind(app.secret_description)
        .bind(app.secret_lookup_id)
        .bind(&app.secret_hash.0)
        .bind(&now)
        .bind(app.created_by)
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, &audit_entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn client_code_taken(
        &self,
        account: &AccountCode,
        code: &ClientCode,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM apps WHERE account_code = $1 AND client_code = $2",
        )
        .bind(account.as_str())
        .bind(code.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The account's apps, newest first.
    pub async fn list_apps(&self, account: &AccountCode) -> Result<Vec<AppSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.client_id, a.client_code, a.client_name, a.pii_mode, a.created_at,
                    (SELECT COUNT(*) FROM app_scopes s WHERE s.app_id = a.id) AS scope_count
             FROM apps a WHERE a.account_code = $1
             ORDER BY a.created_at DESC, a.id DESC",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AppSummary {
                    client_id: row.try_get("client_id")?,
                    client_code: row.try_get("client_code")?,
                    client_name: row.try_get("client_name")?,
                    pii_mode: PiiMode::parse(row.try_get("pii_mode")?).unwrap_or_default(),
                    scope_count: row.try_get("scope_count")?,
                    created_at: from_text(row.try_get("created_at")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
