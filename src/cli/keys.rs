//! `frontdesk keys rotate|list`: the keys that sign access tokens.

use std::process::ExitCode;

use clap::Subcommand;

use super::{Cli, config, failed, open_store};
use crate::clock::Clock;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a new signing key; it signs from then on (a running server picks it up within seconds),
    /// and earlier keys stay published until every token they signed has expired.
    Rotate,
    /// List the signing keys and whether each is signing, published or expired.
    List,
}

pub(super) async fn run(cli: &Cli, command: &KeysCommand) -> Result<(), ExitCode> {
    let config = config(cli)?;
    let store = open_store(&config.database_url).await?;
    match command {
        KeysCommand::Rotate => {
            let kid = crate::identity::keys::rotate(&store, Clock::default().now())
                .await
                .map_err(failed)?;
            println!(
                "new signing key {kid}; earlier keys stay published until their tokens expire"
            );
        }
        KeysCommand::List => {
            let rows = store.signing_keys().await.map_err(|e| failed(e.into()))?;
            let now = Clock::default().now();
            let newest = rows.iter().map(|r| r.id).max();
            println!("{:<45} {:<22} STATE", "KID", "CREATED");
            for row in rows.iter().rev() {
                let state = if Some(row.id) == newest {
                    "signing".to_owned()
                } else if crate::identity::keys::is_published(row, now, config.token_lifetime) {
                    "published (verifies earlier tokens)".to_owned()
                } else {
                    "expired (no longer published)".to_owned()
                };
                let created = row
                    .created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                println!("{:<45} {:<22} {state}", row.kid, created);
            }
            if rows.is_empty() {
                println!("(none yet: the server creates the first key when it starts)");
            }
        }
    }
    Ok(())
}
