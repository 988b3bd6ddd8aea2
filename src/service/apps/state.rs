//! An app's standing: suspending and resuming it, and revoking every token it holds. Its configuration
//! and secrets are never touched.

use crate::domain::AuditEvent;
use crate::domain::audit::RevokedTokens;
use crate::state::Core;

use super::ops::load;
use super::{Actor, ServiceError};

/// What a suspend or resume did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Changed,
    /// The app already was so: nothing written, nothing recorded.
    Unchanged,
}

/// Suspends the app: the token endpoint refuses it (for every grant) and its tokens introspect as
/// inactive until it is resumed.
pub async fn suspend_app(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
) -> Result<StateChange, ServiceError> {
    set_suspended(core, actor, client_id, true).await
}

/// Resumes a suspended app: its secrets work again, and its tokens not otherwise ended are active again.
pub async fn resume_app(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
) -> Result<StateChange, ServiceError> {
    set_suspended(core, actor, client_id, false).await
}

async fn set_suspended(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    suspended: bool,
) -> Result<StateChange, ServiceError> {
    let app = load(core, client_id).await?;
    let event = if suspended {
        AuditEvent::AppSuspended
    } else {
        AuditEvent::AppResumed
    };
    let label = actor.label();
    let audit = actor.entry(&label, &app.client_id, event);
    if !core
        .store
        .set_app_suspended(app.id, suspended, audit)
        .await?
    {
        return Ok(StateChange::Unchanged);
    }
    let what = if suspended {
        "app suspended"
    } else {
        "app resumed"
    };
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "{what}");
    Ok(StateChange::Changed)
}

/// Revokes every token the app holds now: access tokens issued up to this second become inactive, and
/// a store app's grants end with their refresh tokens (people keep their consent, so signing in again
/// needs no new approval). Secrets stay. How many grants were revoked.
pub async fn revoke_tokens(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
) -> Result<usize, ServiceError> {
    let app = load(core, client_id).await?;
    let label = actor.label();
    let mut revoked = 0;
    let entry = |grants: usize| {
        revoked = grants;
        actor.entry(
            &label,
            &app.client_id,
            AuditEvent::TokensRevoked(RevokedTokens { grants }),
        )
    };
    if !core.store.revoke_app_tokens(app.id, entry).await? {
        return Err(ServiceError::NotFound);
    }
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), grants = revoked, "app tokens revoked");
    Ok(revoked)
}
