//! INTERIM, to be replaced by `service::apps` (being written on branch `apps-cli`, the one
//! implementation of app writes for the dashboard, the command line and this API): the writes the
//! admin API needs, straight on the store, in that module's shape (`Actor`, `NewAppInput`,
//! `ServiceError`, ...), so that switching is a change of import. Checks are the dashboard's: the
//! same domain parsers, the same messages.

mod secrets;

use std::net::IpAddr;

use crate::domain::audit::{AppRegistration, AppSettings, Change, DeletedApp};
use crate::domain::{AppKind, AuditEvent, ClientCode, ClientId, PasswordHasher, PiiMode};
use crate::domain::{SecretValue, single_line};
use crate::state::Core;
use crate::store::{AppDetail, AppEdit, AuditEntry, Constraint, NewApp};
use crate::store::{NewSecret, StoreError};

/// Who makes the change: here always an app, through the admin API (audit actor `app:{client_id}`).
pub enum Actor<'a> {
    App {
        client_id: &'a str,
        addr: Option<IpAddr>,
    },
}

pub struct NewAppInput {
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scopes: Vec<String>,
    pub secret_description: String,
}

/// What to change; `None` leaves it.
pub struct AppChange {
    pub client_name: Option<String>,
    pub pii_mode: Option<PiiMode>,
    pub scopes: Option<Vec<String>>,
}

pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub enum ServiceError {
    Invalid(Vec<FieldError>),
    NotFound,
    Conflict(String),
    Store(StoreError),
    Other(anyhow::Error),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

pub use secrets::{add_secret, delete_secret};

pub struct CreatedApp {
    pub client_id: String,
    pub secret: SecretValue,
}

pub struct AddedSecret {
    pub id: i64,
    pub description: String,
    pub secret: SecretValue,
}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn entry<'a>(
    actor: &'a Actor<'_>,
    label: &'a str,
    client_id: &'a str,
    event: AuditEvent,
) -> AuditEntry<'a> {
    let Actor::App { addr, .. } = actor;
    AuditEntry {
        actor_id: None,
        actor_email: Some(label),
        source_addr: addr.map(|a| a.to_string()),
        client_id: Some(client_id),
        event,
    }
}

fn label(actor: &Actor<'_>) -> String {
    let Actor::App { client_id, .. } = actor;
    format!("app:{client_id}")
}

fn name(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    single_line(
        raw,
        100,
        "Enter a client name",
        "Use at most 100 characters",
    )
    .map_err(|e| errors.push(field("client_name", e)))
    .ok()
}

fn description(raw: &str, errors: &mut Vec<FieldError>, key: &'static str) -> Option<String> {
    single_line(
        raw,
        200,
        "Enter a secret description",
        "Use at most 200 characters",
    )
    .map_err(|e| errors.push(field(key, e)))
    .ok()
}

fn scopes(
    core: &Core,
    kind: AppKind,
    raw: &[String],
    errors: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    let requested = raw.iter().map(String::as_str);
    match kind {
        AppKind::Custom => core.catalog.parse_selection(requested),
        AppKind::Store => core.catalog.parse_store_selection(requested),
    }
    .map_err(|e| errors.push(field("scopes", e)))
    .ok()
}

const TAKEN: &str = "This client code is already taken";

pub async fn create_app(
    core: &Core,
    actor: Actor<'_>,
    input: NewAppInput,
) -> Result<CreatedApp, ServiceError> {
    let mut errors = Vec::new();
    let code =
        ClientCode::parse(&input.client_code).map_err(|e| errors.push(field("client_code", e)));
    let client_name = name(&input.client_name, &mut errors);
    let scopes = scopes(core, AppKind::Custom, &input.scopes, &mut errors);
    let secret_description =
        description(&input.secret_description, &mut errors, "secret_description");
    let account = &core.config.account_code;
    if let Ok(code) = &code
        && core.store.client_code_taken(account, code).await?
    {
        errors.push(field("client_code", TAKEN));
    }
    let (Ok(code), Some(client_name), Some(scopes), Some(secret_description), true) = (
        code,
        client_name,
        scopes,
        secret_description,
        errors.is_empty(),
    ) else {
        return Err(ServiceError::Invalid(errors));
    };
    let secret = SecretValue::generate();
    let hash = PasswordHasher
        .hash_async(secret.clone())
        .await
        .map_err(ServiceError::Other)?;
    let client_id = ClientId::of(AppKind::Custom, account, &code);
    let app = NewApp {
        account,
        client_code: &code,
        client_id: &client_id,
        client_name: &client_name,
        pii_mode: input.pii_mode,
        scopes: &scopes,
        secret: NewSecret {
            description: &secret_description,
            lookup_id: secret.lookup_id(),
            hash: &hash,
        },
        created_by: None,
        store: None,
    };
    let event = AuditEvent::AppCreated(AppRegistration {
        client_code: code.as_str().to_owned(),
        client_name: client_name.clone(),
        pii_mode: input.pii_mode,
        scopes: scopes.clone(),
        secret_description: secret_description.clone(),
        store: None,
    });
    let label = label(&actor);
    match core
        .store
        .create_app(app, entry(&actor, &label, client_id.as_str(), event))
        .await
    {
        Ok(()) => Ok(CreatedApp {
            client_id: client_id.as_str().to_owned(),
            secret,
        }),
        Err(StoreError::Duplicate(Constraint::ClientCode | Constraint::ClientId)) => {
            Err(ServiceError::Invalid(vec![field("client_code", TAKEN)]))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_app(
    core: &Core,
    actor: Actor<'_>,
    app: &AppDetail,
    change: AppChange,
) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    let client_name = match &change.client_name {
        Some(raw) => name(raw, &mut errors),
        None => Some(app.client_name.clone()),
    };
    let scopes = match &change.scopes {
        Some(raw) => scopes(core, app.kind, raw, &mut errors),
        None => Some(app.scopes.clone()),
    };
    let (Some(client_name), Some(mut scopes), true) = (client_name, scopes, errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
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
    let label = label(&actor);
    let event = AuditEvent::AppEdited(Change {
        before,
        after: after.clone(),
    });
    core.store
        .update_app(app.id, edit, entry(&actor, &label, &app.client_id, event))
        .await?;
    Ok(())
}

pub async fn delete_app(
    core: &Core,
    actor: Actor<'_>,
    app: &AppDetail,
) -> Result<(), ServiceError> {
    let event = AuditEvent::AppDeleted(DeletedApp {
        client_code: app.client_code.clone(),
        client_name: app.client_name.clone(),
        secrets: app.secrets.len(),
    });
    let label = label(&actor);
    if core
        .store
        .delete_app(app.id, entry(&actor, &label, &app.client_id, event))
        .await?
    {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}
