//! INTERIM: changing an app's name, personal-data mode and scopes for `PATCH /api/v1/apps/{client_id}`,
//! straight on the store, because `service::apps` has no edit operation yet (the dashboard's edit form
//! still writes through the store itself). It uses the service's rules and actor, so moving it there
//! as `service::apps::edit_app` is a move, not a rewrite.

use crate::domain::audit::{AppSettings, Change};
use crate::domain::{AuditEvent, PiiMode};
use crate::service::apps::rules;
use crate::service::apps::{Actor, FieldError, ServiceError};
use crate::state::Core;
use crate::store::{AppDetail, AppEdit, AuditEntry};

/// What to change; `None` leaves it.
pub struct AppChange {
    pub client_name: Option<String>,
    pub pii_mode: Option<PiiMode>,
    pub scopes: Option<Vec<String>>,
}

fn refused(field: &'static str, message: &str) -> FieldError {
    FieldError {
        field,
        message: message.to_owned(),
    }
}

/// Applies `change` to `app` with its audit row (`app.edited`, before and after); nothing is written
/// when nothing changes. A store app's own settings are left as they are.
pub async fn edit_app(
    core: &Core,
    actor: Actor<'_>,
    app: &AppDetail,
    change: AppChange,
) -> Result<(), ServiceError> {
    let mut problems = Vec::new();
    let client_name = match &change.client_name {
        Some(raw) => rules::client_name(raw)
            .map_err(|e| problems.push(refused("client_name", e)))
            .ok(),
        None => Some(app.client_name.clone()),
    };
    let scopes = match &change.scopes {
        Some(raw) => rules::scopes(app.kind, &core.catalog, raw)
            .map_err(|e| problems.push(refused("scopes", e)))
            .ok(),
        None => Some(app.scopes.clone()),
    };
    let (Some(client_name), Some(mut scopes), true) = (client_name, scopes, problems.is_empty())
    else {
        return Err(ServiceError::Invalid(problems));
    };
    scopes.sort_by_key(|s| core.catalog.position(s));
    let mut before_scopes = app.scopes.clone();
    before_scopes.sort_by_key(|s| core.catalog.position(s));
    let store = app.store.clone().map(Box::new);
    let before = AppSettings {
        client_name: app.client_name.clone(),
        pii_mode: app.pii_mode,
        scopes: before_scopes,
        store: store.clone(),
    };
    let after = AppSettings {
        client_name,
        pii_mode: change.pii_mode.unwrap_or(app.pii_mode),
        scopes,
        store,
    };
    if before == after {
        return Ok(());
    }
    let edit = AppEdit {
        client_name: &after.client_name,
        pii_mode: after.pii_mode,
        scopes: &after.scopes,
        store: None,
    };
    let label = actor.label();
    let addr = match actor {
        Actor::Person { addr, .. } | Actor::App { addr, .. } => addr,
        Actor::Cli => None,
    };
    let audit = AuditEntry {
        actor_id: actor.person_id(),
        actor_email: Some(&label),
        source_addr: addr.map(|a| a.to_string()),
        client_id: Some(&app.client_id),
        event: AuditEvent::AppEdited(Change {
            before,
            after: after.clone(),
        }),
    };
    core.store.update_app(app.id, edit, audit).await?;
    tracing::info!(client_id = %app.client_id, actor = %label, "app edited");
    Ok(())
}
