//! App operations, one implementation for every door: the dashboard's forms, the command line
//! (`frontdesk apps`), the seed file and the admin API. Each checks its input with the form's rules and
//! messages (`rules`), writes the change with its audit row in one transaction, and names the actor.

mod edit;
mod ops;
pub mod rules;
mod secrets;
mod state;
mod view;

use std::borrow::Cow;
use std::net::IpAddr;

use crate::domain::{AuditEvent, PiiMode, SecretExpiry, SecretValue};
use crate::store::{AuditEntry, StoreError};

pub use edit::{AppChange, apply_edit, edit_app, max_token_lifetime};
pub use ops::{create_app, delete_app, register};
pub use rules::{CheckedApp, check_new_app, check_new_app_of};
pub use secrets::{
    DEFAULT_GRACE_DAYS, GRACE_RULE, MAX_GRACE_DAYS, RotatedSecret, Rotation, add_secret,
    delete_secret, grace_days, rotate_secret,
};
pub use state::{StateChange, resume_app, revoke_tokens, suspend_app};
pub use view::{AppView, SecretView, list_apps, show_app};

/// Who asks for a change; recorded in its audit row.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in person (the dashboard).
    Person {
        id: i64,
        email: &'a str,
        addr: Option<IpAddr>,
    },
    /// The operator at the machine (`frontdesk apps ...`, the seed file).
    Cli,
    /// A program with admin API access, by its client ID.
    App {
        client_id: &'a str,
        addr: Option<IpAddr>,
    },
}

impl Actor<'_> {
    /// The person's id, for `created_by` columns (no one for the command line or a program).
    pub fn person_id(&self) -> Option<i64> {
        match self {
            Self::Person { id, .. } => Some(*id),
            Self::Cli | Self::App { .. } => None,
        }
    }

    /// How the Activity pages name the actor.
    pub fn label(&self) -> Cow<'_, str> {
        match self {
            Self::Person { email, .. } => Cow::Borrowed(email),
            Self::Cli => Cow::Borrowed("cli"),
            Self::App { client_id, .. } => Cow::Owned(format!("app:{client_id}")),
        }
    }

    /// How the logs name the actor: a person by id, as the dashboard's log lines do (no email address).
    fn log_name(&self) -> String {
        match self {
            Self::Person { id, .. } => format!("user:{id}"),
            other => other.label().into_owned(),
        }
    }

    fn addr(&self) -> Option<IpAddr> {
        match self {
            Self::Person { addr, .. } | Self::App { addr, .. } => *addr,
            Self::Cli => None,
        }
    }

    /// The audit row for `event` on app `client_id`; `label` is `self.label()`, kept by the caller.
    fn entry<'a>(&self, label: &'a str, client_id: &'a str, event: AuditEvent) -> AuditEntry<'a> {
        AuditEntry {
            actor_id: self.person_id(),
            actor_email: Some(label),
            source_addr: self.addr().map(|a| a.to_string()),
            client_id: Some(client_id),
            event,
        }
    }
}

/// A new custom app as any door receives it, unchecked.
#[derive(Debug, Clone)]
pub struct NewAppInput {
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scopes: Vec<String>,
    pub secret_description: String,
    /// When the first secret stops working.
    pub secret_expires: SecretExpiry,
}

/// One refused field: its name as the forms name it (`client_code`, `client_name`, `pii_mode`,
/// `scopes`, `secret_description`, `secret_expires`, `description`, `expires`, `grace_days`, `secret`)
/// and the form's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Why an app operation refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input the rules refuse, every field's problem at once.
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No app (or secret) by that id in the account.
    #[error("not found")]
    NotFound,
    /// The change cannot be made as things stand (e.g. the app already has the most secrets allowed).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A registered app: its client ID, and its first secret, to be shown once.
#[derive(Debug)]
pub struct CreatedApp {
    pub client_id: String,
    pub secret_id: i64,
    pub secret: SecretValue,
}

/// A secret added to an app, its value to be shown once.
#[derive(Debug)]
pub struct AddedSecret {
    pub id: i64,
    pub description: String,
    pub secret: SecretValue,
    /// When it stops working; `None`: never.
    pub expires_at: Option<time::OffsetDateTime>,
}
