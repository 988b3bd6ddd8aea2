//! An app's secrets: adding one (with its expiry), rotating one (a new secret, the old one left to
//! expire after a grace period) and deleting one.

use time::Duration;

use crate::domain::audit::{AddedSecret as AddedLabel, SecretLabel, SecretRotation};
use crate::domain::{AuditEvent, PasswordHasher, SecretExpiry, SecretValue};
use crate::state::Core;
use crate::store::{AddSecretError, Constraint, NewSecret, RotateSecretError, StoreError};

use super::ops::{given_or_generated, load, rfc3339};
use super::rules::{self, TOO_MANY, field};
use super::{Actor, AddedSecret, FieldError, ServiceError};

/// A rotation's grace period, in days: the old secret keeps working this long.
pub const DEFAULT_GRACE_DAYS: i64 = 7;
pub const MAX_GRACE_DAYS: i64 = 90;
pub const GRACE_RULE: &str = "Enter a whole number of days from 0 to 90";

/// A grace period as typed (`"7"`), in the form's words.
pub fn grace_days(raw: &str) -> Result<i64, &'static str> {
    match raw.trim().parse::<i64>() {
        Ok(days) if (0..=MAX_GRACE_DAYS).contains(&days) => Ok(days),
        _ => Err(GRACE_RULE),
    }
}

