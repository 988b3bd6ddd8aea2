//! `frontdesk apps suspend|resume|revoke-tokens|set`: an app's standing and token settings, by the
//! operations the dashboard uses.

use clap::Subcommand;

use super::{Refusal, emit};
use crate::service::apps::{self, Actor, StateChange, rules};
use crate::state::Core;

#[derive(Subcommand)]
pub enum StateCommand {
    /// Suspend an app: the token endpoint refuses it and its tokens are inactive until it is resumed
    /// (its settings and secrets are kept).
    Suspend { client_id: String },
    /// Resume a suspended app: its secrets and its tokens not otherwise ended work again.
    Resume { client_id: String },
    /// Revoke every token the app holds now (a store app's grants and refresh tokens too); its
    /// secrets are kept, so tokens requested afterwards work.
    RevokeTokens { client_id: String },
    /// Set the app's access-token lifetime or allowed addresses; what is not given stays as it is.
    Set {
        client_id: String,
        /// Seconds, 60 up to the server's FRONTDESK_TOKEN_LIFETIME_SECONDS, or `default` for the
        /// server's.
        #[arg(long)]
        token_lifetime: Option<String>,
        /// An IP address or CIDR range (IPv4 or IPv6) the app may request tokens from; repeat it for
        /// more. Replaces the whole list.
        #[arg(long = "allowed-address", conflicts_with = "allow_any_address")]
        allowed_addresses: Vec<String>,
        /// Empty the list: any address may request tokens.
        #[arg(long)]
        allow_any_address: bool,
    },
}

impl StateCommand {
    pub fn client_id(&self) -> &str {
        match self {
            Self::Suspend { client_id }
            | Self::Resume { client_id }
            | Self::RevokeTokens { client_id }
            | Self::Set { client_id, .. } => client_id,
        }
    }
}

pub(super) async fn execute(core: &Core, command: &StateCommand) -> Result<(), Refusal> {
    match command {
        StateCommand::Suspend { client_id } => {
            let said = match apps::suspend_app(core, Actor::Cli, client_id).await? {
                StateChange::Changed => {
                    format!(
                        "suspended {client_id}: it gets no tokens and its tokens are inactive\n"
                    )
                }
                StateChange::Unchanged => format!("{client_id} was already suspended\n"),
            };
            emit(&said)?;
        }
        StateCommand::Resume { client_id } => {
            let said = match apps::resume_app(core, Actor::Cli, client_id).await? {
                StateChange::Changed => format!("resumed {client_id}\n"),
                StateChange::Unchanged => format!("{client_id} was not suspended\n"),
            };
            emit(&said)?;
        }
        StateCommand::RevokeTokens { client_id } => {
            let grants = apps::revoke_tokens(core, Actor::Cli, client_id).await?;
            emit(&format!(
                "revoked every token of {client_id} issued until now ({grants} grant(s) ended); its secrets still work\n"
            ))?;
        }
        StateCommand::Set {
            client_id,
            token_lifetime,
            allowed_addresses,
            allow_any_address,
        } => {
            let lifetime = match token_lifetime {
                None => None,
                Some(raw) => Some(
                    rules::token_lifetime_text(raw, apps::max_token_lifetime(core)).map_err(
                        |message| {
                            apps::ServiceError::Invalid(vec![apps::FieldError {
                                field: "token_lifetime_seconds",
                                message,
                            }])
                        },
                    )?,
                ),
            };
            let addresses = if *allow_any_address {
                Some(Vec::new())
            } else if allowed_addresses.is_empty() {
                None
            } else {
                Some(allowed_addresses.clone())
            };
            if lifetime.is_none() && addresses.is_none() {
                return Err(Refusal::Message(
                    "nothing to set: give --token-lifetime, --allowed-address or --allow-any-address"
                        .into(),
                ));
            }
            let change = apps::AppChange {
                token_lifetime_seconds: lifetime,
                allowed_addresses: addresses,
                ..apps::AppChange::default()
            };
            let view = apps::edit_app(core, Actor::Cli, client_id, change).await?;
            emit(&super::text::app(&view))?;
        }
    }
    Ok(())
}
