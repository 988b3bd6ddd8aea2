//! `frontdesk activity export`: the audit log as a file on standard output, in the same rows and format
//! as the Activity page's and the admin API's exports (`service::activity`).

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use futures_util::StreamExt;

use super::{Cli, failed, open_store};
use crate::service::activity::{ExportFormat, date_range, export};
use crate::store::AuditFilter;

#[derive(Subcommand)]
pub enum ActivityCommand {
    /// Write every matching entry of the audit log, newest first, on standard output.
    Export {
        /// csv (with a header line) or jsonl (one JSON object a line).
        #[arg(long, default_value = "csv")]
        format: String,
        /// Only entries on or after this day (UTC), YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Only entries on or before this day (UTC), YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
        /// Only entries about this app (client ID).
        #[arg(long)]
        app: Option<String>,
        /// Only entries by this person (email).
        #[arg(long)]
        user: Option<String>,
    },
}

pub(super) async fn run(cli: &Cli, command: &ActivityCommand) -> Result<(), ExitCode> {
    let ActivityCommand::Export {
        format,
        from,
        to,
        app,
        user,
    } = command;
    let refuse = |why: String| {
        eprintln!("error: {why}");
        ExitCode::FAILURE
    };
    let format = ExportFormat::parse(format)
        .ok_or_else(|| refuse(format!("--format: csv or jsonl, got {format:?}")))?;
    let (from, to) = date_range(from.as_deref().unwrap_or(""), to.as_deref().unwrap_or(""))
        .map_err(|e| {
            refuse(
                e.to_string()
                    .replace("\"From\"", "--from")
                    .replace("\"To\"", "--to"),
            )
        })?;
    let filter = AuditFilter {
        client_id: app
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(Into::into),
        actor_email: user
            .as_deref()
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty()),
        from,
        to,
    };
    let store = open_store(&cli.database_url).await?;
    let mut chunks = std::pin::pin!(export(store, filter, format));
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| failed(e.into()))?;
        match out.write_all(&chunk) {
            // A reader that stopped early (`| head`) is no failure of the command.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(refuse(format!("cannot write to standard output: {e}"))),
            Ok(()) => {}
        }
    }
    out.flush().or_else(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Ok(()),
        _ => Err(refuse(format!("cannot write to standard output: {e}"))),
    })
}
