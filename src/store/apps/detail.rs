//! Reading one app for its page: the `apps` row with its scopes, secrets and (for a store app) redirect
//! URIs.

use super::secrets;
use super::{AppDetail, SecretInfo};
use crate::domain::{AccountCode, AppKind, PiiMode, StoreSettings};
use crate::store::{Store, StoreError, from_text};

/// An app's row as the app page reads it.
#[derive(sqlx::FromRow)]
struct AppRow {
    id: i64,
    client_id: String,
    client_code: String,
    client_name: String,
    pii_mode: String,
    created_at: String,
    created_by: Option<String>,
    kind: String,
    logo_url: Option<String>,
    require_pkce: bool,
    suspended_at: Option<String>,
    tokens_not_before: Option<String>,
    token_lifetime_seconds: Option<i64>,
    allowed_addresses: String,
}

impl Store {
    /// The app with this client ID in the account, with its scopes and secrets.
    pub async fn app_detail(
        &self,
        account: &AccountCode,
        client_id: &str,
    ) -> Result<Option<AppDetail>, StoreError> {
        if !crate::store::searchable(client_id) {
            return Ok(None);
        }
        type Found = (
            AppRow,
            Vec<String>,
            Vec<secrets::SecretRow>,
            Vec<(String, String)>,
        );
        let found: Option<Found> = on_db!(&self.pool, p => async {
                let Some(row) = sqlx::query_as::<_, AppRow>(
                    "SELECT a.id, a.client_id, a.client_code, a.client_name, a.pii_mode,
                            a.created_at, u.display_name AS created_by, a.kind, a.logo_url,
                            a.require_pkce, a.suspended_at, a.tokens_not_before,
                            a.token_lifetime_seconds, a.allowed_addresses
                     FROM apps a LEFT JOIN users u ON u.id = a.created_by
                     WHERE a.account_code = $1 AND a.client_id = $2",
                )
                .bind(account.as_str())
                .bind(client_id)
                .fetch_optional(p)
                .await?
                else {
                    return Ok(None);
                };
                let scopes = sqlx::query_scalar("SELECT scope FROM app_scopes WHERE app_id = $1")
                    .bind(row.id)
                    .fetch_all(p)
                    .await?;
                let secrets = sqlx::query_as(
                    "SELECT s.id, s.description, s.created_at, s.last_used_at,
                            s.last_used_addr, s.expires_at, u.display_name AS created_by
                     FROM app_secrets s LEFT JOIN users u ON u.id = s.created_by
                     WHERE s.app_id = $1 ORDER BY s.id",
                )
                .bind(row.id)
                .fetch_all(p)
                .await?;
                let uris = sqlx::query_as(
                    "SELECT purpose, uri FROM app_redirect_uris WHERE app_id = $1
                     ORDER BY purpose, position",
                )
                .bind(row.id)
                .fetch_all(p)
                .await?;
                Ok::<_, sqlx::Error>(Some((row, scopes, secrets, uris)))
            }
            .await)?;
        Ok(found.map(|(row, scopes, secrets, uris)| {
            let kind = AppKind::from_stored(&row.kind);
            let of = |purpose: &str| -> Vec<String> {
                uris.iter()
                    .filter(|(p, _)| p == purpose)
                    .map(|(_, uri)| uri.clone())
                    .collect()
            };
            let store = (kind == AppKind::Store).then(|| StoreSettings {
                logo_url: row.logo_url.clone(),
                redirect_uris: of("login"),
                post_logout_redirect_uris: of("logout"),
                require_pkce: row.require_pkce,
            });
            AppDetail {
                id: row.id,
                client_id: row.client_id,
                client_code: row.client_code,
                client_name: row.client_name,
                pii_mode: PiiMode::parse(&row.pii_mode).unwrap_or_default(),
                scopes,
                created_at: from_text(&row.created_at),
                created_by: row.created_by,
                secrets: secrets.into_iter().map(SecretInfo::from).collect(),
                kind,
                store,
                suspended_at: row.suspended_at.as_deref().map(from_text),
                tokens_not_before: row.tokens_not_before.as_deref().map(from_text),
                token_lifetime_seconds: row.token_lifetime_seconds,
                allowed_addresses: row.allowed_addresses,
            }
        }))
    }
}
