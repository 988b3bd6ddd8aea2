//! `frontdesk apps ...`: the account's apps from the machine, by the operations the dashboard uses
//! (`service::apps`), so the rules and messages are the form's and Activity names the actor `cli`.

mod secrets;
mod state;
mod text;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::{Cli, config, open_store};
use crate::clock::Clock;
use crate::domain::SecretExpiry;
use crate::domain::{PiiMode, ScopeCatalog};
use crate::service::apps::{self, Actor, NewAppInput, ServiceError};
use crate::store::AppFilter;

use crate::state::Core;
pub use secrets::SecretsCommand;

#[derive(Subcommand)]
pub enum AppsCommand {
    /// List every app, custom and store: client ID, name, kind, how many scopes and secrets, created.
    List {
        /// Print a JSON array of the apps instead of a table.
        #[arg(long)]
        json: bool,
        /// Only apps with a secret expiring within 14 days (expiring-soon), with an expired secret
        /// (expired), or with no token for 90 days (unused); default all.
        #[arg(long, default_value = "all")]
        filter: String,
    },
    /// Register a custom app (client credentials); prints its client ID and secret, shown only now.
    Create {
        /// The client code: letters, digits and underscores, at most 32 (stored upper-case).
        #[arg(long)]
        code: String,
        /// The client name.
        #[arg(long)]
        name: String,
        /// The scopes, separated by commas (e.g. setup.read,reservations.read).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Whether the app may retrieve personal data: retrieve or dont_retrieve. (Read as text, so a
        /// wrong value is refused like the form's, with exit status 1.)
        #[arg(long, default_value = "dont_retrieve")]
        pii: String,
        /// The description of the app's first secret.
        #[arg(long, default_value = "Initial secret")]
        secret_description: String,
        /// When the first secret stops working: never, 30d, 90d, 1y or a date YYYY-MM-DD (the end of
        /// that day, UTC).
        #[arg(long, default_value = "never")]
        expires: String,
        /// Print the app as JSON, with "client_secret".
        #[arg(long)]
        json: bool,
    },
    /// Show one app, by client ID: its settings and its secrets (never their values).
    Show {
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete an app and its secrets, without asking: its tokens stop working at once.
    Delete { client_id: String },
    /// Add or delete an app's secrets.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    #[command(flatten)]
    State(state::StateCommand),
}

/// Why a command refused; printed on standard error, and the process exits with 1.
pub(super) enum Refusal {
    Service(ServiceError),
    Message(String),
}

impl From<ServiceError> for Refusal {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

pub(super) async fn run(cli: &Cli, command: &AppsCommand) -> Result<(), ExitCode> {
    let config = config(cli)?;
    let clock = Clock::default();
    let store = open_store(&cli.database_url)
        .await?
        .with_clock(clock.clone());
    let catalog = ScopeCatalog::builtin().map_err(|e| super::failed(anyhow::Error::msg(e)))?;
    let core = Core {
        clock,
        store,
        config: Arc::new(config),
        catalog: Arc::new(catalog),
    };
    let client_id = match command {
        AppsCommand::Show { client_id, .. } | AppsCommand::Delete { client_id } => client_id,
        AppsCommand::Secrets(
            SecretsCommand::Add { client_id, .. }
            | SecretsCommand::Delete { client_id, .. }
            | SecretsCommand::Rotate { client_id, .. },
        ) => client_id,
        AppsCommand::State(command) => command.client_id(),
        AppsCommand::List { .. } | AppsCommand::Create { .. } => "",
    };
    match execute(&core, command).await {
        Ok(()) => Ok(()),
        Err(Refusal::Message(why)) => {
            eprintln!("error: {why}");
            Err(ExitCode::FAILURE)
        }
        Err(Refusal::Service(ServiceError::Invalid(problems))) => {
            for p in problems {
                eprintln!("error: {}: {}", p.field, p.message);
            }
            Err(ExitCode::FAILURE)
        }
        Err(Refusal::Service(ServiceError::NotFound)) => {
            eprintln!("error: there is no app with the client ID {client_id}");
            Err(ExitCode::FAILURE)
        }
        Err(Refusal::Service(ServiceError::Conflict(why))) => {
            eprintln!("error: {why}");
            Err(ExitCode::FAILURE)
        }
        Err(Refusal::Service(ServiceError::Store(e))) => Err(super::failed(e.into())),
        Err(Refusal::Service(ServiceError::Other(e))) => Err(super::failed(e)),
    }
}

/// An expiry in the command line's words, or the field's problem.
fn expiry(raw: &str) -> Result<SecretExpiry, Refusal> {
    SecretExpiry::parse(raw).map_err(|e| {
        let problem = apps::FieldError {
            field: "expires",
            message: format!("{e} (--expires never, 30d, 90d, 1y or YYYY-MM-DD)"),
        };
        ServiceError::Invalid(vec![problem]).into()
    })
}

/// Writes `text` on standard output. A reader that stopped early (`| head`) is no failure of the
/// command; any other write error is, since a secret shown only now may not have reached anyone.
pub(super) fn emit(text: &str) -> Result<(), Refusal> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Refusal::Message(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Prints a value as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> Result<(), Refusal> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ServiceError::Other(anyhow::Error::new(e)))?;
    emit(&format!("{text}\n"))
}

pub(super) const SHOWN_ONCE: &str =
    "note: the client secret is shown only now; frontdesk keeps only its hash. Store it safely.";

async fn execute(core: &Core, command: &AppsCommand) -> Result<(), Refusal> {
    match command {
        AppsCommand::List { json, filter } => {
            let filter = match filter.trim() {
                "all" => AppFilter::All,
                "expiring-soon" => AppFilter::ExpiringSoon,
                "expired" => AppFilter::Expired,
                "unused" => AppFilter::Unused,
                other => {
                    return Err(Refusal::Message(format!(
                        "--filter {other:?}: use all, expiring-soon, expired or unused"
                    )));
                }
            };
            let apps = apps::list_apps(core, filter).await?;
            if *json {
                print_json(&apps)?;
            } else {
                emit(&text::table(&apps))?;
            }
        }
        AppsCommand::Create {
            code,
            name,
            scopes,
            pii,
            secret_description,
            expires,
            json,
        } => {
            let pii_mode = match pii.trim() {
                "retrieve" => PiiMode::Retrieve,
                "dont_retrieve" => PiiMode::DontRetrieve,
                _ => {
                    // The form's own message for a choice it does not know.
                    let message = PiiMode::parse("").err().unwrap_or_default();
                    let problem = apps::FieldError {
                        field: "pii_mode",
                        message: format!("{message} (--pii retrieve or dont_retrieve)"),
                    };
                    return Err(ServiceError::Invalid(vec![problem]).into());
                }
            };
            let input = NewAppInput {
                client_code: code.clone(),
                client_name: name.clone(),
                pii_mode,
                // `a, b` and a trailing comma are forgiven; scope names hold no spaces.
                scopes: scopes
                    .iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                secret_description: secret_description.clone(),
                secret_expires: expiry(expires)?,
            };
            let created = apps::create_app(core, Actor::Cli, input, None).await?;
            let view = apps::show_app(core, &created.client_id).await?;
            if *json {
                let mut value = serde_json::to_value(&view)
                    .map_err(|e| ServiceError::Other(anyhow::Error::new(e)))?;
                if let Some(object) = value.as_object_mut() {
                    object.insert("client_secret".into(), created.secret.expose().into());
                }
                print_json(&value)?;
            } else {
                emit(&text::created(&view, created.secret.expose()))?;
            }
            eprintln!("{SHOWN_ONCE}");
        }
        AppsCommand::Show { client_id, json } => {
            let view = apps::show_app(core, client_id).await?;
            if *json {
                print_json(&view)?;
            } else {
                emit(&text::app(&view))?;
            }
        }
        AppsCommand::Delete { client_id } => {
            let view = apps::show_app(core, client_id).await?;
            apps::delete_app(core, Actor::Cli, &view.client_id).await?;
            emit(&format!(
                "deleted {} ({}) with its {} secret(s); its tokens no longer work\n",
                view.client_name,
                view.client_id,
                view.secrets.len()
            ))?;
        }
        AppsCommand::Secrets(command) => secrets::execute(core, command).await?,
        AppsCommand::State(command) => state::execute(core, command).await?,
    }
    Ok(())
}
