//! The `apps` and `app_scopes` tables: registering, reading, editing and deleting an app. The list's
//! queries are in `list`, the `app_secrets` table in `secrets`.

mod detail;
mod list;
mod rotate;
mod secrets;
mod state;

use time::OffsetDateTime;

use super::audit::{audit_insert, execute_audited};
use super::{AuditEntry, Store, StoreError};
use crate::domain::{AccountCode, AppKind, ClientCode, ClientId, PiiMode, StoreSettings};

pub use list::{AppFilter, AppQuery, AppSort, AppSummary, UNUSED_DAYS};
pub use rotate::{RotateSecretError, Rotated};
pub use secrets::{AddSecretError, MAX_SECRETS_PER_APP, NewSecret, SecretInfo};
pub use state::AppStanding;

/// What the create form produced, already checked.
pub struct NewApp<'a> {
    pub account: &'a AccountCode,
    pub client_code: &'a ClientCode,
    pub client_id: &'a ClientId,
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
    pub secret: NewSecret<'a>,
    /// The person who registered it; `None` when no person did (the command line, a seed file).
    pub created_by: Option<i64>,
    /// `Some` for a store app (its kind is `store`), `None` for a custom app.
    pub store: Option<&'a StoreSettings>,
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
    pub kind: AppKind,
    /// `Some` exactly for a store app.
    pub store: Option<StoreSettings>,
    /// When the app was suspended; `None`: active.
    pub suspended_at: Option<OffsetDateTime>,
    /// Access tokens issued before this are inactive (Revoke all tokens).
    pub tokens_not_before: Option<OffsetDateTime>,
    /// The app's own access-token lifetime; `None`: the server's.
    pub token_lifetime_seconds: Option<i64>,
    /// Normalised addresses and ranges, one per line; empty: any.
    pub allowed_addresses: String,
}

/// The changes the edit form may make.
pub struct AppEdit<'a> {
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
    /// A store app's settings, replaced as a whole; `None` leaves them (a custom app has none).
    pub store: Option<&'a StoreSettings>,
    /// `None`: the server's lifetime.
    pub token_lifetime_seconds: Option<i64>,
    /// Normalised, one per line; empty: any address.
    pub allowed_addresses: &'a str,
}

/// Inserts the app's scopes inside transaction `$tx` (of either backend).
macro_rules! insert_scopes {
    ($tx:expr, $app_id:expr, $scopes:expr) => {
        async {
            for scope in $scopes {
                sqlx::query("INSERT INTO app_scopes (app_id, scope) VALUES ($1, $2)")
                    .bind($app_id)
                    .bind(scope)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

/// Inserts a store app's logo, PKCE flag and redirect URIs inside transaction `$tx`.
macro_rules! write_store_settings {
    ($tx:expr, $app_id:expr, $store:expr) => {
        async {
            let store: &StoreSettings = $store;
            sqlx::query("UPDATE apps SET logo_url = $1, require_pkce = $2 WHERE id = $3")
                .bind(store.logo_url.as_deref())
                .bind(store.require_pkce)
                .bind($app_id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("DELETE FROM app_redirect_uris WHERE app_id = $1")
                .bind($app_id)
                .execute(&mut *$tx)
                .await?;
            let lists = [
                ("login", &store.redirect_uris),
                ("logout", &store.post_logout_redirect_uris),
            ];
            for (purpose, uris) in lists {
                for (position, uri) in (0_i64..).zip(uris.iter()) {
                    sqlx::query(
                        "INSERT INTO app_redirect_uris (app_id, purpose, uri, position)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind($app_id)
                    .bind(purpose)
                    .bind(uri)
                    .bind(position)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

impl Store {
    /// Writes the app, its scopes, its first secret and the audit row in one transaction; the secret's
    /// id. `Duplicate(ClientCode)` (or `ClientId`, made of the codes) when the client code is already
    /// taken in the account.
    pub async fn create_app(
        &self,
        app: NewApp<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<i64, StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            let app_id: i64 = sqlx::query_scalar(
                "INSERT INTO apps (client_id, account_code, client_code, client_name, search_text,
                                   pii_mode, created_at, created_by, kind)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(app.client_id.as_str())
            .bind(app.account.as_str())
            .bind(app.client_code.as_str())
            .bind(app.client_name)
            .bind(list::search_text(app.client_name, app.client_id.as_str()))
            .bind(app.pii_mode.as_str())
            .bind(&now)
            .bind(app.created_by)
            .bind(if app.store.is_some() { AppKind::Store } else { AppKind::Custom }.as_str())
            .fetch_one(&mut *tx)
            .await?;
            insert_scopes!(tx, app_id, app.scopes)?;
            if let Some(store) = app.store {
                write_store_settings!(tx, app_id, store)?;
            }
            let secret_id: i64 = sqlx::query_scalar(
                "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at,
                                          created_by, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(app_id)
            .bind(app.secret.description)
            .bind(app.secret.lookup_id)
            .bind(&app.secret.hash.0)
            .bind(&now)
            .bind(app.created_by)
            .bind(app.secret.expires_at.map(super::to_text))
            .fetch_one(&mut *tx)
            .await?;
            audit_insert!(self, tx, &audit_entry, &now)?;
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(secret_id)
        }
        .await)
        .map_err(StoreError::from_write)
    }

    pub async fn client_code_taken(
        &self,
        account: &AccountCode,
        code: &ClientCode,
    ) -> Result<bool, StoreError> {
        let n: i64 = on_db!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM apps WHERE account_code = $1 AND client_code = $2",
            )
            .bind(account.as_str())
            .bind(code.as_str())
            .fetch_one(p)
            .await
        })?;
        Ok(n > 0)
    }

    /// Changes name, personal-data mode, scopes, token lifetime and allowed addresses, with the audit row, in one transaction.
    pub async fn update_app(
        &self,
        app_id: i64,
        edit: AppEdit<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        // Client IDs are ASCII, so SQL's lower() is enough for them; the name is lower-cased here.
        let update = "UPDATE apps
             SET client_name = $1, search_text = $2 || ' ' || LOWER(client_id), pii_mode = $3,
                 token_lifetime_seconds = $5, allowed_addresses = $6
             WHERE id = $4";
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            sqlx::query(update)
                .bind(edit.client_name)
                .bind(edit.client_name.to_lowercase())
                .bind(edit.pii_mode.as_str())
                .bind(app_id)
                .bind(edit.token_lifetime_seconds)
                .bind(edit.allowed_addresses)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM app_scopes WHERE app_id = $1")
                .bind(app_id)
                .execute(&mut *tx)
                .await?;
            insert_scopes!(tx, app_id, edit.scopes)?;
            if let Some(store) = edit.store {
                write_store_settings!(tx, app_id, store)?;
            }
            audit_insert!(self, tx, &audit_entry, &now)?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Deletes the app; its scopes and secrets go with it (foreign keys cascade), its audit rows stay.
    pub async fn delete_app(
        &self,
        app_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let now = self.now_text();
        let changed = on_db!(&self.pool, p => {
            let delete = sqlx::query("DELETE FROM apps WHERE id = $1").bind(app_id);
            execute_audited!(self, p, &now, delete, &audit_entry)
        })?;
        Ok(changed > 0)
    }
}
