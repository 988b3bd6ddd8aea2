//! `frontdesk apps ...`: the account's apps from the machine, by the operations the dashboard uses
//! (`service::apps`), so the rules and messages are the form's and Activity names the actor `cli`.

mod state;
mod text;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::{Cli, config, open_store};
use crate::clock::Clock;
use crate::domain::{PiiMode, ScopeCatalog};
use crate::service::apps::{self, Actor, AppView, NewAppInput, SecretView, ServiceError};
use crate::state::Core;

#[derive(Subcommand)]
pub enum AppsCommand {
    /// List every app, custom and store: client ID, name, kind, how many scopes and secrets, created.
    List {
        /// Print a JSON array of the apps instead of a table.
        #[arg(long)]
        json: bool,
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

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Add a secret to the app; prints its value, shown only now.
    Add {
        client_id: String,
        #[arg(long)]
        description: String,
    },
    /// Delete one of the app's secrets, named by its id or its exact description, without asking.
    Delete {
        client_id: String,
        /// The secret's id (as `apps show` lists it) or its exact description.
        secret: String,
    },
}

/// Why a command refused; printed on standard error, and the process exits with 1.
enum Refusal {
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
            SecretsCommand::Add { client_id, .. } | SecretsCommand::Delete { client_id, .. },
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

/// Writes `text` on standard output. A reader that stopped early (`| head`) is no failure of the
/// command; any other write error is, since a secret shown only now may not have reached anyone.
fn emit(text: &str) -> Result<(), Refusal> {
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

const SHOWN_ONCE: &str =
    "note: the client secret is shown only now; frontdesk keeps only its hash. Store it safely.";

async fn execute(core: &Core, command: &AppsCommand) -> Result<(), Refusal> {
    match command {
        AppsCommand::List { json } => {
            let apps = apps::list_apps(core).await?;
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
        AppsCommand::Secrets(SecretsCommand::Add {
            client_id,
            description,
        }) => {
            let added = apps::add_secret(core, Actor::Cli, client_id, description, None).await?;
            emit(&format!(
                "secret id:     {}\ndescription:   {}\nclient secret: {}\n",
                added.id,
                added.description,
                added.secret.expose()
            ))?;
            eprintln!("{SHOWN_ONCE}");
        }
        AppsCommand::State(command) => state::execute(core, command).await?,
        AppsCommand::Secrets(SecretsCommand::Delete { client_id, secret }) => {
            let view = apps::show_app(core, client_id).await?;
            let chosen = choose_secret(&view, secret).map_err(Refusal::Message)?;
            apps::delete_secret(core, Actor::Cli, &view.client_id, chosen.id).await?;
            let mut said = format!(
                "deleted the secret {} ({:?}) of {}\n",
                chosen.id, chosen.description, view.client_id
            );
            if view.secrets.len() == 1 {
                said.push_str(&format!(
                    "{} has no secret left and cannot request tokens\n",
                    view.client_id
                ));
            }
            emit(&said)?;
        }
    }
    Ok(())
}

/// The secret `named` names: its id, else its exact description, which must then be unambiguous.
fn choose_secret(app: &AppView, named: &str) -> Result<SecretView, String> {
    if let Ok(id) = named.trim().parse::<i64>()
        && let Some(found) = app.secrets.iter().find(|s| s.id == id)
    {
        return Ok(found.clone());
    }
    let matching: Vec<&SecretView> = app
        .secrets
        .iter()
        .filter(|s| s.description == named)
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!(
            "{} has no secret with the id or description {named:?}",
            app.client_id
        )),
        many => Err(format!(
            "{} has {} secrets described {named:?} (ids {}); name one by its id",
            app.client_id,
            many.len(),
            many.iter()
                .map(|s| s.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
