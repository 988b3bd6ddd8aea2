//! `frontdesk apps secrets ...`: adding, rotating and deleting an app's secrets.

use clap::Subcommand;

use super::{Refusal, SHOWN_ONCE, emit, expiry};
use crate::service::apps::{self, Actor, AppView, DEFAULT_GRACE_DAYS, Rotation, SecretView};
use crate::state::Core;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Add a secret to the app; prints its value, shown only now.
    Add {
        client_id: String,
        #[arg(long)]
        description: String,
        /// When it stops working: never, 30d, 90d, 1y or a date YYYY-MM-DD (the end of that day, UTC).
        #[arg(long, default_value = "never")]
        expires: String,
    },
    /// Rotate a secret: add a new one (printed, shown only now) and let the old one expire after the
    /// grace period.
    Rotate {
        client_id: String,
        /// The secret to replace: its id or its exact description.
        secret: String,
        /// How many days the old secret keeps working, 0 to 90.
        #[arg(long, default_value_t = DEFAULT_GRACE_DAYS)]
        grace_days: i64,
        /// The new secret's description (default: the old one's).
        #[arg(long)]
        description: Option<String>,
        /// The new secret's expiry (default: the old one's period, or never).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Delete one of the app's secrets, named by its id or its exact description, without asking.
    Delete {
        client_id: String,
        /// The secret's id (as `apps show` lists it) or its exact description.
        secret: String,
    },
}

pub(super) async fn execute(core: &Core, command: &SecretsCommand) -> Result<(), Refusal> {
    match command {
        SecretsCommand::Add {
            client_id,
            description,
            expires,
        } => {
            let expires = expiry(expires)?;
            let added =
                apps::add_secret(core, Actor::Cli, client_id, description, expires, None).await?;
            emit(&format!(
                "secret id:     {}\ndescription:   {}\nexpires:       {}\nclient secret: {}\n",
                added.id,
                added.description,
                added.expires_at.map_or("never".into(), rfc3339),
                added.secret.expose()
            ))?;
            eprintln!("{SHOWN_ONCE}");
        }
        SecretsCommand::Delete { client_id, secret } => {
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
        SecretsCommand::Rotate {
            client_id,
            secret,
            grace_days,
            description,
            expires,
        } => {
            let view = apps::show_app(core, client_id).await?;
            let chosen = choose_secret(&view, secret).map_err(Refusal::Message)?;
            let rotation = Rotation {
                grace_days: *grace_days,
                description: description.clone(),
                expires: expires.as_deref().map(expiry).transpose()?,
            };
            let done =
                apps::rotate_secret(core, Actor::Cli, &view.client_id, chosen.id, rotation).await?;
            emit(&format!(
                "secret id:     {}\ndescription:   {}\nexpires:       {}\nclient secret: {}\nold secret {} expires at {}\n",
                done.added.id,
                done.added.description,
                done.added.expires_at.map_or("never".into(), rfc3339),
                done.added.secret.expose(),
                chosen.id,
                rfc3339(done.old_expires_at),
            ))?;
            eprintln!("{SHOWN_ONCE}");
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
