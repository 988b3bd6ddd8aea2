//! Applying an app's standing and token settings from the seed file: only what the file gives, and
//! only when it differs (no write, no audit row otherwise), through the dashboard's operations.

use super::{Applied, PlannedApp};
use crate::domain::AllowedAddresses;
use crate::service::apps::{self, Actor, AppChange, ServiceError};
use crate::state::Core;

pub(super) async fn apply(
    core: &Core,
    app: &PlannedApp,
    applied: &mut Applied,
) -> Result<(), ServiceError> {
    let wanted = &app.standing;
    let current = core
        .store
        .app_detail(&core.config.account_code, &app.client_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let lifetime = wanted
        .token_lifetime_seconds
        .filter(|&s| current.token_lifetime_seconds != Some(s));
    let current_addresses = AllowedAddresses::from_stored(&current.allowed_addresses).entries();
    let addresses = wanted
        .allowed_addresses
        .clone()
        .filter(|list| *list != current_addresses);
    if lifetime.is_some() || addresses.is_some() {
        let change = AppChange {
            token_lifetime_seconds: lifetime.map(Some),
            allowed_addresses: addresses,
            ..AppChange::default()
        };
        apps::edit_app(core, Actor::Cli, &app.client_id, change).await?;
        applied
            .changes
            .push(format!("updated the token settings of {}", app.client_id));
    }
    match wanted.suspended {
        Some(true) if current.suspended_at.is_none() => {
            apps::suspend_app(core, Actor::Cli, &app.client_id).await?;
            applied
                .changes
                .push(format!("suspended app {}", app.client_id));
        }
        Some(false) if current.suspended_at.is_some() => {
            apps::resume_app(core, Actor::Cli, &app.client_id).await?;
            applied
                .changes
                .push(format!("resumed app {}", app.client_id));
        }
        _ => {}
    }
    Ok(())
}
