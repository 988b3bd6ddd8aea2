//! The command line: `frontdesk [serve]`, `users`, `apps`, `activity`, `keys`, `db`, `healthcheck`,
//! `backup`, `migrate`.
//! Each command prints one line on failure and returns its exit code.

mod activity;
mod apps;
mod db;
mod keys;
mod ops;
mod serve;
pub mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_DATABASE_URL, ServeArgs};
use crate::store::Store;

/// frontdesk: a self-hosted Connected apps dashboard with its own OAuth 2.0 identity server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Database connection URL.
    #[arg(long = "database-url", env = "DATABASE_URL", global = true, default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage the people who sign in to the dashboard.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Manage the account's apps (custom and store) and their secrets.
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Read the audit log: export it as CSV or JSON Lines.
    #[command(subcommand)]
    Activity(activity::ActivityCommand),
    /// Probe the running server's readiness (`/readyz` on FRONTDESK_LISTEN); exit 0 if ready, 1 if not.
    /// Meant for container health checks: a minimal image has no curl.
    Healthcheck,
    /// Write a consistent copy of the live database to FILE, without stopping the server.
    Backup { file: std::path::PathBuf },
    /// Manage the keys that sign access tokens.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Apply the database migrations this binary has, then exit (every instance also migrates at
    /// start; this is for deployments that migrate in a job of their own first).
    Migrate,
    /// Whole databases: copy an install into a new database (e.g. from SQLite to PostgreSQL).
    #[command(subcommand)]
    Db(db::DbCommand),
}

/// Parses the command line, sets up logging and runs the command; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into());
    match std::env::var("FRONTDESK_LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        // Colours only for a terminal: a container's log driver would store the escape codes.
        Ok("text") | Ok("") | Err(_) => tracing_subscriber::fmt()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        Ok(other) => {
            eprintln!("error: FRONTDESK_LOG_FORMAT: text or json, got {other:?}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

/// Prints a command's failure as its one line (with its causes) and gives the exit status 1.
fn failed(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}

async fn open_store(database_url: &str) -> Result<Store, ExitCode> {
    Store::open(database_url).await.map_err(failed)
}

/// Each command returns `Err(code)` after printing its one-line error.
async fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        None | Some(Command::Serve) => run_serve(&cli).await,
        Some(Command::Users(command)) => users::run(&cli, command).await,
        Some(Command::Apps(command)) => apps::run(&cli, command).await,
        Some(Command::Activity(command)) => activity::run(&cli, command).await,
        Some(Command::Keys(command)) => keys::run(&cli, command).await,
        Some(Command::Healthcheck) => ops::healthcheck(&cli).await,
        Some(Command::Backup { file }) => ops::backup(&cli, file).await,
        Some(Command::Migrate) => ops::migrate(&cli).await,
        Some(Command::Db(command)) => db::run(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn config(cli: &Cli) -> Result<Config, ExitCode> {
    Config::from_args(&cli.serve, &cli.database_url).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

async fn run_serve(cli: &Cli) -> Result<(), ExitCode> {
    serve::serve(config(cli)?).await.map_err(failed)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
