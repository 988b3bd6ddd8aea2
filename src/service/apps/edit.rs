//! Editing an app's name, personal-data mode, scopes, access-token lifetime and allowed addresses (the
//! dashboard's edit form, the admin API's PATCH, `frontdesk apps set`, the seed file), and a store
//! app's logo, redirect URIs and PKCE flag (the form, which checks them with `domain`'s parsers).

use crate::domain::audit::{AppSettings, Change};
use crate::domain::{AllowedAddresses, AuditEvent, PiiMode, StoreSettings};
use crate::state::Core;
use crate::store::AppEdit;

use super::ops::load;
use super::rules::{self, field};
use super::{Actor, AppView, ServiceError};

/// What to change; `None` keeps the field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppChange {
    pub client_name: Option<String>,
    pub pii_mode: Option<PiiMode>,
    pub scopes: Option<Vec<String>>,
    /// `Some(None)`: the server's lifetime.
    pub token_lifetime_seconds: Option<Option<i64>>,
    /// `Some(empty)`: any address.
    pub allowed_addresses: Option<Vec<String>>,
    /// A store app's own settings, checked by the caller, replaced as a whole (ignored for a custom
    /// app, which has none).
    pub store: Option<StoreSettings>,
}

/// The server's access-token lifetime: the most an app's own may be.
pub fn max_token_lifetime(core: &Core) -> i64 {
    i64::try_from(core.config.token_lifetime.as_secs()).unwrap_or(i64::MAX)
}

/// Applies `change` by the form's rules (field names `client_name`, `scopes`,
/// `token_lifetime_seconds`, `allowed_addresses`), with an audit row of
/// the settings before and after; nothing is written or recorded when nothing changes. The app as it
/// is afterwards.
pub async fn edit_app(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    change: AppChange,
) -> Result<AppView, ServiceError> {
    apply_edit(core, actor, client_id, change).await?;
    super::show_app(core, client_id).await
}

/// `edit_app`, saying whether anything changed instead of reading the app again.
pub async fn apply_edit(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    change: AppChange,
) -> Result<bool, ServiceError> {
    let app = load(core, client_id).await?;
    let mut problems = Vec::new();
    let name = match &change.client_name {
        Some(raw) => rules::client_name(raw).map_err(|e| problems.push(field("client_name", e))),
        None => Ok(app.client_name.clone()),
    };
    let scopes = match &change.scopes {
        Some(raw) => rules::scopes(app.kind, &core.catalog, raw)
            .map_err(|e| problems.push(field("scopes", e))),
        None => Ok(app.scopes.clone()),
    };
    let lifetime = match change.token_lifetime_seconds {
        Some(raw) => rules::token_lifetime(raw, max_token_lifetime(core))
            .map_err(|e| problems.push(field("token_lifetime_seconds", &e))),
        None => Ok(app.token_lifetime_seconds),
    };
    let addresses = match &change.allowed_addresses {
        Some(raw) => rules::allowed_addresses(raw.iter().map(String::as_str))
            .map(|a| a.entries())
            .map_err(|e| problems.push(field("allowed_addresses", &e))),
        None => Ok(AllowedAddresses::from_stored(&app.allowed_addresses).entries()),
    };
    let (Ok(client_name), Ok(mut after_scopes), Ok(lifetime), Ok(addresses)) =
        (name, scopes, lifetime, addresses)
    else {
        return Err(ServiceError::Invalid(problems));
    };
    // Catalog order on both sides, so the same scopes in another order are no change.
    let mut before_scopes = app.scopes.clone();
    before_scopes.sort_by_key(|s| core.catalog.position(s));
    after_scopes.sort_by_key(|s| core.catalog.position(s));
    let before = AppSettings {
        client_name: app.client_name.clone(),
        pii_mode: app.pii_mode,
        scopes: before_scopes,
        store: app.store.clone().map(Box::new),
        token_lifetime_seconds: app.token_lifetime_seconds,
        allowed_addresses: AllowedAddresses::from_stored(&app.allowed_addresses).entries(),
    };
    let after = AppSettings {
        client_name,
        pii_mode: change.pii_mode.unwrap_or(app.pii_mode),
        scopes: after_scopes,
        store: match (&app.store, change.store) {
            (Some(_), Some(new)) => Some(Box::new(new)),
            (current, _) => current.clone().map(Box::new),
        },
        token_lifetime_seconds: lifetime,
        allowed_addresses: addresses,
    };
    if before != after {
        let stored_addresses = after.allowed_addresses.join("\n");
        let edit = AppEdit {
            client_name: &after.client_name,
            pii_mode: after.pii_mode,
            scopes: &after.scopes,
            store: after.store.as_deref(),
            token_lifetime_seconds: after.token_lifetime_seconds,
            allowed_addresses: &stored_addresses,
        };
        let event = AuditEvent::AppEdited(Change {
            before,
            after: after.clone(),
        });
        let label = actor.label();
        let audit = actor.entry(&label, &app.client_id, event);
        core.store.update_app(app.id, edit, audit).await?;
        tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "app edited");
        return Ok(true);
    }
    Ok(false)
}
