//! Registering and deleting apps (their secrets: `secrets`).

use crate::domain::audit::{AppRegistration, DeletedApp};
use crate::domain::{
    AppKind, AuditEvent, ClientCode, ClientId, PasswordHasher, SecretValue, StoreSettings,
};
use crate::state::Core;
use crate::store::{AppDetail, Constraint, NewApp, NewSecret, StoreError};

use super::rules::{self, CheckedApp, TAKEN, field};
use super::{Actor, CreatedApp, NewAppInput, ServiceError};

/// Registers a custom app: the form's checks (a taken client code reported with the other problems),
/// then `register`. `secret`: `None` generates one; a given value (the seed file's) must follow
/// `rules::given_secret`.
pub async fn create_app(
    core: &Core,
    actor: Actor<'_>,
    input: NewAppInput,
    secret: Option<SecretValue>,
) -> Result<CreatedApp, ServiceError> {
    let checked = rules::check_new_app_of(AppKind::Custom, &core.catalog, &input);
    let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
    if let Ok(code) = ClientCode::parse(&input.client_code)
        && core
            .store
            .client_code_taken(&core.config.account_code, &code)
            .await?
    {
        problems.retain(|e| e.field != "client_code");
        problems.insert(0, field("client_code", TAKEN));
    }
    if let Some(Err(e)) = secret.as_ref().map(rules::given_secret) {
        problems.push(field("secret", e));
    }
    if let Err(e) = input.secret_expires.at(core.clock.now()) {
        problems.push(field("secret_expires", e));
    }
    match checked {
        Ok(checked) if problems.is_empty() => register(core, actor, checked, None, secret).await,
        _ => Err(ServiceError::Invalid(problems)),
    }
}

/// Stores a checked app of either kind (a store app when `store` is `Some`) with its first secret and
/// the audit row. A client code taken meanwhile is `Invalid` on `client_code`, in the form's words.
pub async fn register(
    core: &Core,
    actor: Actor<'_>,
    app: CheckedApp,
    store: Option<StoreSettings>,
    secret: Option<SecretValue>,
) -> Result<CreatedApp, ServiceError> {
    let expires_at = app
        .secret_expires
        .at(core.clock.now())
        .map_err(|e| ServiceError::Invalid(vec![field("secret_expires", e)]))?;
    let secret = given_or_generated(secret)?;
    let secret_hash = PasswordHasher.hash_async(secret.clone()).await?;
    let account = &core.config.account_code;
    let kind = match store {
        Some(_) => AppKind::Store,
        None => AppKind::Custom,
    };
    let client_id = ClientId::of(kind, account, &app.client_code);
    let new_app = NewApp {
        account,
        client_code: &app.client_code,
        client_id: &client_id,
        client_name: &app.client_name,
        pii_mode: app.pii_mode,
        scopes: &app.scopes,
        secret: NewSecret {
            description: &app.secret_description,
            lookup_id: secret.lookup_id(),
            hash: &secret_hash,
            expires_at,
        },
        created_by: actor.person_id(),
        store: store.as_ref(),
    };
    let event = AuditEvent::AppCreated(AppRegistration {
        client_code: app.client_code.as_str().to_owned(),
        client_name: app.client_name.clone(),
        pii_mode: app.pii_mode,
        scopes: app.scopes.clone(),
        secret_description: app.secret_description.clone(),
        secret_expires_at: expires_at.map(rfc3339),
        store: store.clone().map(Box::new),
    });
    let label = actor.label();
    let audit = actor.entry(&label, client_id.as_str(), event);
    let secret_id = match core.store.create_app(new_app, audit).await {
        Ok(id) => id,
        // Another request took the code between the check and the insert (the client ID is made of
        // the account and client codes, so its key says the same).
        Err(StoreError::Duplicate(Constraint::ClientCode | Constraint::ClientId)) => {
            return Err(ServiceError::Invalid(vec![field("client_code", TAKEN)]));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(client_id = %client_id, actor = %actor.log_name(), kind = kind.as_str(), "app created");
    Ok(CreatedApp {
        client_id: client_id.as_str().to_owned(),
        secret_id,
        secret,
    })
}

pub(super) fn given_or_generated(secret: Option<SecretValue>) -> Result<SecretValue, ServiceError> {
    match secret {
        None => Ok(SecretValue::generate()),
        Some(given) => match rules::given_secret(&given) {
            Ok(()) => Ok(given),
            Err(e) => Err(ServiceError::Invalid(vec![field("secret", e)])),
        },
    }
}

/// A moment as the audit log and programs read it.
pub(super) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The app with this client ID in the account.
pub(super) async fn load(core: &Core, client_id: &str) -> Result<AppDetail, ServiceError> {
    core.store
        .app_detail(&core.config.account_code, client_id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Deletes the app with its secrets (of either kind); its audit rows stay.
pub async fn delete_app(
    core: &Core,
    actor: Actor<'_>,
    client_id: &str,
) -> Result<(), ServiceError> {
    let app = load(core, client_id).await?;
    let event = AuditEvent::AppDeleted(DeletedApp {
        client_code: app.client_code.clone(),
        client_name: app.client_name.clone(),
        secrets: app.secrets.len(),
    });
    let label = actor.label();
    let audit = actor.entry(&label, &app.client_id, event);
    if !core.store.delete_app(app.id, audit).await? {
        return Err(ServiceError::NotFound);
    }
    tracing::info!(client_id = %app.client_id, actor = %actor.log_name(), "app deleted");
    Ok(())
}
