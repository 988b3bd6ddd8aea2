//! Editing an app's name, personal-data mode and scopes (for the admin API's PATCH). A store app's
//! logo, redirect URIs and PKCE flag are left as they are; the dashboard's edit form changes those.

use crate::domain::audit::{AppSettings, Change};
use crate::domain::{AuditEvent, PiiMode};
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
}

/// Applies `change` by the form's rules (field names `client_name`, `scopes`), with an audit row of
/// the settings before and after; nothing is written or recorded when nothing changes. The app as it
/// is afterwards.
pub async fn edit_app(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    change: AppChange,
) -> Result<AppView, ServiceError> {
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
    let (Ok(client_name), Ok(mut after_scopes)) = (name, scopes) else {
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
    };
    let after = AppSettings {
        client_name,
        pii_mode: change.pii_mode.unwrap_or(app.pii_mode),
        scopes: after_scopes,
        store: app.store.clone().map(Box::new),
    };
    if before != after {
        let edit = AppEdit {
            client_name: &after.client_name,
            pii_mode: after.pii_mode,
            scopes: &after.scopes,
            store: None,
        };
        let event = AuditEvent::AppEdited(Change {
            before,
            after: after.clone(),
        });
        let label = actor.label();
        let audit = actor.entry(&label, &app.client_id, event);
        core.store.update_app(app.id, edit, audit).await?;
        tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "app edited");
    }
    super::show_app(core, &app.client_id).await
}
