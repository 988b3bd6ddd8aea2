//! `frontdesk keys rotate|list`: the keys that sign access tokens.

use std::process::ExitCode;

use clap::Subcommand;

use super::{Cli, config, failed, open_store};
use crate::clock::Clock;
use crate::signing::keys;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a new signing key. It is published in the JWKS at once (a running server picks it up
    /// within seconds) and signs from FRONTDESK_KEY_ACTIVATION_SECONDS later (default 300), on every
    /// instance from the same moment; earlier keys stay published until every token they signed has
    /// expired.
    Rotate,
    /// List the signing keys: when each was created and signs (or signed) from, and whether it is
    /// signing, about to sign, published or expired.
    List,
}

/// RFC 3339 to the second, as the columns of `keys list` have room for.
fn rfc3339(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

pub(super) async fn run(cli: &Cli, command: &KeysCommand) -> Result<(), ExitCode> {
    let config = config(cli)?;
    let store = open_store(&config.database_url).await?;
    let now = Clock::default().now();
    match command {
        KeysCommand::Rotate => {
            let (kid, activates_at) = keys::rotate(&store, now, config.key_activation)
                .await
                .map_err(failed)?;
            println!(
                "new signing key {kid}: published now, signs from {} (in {} s, \
                 FRONTDESK_KEY_ACTIVATION_SECONDS); earlier keys stay published until their tokens expire",
                rfc3339(activates_at),
                (activates_at - now).whole_seconds()
            );
        }
        KeysCommand::List => {
            let rows = store.signing_keys().await.map_err(|e| failed(e.into()))?;
            let set = keys::states(&rows, now, config.token_lifetime);
            println!("{:<45} {:<22} {:<22} STATE", "KID", "CREATED", "SIGNS FROM");
            for (row, state) in rows.iter().zip(set).rev() {
                println!(
                    "{:<45} {:<22} {:<22} {state}",
                    row.kid,
                    rfc3339(row.created_at),
                    rfc3339(row.activates_at)
                );
            }
            if rows.is_empty() {
                println!("(none yet: the server creates the first key when it starts)");
            }
        }
    }
    Ok(())
}
