//! INTERIM (see `mod.rs`): adding and deleting an app's secrets, straight on the store.

use super::{Actor, AddedSecret, ServiceError, description, entry, label};
use crate::domain::audit::SecretLabel;
use crate::domain::{AuditEvent, PasswordHasher, SecretValue};
use crate::state::Core;
use crate::store::{AddSecretError, AppDetail, NewSecret};

pub async fn add_secret(
    core: &Core,
    actor: Actor<'_>,
    app: &AppDetail,
    raw: &str,
) -> Result<AddedSecret, ServiceError> {
    let mut errors = Vec::new();
    let Some(description) = description(raw, &mut errors, "description") else {
        return Err(ServiceError::Invalid(errors));
    };
    let secret = SecretValue::generate();
    let hash = PasswordHasher
        .hash_async(secret.clone())
        .await
        .map_err(ServiceError::Other)?;
    let new = NewSecret {
        description: &description,
        lookup_id: secret.lookup_id(),
        hash: &hash,
    };
    let label = label(&actor);
    let event = AuditEvent::SecretAdded(SecretLabel {
        description: description.clone(),
    });
    match core
        .store
        .add_secret(
            app.id,
            new,
            None,
            entry(&actor, &label, &app.client_id, event),
        )
        .await
    {
        Ok(()) => {}
        Err(AddSecretError::TooMany) => {
            return Err(ServiceError::Conflict(
                "the app already has 10 secrets, the most allowed: delete one first".into(),
            ));
        }
        Err(AddSecretError::NoApp) => return Err(ServiceError::NotFound),
        Err(AddSecretError::Store(e)) => return Err(e.into()),
    }
    // The new secret is the app's newest.
    let id = core
        .store
        .app_detail(&core.config.account_code, &app.client_id)
        .await?
        .and_then(|a| a.secrets.iter().map(|s| s.id).max())
        .ok_or(ServiceError::NotFound)?;
    Ok(AddedSecret {
        id,
        description,
        secret,
    })
}

pub async fn delete_secret(
    core: &Core,
    actor: Actor<'_>,
    app: &AppDetail,
    secret_id: i64,
) -> Result<(), ServiceError> {
    let Some(secret) = app.secrets.iter().find(|s| s.id == secret_id) else {
        return Err(ServiceError::NotFound);
    };
    let label = label(&actor);
    let event = AuditEvent::SecretDeleted(SecretLabel {
        description: secret.description.clone(),
    });
    if core
        .store
        .delete_secret(
            app.id,
            secret_id,
            entry(&actor, &label, &app.client_id, event),
        )
        .await?
    {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}
