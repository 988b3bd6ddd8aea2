//! The `apps` and `app_scopes` tables: registering, reading, editing and deleting an app. The list's
//! queries are in `list`, the `app_secrets` table in `secrets`.

mod list;
mod secrets;

use sqlx::{Row, Sqlite};
use time::OffsetDateTime;

use super::{AuditEntry, Store, StoreError, audit, from_text};
use crate::domain::{AccountCode, ClientCode, ClientId, PiiMode};

pub use list::{AppQuery, AppSort, AppSummary};
pub use secrets::{AddSecretError, MAX_SECRETS_PER_APP, NewSecret, SecretInfo};

/// What the create form produced, already checked.
pub struct NewApp<'a> {
    pub account: &'a AccountCode,
    pub client_code: &'a ClientCode,
    pub client_id: &'a ClientId,
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
    pub secret: NewSecret<'a>,
    pub created_by: i64,
}

/// Everything the app page shows.
#[derive(Debug, Clone)]
pub struct AppDetail {
    pub id: i64,
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scopes: Vec<String>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub secrets: Vec<SecretInfo>,
}

/// The changes the edit form may make.
pub struct AppEdit<'a> {
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
}

async fn insert_scopes(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    app_id: i64,
    scopes: &[String],
) -> Result<(), sqlx::Error> {
    for scope in scopes {
        sqlx::query("INSERT INTO app_scopes (app_id, scope) VALUES ($1, $2)")
            .bind(app_id)
            .bind(scope)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Writes the app, its scopes, its first secret and the audit row in one transaction.
    /// `Duplicate(ClientCode)` (or `ClientId`, made of the codes) when the client code is already taken
    /// in the account.
    pub async fn create_app(
        &self,
        app: NewApp<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        let mut tx = self.pool.begin().await?;
        let app_id: i64 = sqlx::query_scalar(
            "INSERT INTO apps (client_id, account_code, client_code, client_name, search_text, pii_mode,
                               created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(app.client_id.as_str())
        .bind(app.account.as_str())
        .bind(app.client_code.as_str())
        .bind(app.client_name)
        .bind(list::search_text(app.client_name, app.client_id.as_str()))
        .bind(app.pii_mode.as_str())
        .bind(&now)
        .bind(app.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;

        insert_scopes(&mut tx, app_id, app.scopes).await?;
        sqlx::query(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(app_id)
        .bind(app.secret.description)
        .bind(app.secret.lookup_id)
        .bind(&app.secret.hash.0)
        .bind(&now)
        .bind(app.created_by)
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, &audit_entry, &self.now_text()).await?;
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

    /// The app with this client ID in the account, with its scopes and secrets.
    pub async fn app_detail(
        &self,
        account: &AccountCode,
        client_id: &str,
    ) -> Result<Option<AppDetail>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT a.id, a.client_id, a.client_code, a.client_name, a.pii_mode, a.created_at,
                    u.display_name AS created_by
             FROM apps a LEFT JOIN users u ON u.id = a.created_by
             WHERE a.account_code = $1 AND a.client_id = $2",
        )
        .bind(account.as_str())
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let scopes = sqlx::query_scalar("SELECT scope FROM app_scopes WHERE app_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let secrets = sqlx::query(
            "SELECT s.id, s.description, s.created_at, s.last_used_at, u.display_name AS created_by
             FROM app_secrets s LEFT JOIN users u ON u.id = s.created_by
             WHERE s.app_id = $1 ORDER BY s.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(secrets::secret_info)
        .collect::<Result<_, _>>()?;
        Ok(Some(AppDetail {
            id,
            client_id: row.try_get("client_id")?,
            client_code: row.try_get("client_code")?,
            client_name: row.try_get("client_name")?,
            pii_mode: PiiMode::parse(row.try_get("pii_mode")?).unwrap_or_default(),
            scopes,
            created_at: from_text(row.try_get("created_at")?),
            created_by: row.try_get("created_by")?,
            secrets,
        }))
    }

    /// Changes name, personal-data mode and scopes, with the audit row, in one transaction.
    pub async fn update_app(
        &self,
        app_id: i64,
        edit: AppEdit<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Client IDs are ASCII, so SQL's lower() is enough for them; the name is lower-cased here.
        let update = "UPDATE apps
             SET client_name = $1, search_text = $2 || ' ' || LOWER(client_id), pii_mode = $3
             WHERE id = $4";
        sqlx::query(update)
            .bind(edit.client_name)
            .bind(edit.client_name.to_lowercase())
            .bind(edit.pii_mode.as_str())
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM app_scopes WHERE app_id = $1")
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        insert_scopes(&mut tx, app_id, edit.scopes).await?;
        audit::insert(&mut tx, &audit_entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the app; its scopes and secrets go with it (foreign keys cascade), its audit rows stay.
    pub async fn delete_app(
        &self,
        app_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let delete = sqlx::query("DELETE FROM apps WHERE id = $1").bind(app_id);
        Ok(audit::execute_audited(&self.pool, &self.now_text(), delete, &audit_entry).await? > 0)
    }
}
