//! An app as programs read it (the command line's `--json`, the admin API): never a secret's value or
//! hash, only what identifies each secret.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::{AllowedAddresses, AppKind, PiiMode};
use crate::state::Core;
use crate::store::{AppDetail, AppFilter, AppQuery, AppSort, SecretInfo};

use super::ServiceError;
use super::ops::load;

/// One app: `{"client_id", "client_code", "client_name", "pii", "scopes", "created_at", "kind",
/// "secrets", "suspended", "tokens_not_before", "token_lifetime_seconds", "allowed_addresses"}`, times
/// in RFC 3339.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppView {
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    /// `retrieve` or `dont_retrieve`.
    pub pii: &'static str,
    pub scopes: Vec<String>,
    pub created_at: String,
    /// `custom` or `store`.
    pub kind: AppKind,
    pub secrets: Vec<SecretView>,
    pub suspended: bool,
    /// Access tokens issued up to this moment are inactive (Revoke all tokens); `None`: never revoked.
    pub tokens_not_before: Option<String>,
    /// The app's own access-token lifetime; `None`: the server's.
    pub token_lifetime_seconds: Option<i64>,
    /// Addresses and CIDR ranges allowed to ask for tokens, normalised; empty: any.
    pub allowed_addresses: Vec<String>,
}

/// One secret of an app: its id and description, never its value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SecretView {
    pub id: i64,
    pub description: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// The client address of that last use.
    pub last_used_from: Option<String>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<String>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl AppView {
    pub fn of(app: &AppDetail, catalog: &crate::domain::ScopeCatalog) -> Self {
        let mut scopes = app.scopes.clone();
        // Catalog order, as the dashboard lists them; OpenID Connect scopes (unknown to it) last.
        scopes.sort_by_key(|s| (catalog.position(s), s.clone()));
        Self {
            client_id: app.client_id.clone(),
            client_code: app.client_code.clone(),
            client_name: app.client_name.clone(),
            pii: match app.pii_mode {
                PiiMode::Retrieve => "retrieve",
                PiiMode::DontRetrieve => "dont_retrieve",
            },
            scopes,
            created_at: rfc3339(app.created_at),
            kind: app.kind,
            secrets: app.secrets.iter().map(SecretView::of).collect(),
            suspended: app.suspended_at.is_some(),
            tokens_not_before: app.tokens_not_before.map(rfc3339),
            token_lifetime_seconds: app.token_lifetime_seconds,
            allowed_addresses: AllowedAddresses::from_stored(&app.allowed_addresses).entries(),
        }
    }
}

impl SecretView {
    pub fn of(secret: &SecretInfo) -> Self {
        Self {
            id: secret.id,
            description: secret.description.clone(),
            created_at: rfc3339(secret.created_at),
            last_used_at: secret.last_used_at.map(rfc3339),
            last_used_from: secret.last_used_addr.clone(),
            expires_at: secret.expires_at.map(rfc3339),
        }
    }
}

/// The app with this client ID, of either kind.
pub async fn show_app(core: &Core, client_id: &str) -> Result<AppView, ServiceError> {
    let app = load(core, client_id).await?;
    Ok(AppView::of(&app, &core.catalog))
}

/// Every app of the account (that `filter` keeps), custom and store, newest first. One read per app: an account holds a
/// few hundred apps at most, and this is for operators and programs, not a page.
pub async fn list_apps(core: &Core, filter: AppFilter) -> Result<Vec<AppView>, ServiceError> {
    const PAGE: i64 = 500;
    let mut views = Vec::new();
    for kind in [AppKind::Custom, AppKind::Store] {
        let mut offset = 0;
        loop {
            let query = AppQuery {
                account: &core.config.account_code,
                kind,
                search: None,
                sort: AppSort::NewestFirst,
                filter,
                limit: PAGE,
                offset,
            };
            let page = core.store.list_apps(&query).await?;
            for summary in &page {
                // An app deleted since the page was read is simply left out.
                match load(core, &summary.client_id).await {
                    Ok(app) => views.push((app.created_at, AppView::of(&app, &core.catalog))),
                    Err(ServiceError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            if i64::try_from(page.len()).unwrap_or(0) < PAGE {
                break;
            }
            offset += PAGE;
        }
    }
    views.sort_by_key(|(created_at, _)| std::cmp::Reverse(*created_at));
    Ok(views.into_iter().map(|(_, view)| view).collect())
}