/// Adds a secret described `description` (field `description`) to the app, expiring as `expires`
/// says (field `expires`), unless it already has the most allowed (`Conflict`). `secret`: `None`
/// generates one; a given value (the seed file's) must follow `rules::given_secret`.
pub async fn add_secret(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    description: &str,
    expires: SecretExpiry,
    secret: Option<SecretValue>,
) -> Result<AddedSecret, ServiceError> {
    let app = load(core, client_id).await?;
    let mut problems: Vec<FieldError> = Vec::new();
    let description = rules::secret_description(description)
        .map_err(|e| problems.push(field("description", e)))
        .ok();
    let expires_at = expires
        .at(core.clock.now())
        .map_err(|e| problems.push(field("expires", e)))
        .ok();
    if let Some(Err(e)) = secret.as_ref().map(rules::given_secret) {
        problems.push(field("secret", e));
    }
    let (Some(description), Some(expires_at)) = (description, expires_at) else {
        return Err(ServiceError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let secret = given_or_generated(secret)?;
    let hash = PasswordHasher.hash_async(secret.clone()).await?;
    let event = AuditEvent::SecretAdded(AddedLabel {
        description: description.clone(),
        expires_at: expires_at.map(rfc3339),
    });
    let label = actor.label();
    let audit = actor.entry(&label, &app.client_id, event);
    let new = NewSecret {
        description: &description,
        lookup_id: secret.lookup_id(),
        hash: &hash,
        expires_at,
    };
    let id = match core
        .store
        .add_secret(app.id, &new, actor.person_id(), audit)
        .await
    {
        Ok(id) => id,
        Err(AddSecretError::TooMany) => return Err(ServiceError::Conflict(TOO_MANY.to_owned())),
        Err(AddSecretError::NoApp) => return Err(ServiceError::NotFound),
        // Only a given value can share its lookup id with another of the app's secrets.
        Err(AddSecretError::Store(StoreError::Duplicate(Constraint::SecretLookupId))) => {
            let problem = field("secret", rules::SECRET_LOOKUP_TAKEN);
            return Err(ServiceError::Invalid(vec![problem]));
        }
        Err(AddSecretError::Store(e)) => return Err(e.into()),
    };
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "secret added");
    Ok(AddedSecret {
        id,
        description,
        secret,
        expires_at,
    })
}

/// How to rotate a secret: the grace period of the old one, and the new one's description (`None`:
/// the old one's) and expiry (`None`: the old secret's period, or never if it had none).
#[derive(Debug, Clone, Default)]
pub struct Rotation {
    pub grace_days: i64,
    pub description: Option<String>,
    pub expires: Option<SecretExpiry>,
}

/// A rotation done: the new secret (its value to be shown once) and the old one's expiry.
#[derive(Debug)]
pub struct RotatedSecret {
    pub added: AddedSecret,
    pub old_expires_at: time::OffsetDateTime,
}

/// Rotates secret `secret_id`: adds a new one (counted against the cap like any) and sets the old one
/// to expire `grace_days` from now (never later than it already would), with one audit row, in one
/// transaction. Problems are reported on fields `grace_days`, `description` and `expires`.
pub async fn rotate_secret(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    secret_id: i64,
    rotation: Rotation,
) -> Result<RotatedSecret, ServiceError> {
    let app = load(core, client_id).await?;
    let old = app
        .secrets
        .iter()
        .find(|s| s.id == secret_id)
        .ok_or(ServiceError::NotFound)?;
    let now = core.clock.now();
    let mut problems: Vec<FieldError> = Vec::new();
    if !(0..=MAX_GRACE_DAYS).contains(&rotation.grace_days) {
        problems.push(field("grace_days", GRACE_RULE));
    }
    let description = match &rotation.description {
        Some(given) => rules::secret_description(given)
            .map_err(|e| problems.push(field("description", e)))
            .ok(),
        None => Some(old.description.clone()),
    };
    let expires = rotation
        .expires
        .unwrap_or_else(|| SecretExpiry::period_of(old.created_at, old.expires_at));
    let expires_at = expires
        .at(now)
        .map_err(|e| problems.push(field("expires", e)))
        .ok();
    let (Some(description), Some(expires_at)) = (description, expires_at) else {
        return Err(ServiceError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let secret = SecretValue::generate();
    let hash = PasswordHasher.hash_async(secret.clone()).await?;
    let new = NewSecret {
        description: &description,
        lookup_id: secret.lookup_id(),
        hash: &hash,
        expires_at,
    };
    let grace_end = now.replace_nanosecond(0).unwrap_or(now) + Duration::days(rotation.grace_days);
    let label = actor.label();
    let rotated = core
        .store
        .rotate_secret(app.id, old.id, grace_end, &new, actor.person_id(), |done| {
            let event = AuditEvent::SecretRotated(SecretRotation {
                old_secret_id: old.id,
                old_description: old.description.clone(),
                old_expires_at: rfc3339(done.old_expires_at),
                new_secret_id: done.new_secret_id,
                new_description: description.clone(),
                new_expires_at: expires_at.map(rfc3339),
            });
            actor.entry(&label, &app.client_id, event)
        })
        .await;
    let rotated = match rotated {
        Ok(rotated) => rotated,
        Err(RotateSecretError::TooMany) => {
            return Err(ServiceError::Conflict(TOO_MANY.to_owned()));
        }
        Err(RotateSecretError::NotFound) => return Err(ServiceError::NotFound),
        Err(RotateSecretError::Store(e)) => return Err(e.into()),
    };
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "secret rotated");
    Ok(RotatedSecret {
        added: AddedSecret {
            id: rotated.new_secret_id,
            description,
            secret,
            expires_at,
        },
        old_expires_at: rotated.old_expires_at,
    })
}

/// Deletes one of the app's secrets (even its last: the app then cannot obtain tokens).
pub async fn delete_secret(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
    secret_id: i64,
) -> Result<(), ServiceError> {
    let app = load(core, client_id).await?;
    let secret = app
        .secrets
        .iter()
        .find(|s| s.id == secret_id)
        .ok_or(ServiceError::NotFound)?;
    let event = AuditEvent::SecretDeleted(SecretLabel {
        description: secret.description.clone(),
    });
    let label = actor.label();
    let audit = actor.entry(&label, &app.client_id, event);
    if !core.store.delete_secret(app.id, secret.id, audit).await? {
        return Err(ServiceError::NotFound);
    }
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "secret deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grace_period_is_zero_to_ninety_days() {
        assert_eq!(grace_days("0"), Ok(0));
        assert_eq!(grace_days(" 90 "), Ok(90));
        for bad in ["91", "-1", "", "seven", "1.5"] {
            assert_eq!(grace_days(bad), Err(GRACE_RULE), "{bad}");
        }
    }
}
