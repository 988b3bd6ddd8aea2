//! `frontdesk db copy`: moving an install to another database (the copying is `store::copy_database`).

use std::process::ExitCode;

use clap::Subcommand;

use super::failed;
use crate::config::redacted_url;
use crate::store::{NOT_COPIED, copy_database};

#[derive(Subcommand)]
pub enum DbCommand {
    /// Copy a whole install into a new, empty database, e.g. from SQLite to PostgreSQL.
    #[command(long_about = COPY_HELP)]
    Copy {
        /// The database to copy from: sqlite://FILE or postgres://USER:PASSWORD@HOST:PORT/DB. Only
        /// read, never written; it must be at this frontdesk's migrations (`frontdesk migrate`).
        #[arg(long, value_name = "URL")]
        from: String,
        /// The database to copy into: a new SQLite file or an empty PostgreSQL database (it must
        /// exist: createdb). Migrated first, then refused unless every copied table is empty.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

const COPY_HELP: &str = "\
Copy a whole install into a new, empty database, e.g. from SQLite to PostgreSQL:

  frontdesk db copy --from sqlite:///data/frontdesk.db --to postgres://frontdesk:PASSWORD@db:5432/frontdesk

Copied, ids kept: users (with their password hashes), apps with their scopes and secrets' hashes \
(so every client secret keeps working), invitation and reset links, signing keys (so tokens already \
issued stay valid and the JWKS keeps its kids), revoked tokens and the whole activity log.

Not copied: dashboard sessions (everyone signs in again) and the failure counters that throttle \
sign-ins and client authentication (they start again from zero).

The source is only read, in one snapshot; it must be at exactly this frontdesk's migrations (if it \
is behind, run `frontdesk migrate` on it first). Stop the servers before copying: what they write \
after the snapshot is not copied.

The target is migrated, then refused if any copied table has a row (nothing is written): create a \
new database and do not start a server on it before the copy (the first start creates an admin and \
a signing key). Every row goes in one transaction, so a failed copy leaves the target empty.

Afterwards the rows of each table are counted on both sides and printed; the exit status is 1 when \
any count differs. Then point DATABASE_URL at the target and start the servers.";

pub(super) async fn run(command: &DbCommand) -> Result<(), ExitCode> {
    match command {
        DbCommand::Copy { from, to } => copy(from, to).await,
    }
}

async fn copy(from: &str, to: &str) -> Result<(), ExitCode> {
    let report = copy_database(from, to).await.map_err(failed)?;
    println!("copied {} to {}", redacted_url(from), redacted_url(to));
    println!("{:<16} {:>10} {:>10}", "TABLE", "FROM", "TO");
    for t in &report.tables {
        let mark = if t.source == t.target {
            ""
        } else {
            "  DIFFERS"
        };
        println!("{:<16} {:>10} {:>10}{mark}", t.table, t.source, t.target);
    }
    for (table, why) in NOT_COPIED {
        println!("not copied: {table} ({why})");
    }
    let differences = report.differences();
    if differences.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = differences
        .iter()
        .map(|t| format!("{} {} -> {}", t.table, t.source, t.target))
        .collect();
    Err(failed(anyhow::anyhow!(
        "the copy does not match the source: {}",
        listed.join(", ")
    )))
}
