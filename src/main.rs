//! The `frontdesk` command: parse the command line, load the configuration, call into the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use frontdesk::config::{Config, DEFAULT_DATABASE_URL, ServeArgs};
use frontdesk::identity::keys;
use frontdesk::store::Store;
use frontdesk::users::{self, UserCommandError, add_user};

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
    Users(UsersCommand),
    /// Probe the running server's readiness (`/readyz` on FRONTDESK_LISTEN); exit 0 if ready, 1 if not.
    /// Meant for container health checks: a minimal image has no curl.
    Healthcheck,
    /// Write a consistent copy of the live database to FILE, without stopping the server.
    Backup { file: std::path::PathBuf },
    /// Manage the keys that sign access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a new signing key; it signs from then on (a running server picks it up within seconds),
    /// and earlier keys stay published until every token they signed has expired.
    Rotate,
    /// List the signing keys and whether each is signing, published or expired.
    List,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// List every user: email, account admin, enabled, last sign-in, name.
    List,
    /// Make a user an account admin (true) or a member (false).
    SetAdmin {
        email: String,
        /// true or false
        #[arg(action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
        admin: bool,
    },
    /// Disable a user: they are signed out at their next request and cannot sign in.
    Disable { email: String },
    /// Print a single-use link (valid 72 hours) with which the user chooses a new password.
    ResetPassword { email: String },
    /// Add a user; the password is read as one line from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Make the user an account admin.
        #[arg(long)]
        admin: bool,
    },
}

/// Each argon2 run allocates ~19 MiB. glibc serves the first from mmap, then raises its threshold and
/// keeps later ones in the heap, which never shrinks: RSS would grow by 19 MiB per concurrent run and
/// stay there. A fixed threshold returns such blocks to the system as soon as they are freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only tunes the allocator; called once, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
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

async fn open_store(database_url: &str) -> Result<Store, ExitCode> {
    Store::open(database_url).await.map_err(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}

async fn run_keys(cli: &Cli, command: &KeysCommand) -> Result<(), ExitCode> {
    let config = config(cli)?;
    let store = open_store(&config.database_url).await?;
    let failed = |e: anyhow::Error| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    };
    match command {
        KeysCommand::Rotate => {
            let kid = keys::rotate(&store).await.map_err(failed)?;
            println!(
                "new signing key {kid}; earlier keys stay published until their tokens expire"
            );
        }
        KeysCommand::List => {
            let rows = store.signing_keys().await.map_err(|e| failed(e.into()))?;
            let now = time::OffsetDateTime::now_utc();
            let newest = rows.iter().map(|r| r.id).max();
            println!("{:<45} {:<22} STATE", "KID", "CREATED");
            for row in rows.iter().rev() {
                let state = if Some(row.id) == newest {
                    "signing".to_owned()
                } else if keys::is_published(row, now, config.token_lifetime) {
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

/// Each command returns `Err(code)` after printing its one-line error.
async fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        None | Some(Command::Serve) => run_serve(&cli).await,
        Some(Command::Users(command)) => run_users(&cli, command).await,
        Some(Command::Keys(command)) => run_keys(&cli, command).await,
        Some(Command::Healthcheck) => run_healthcheck(&cli).await,
        Some(Command::Backup { file }) => run_backup(&cli, file).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run_healthcheck(cli: &Cli) -> Result<(), ExitCode> {
    let config = config(cli)?;
    match frontdesk::ops::probe_ready(config.listen).await {
        Ok(()) => Ok(()),
        Err(why) => {
            eprintln!("not ready: {why}");
            Err(ExitCode::FAILURE)
        }
    }
}

async fn run_backup(cli: &Cli, file: &std::path::Path) -> Result<(), ExitCode> {
    if file.exists() {
        eprintln!(
            "error: {} exists already; choose a new file",
            file.display()
        );
        return Err(ExitCode::FAILURE);
    }
    let store = open_store(&cli.database_url).await?;
    store.backup_to(file).await.map_err(|e| {
        eprintln!("error: backup to {} failed: {e}", file.display());
        ExitCode::FAILURE
    })?;
    println!("backed up to {}", file.display());
    Ok(())
}

fn config(cli: &Cli) -> Result<Config, ExitCode> {
    Config::from_args(&cli.serve, &cli.database_url).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

async fn run_serve(cli: &Cli) -> Result<(), ExitCode> {
    frontdesk::serve(config(cli)?).await.map_err(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}

async fn run_users(cli: &Cli, command: &UsersCommand) -> Result<(), ExitCode> {
    let store = open_store(&cli.database_url).await?;
    let result = match command {
        UsersCommand::Add { email, name, admin } => {
            let stdin = std::io::stdin().lock();
            add_user(&store, email, name.as_deref(), *admin, stdin)
                .await
                .map(|()| {
                    let role = if *admin { " (account admin)" } else { "" };
                    format!("added {}{role}", email.trim().to_lowercase())
                })
        }
        UsersCommand::List => users::list_users(&store)
            .await
            .map(|s| s.trim_end().to_owned()),
        UsersCommand::SetAdmin { email, admin } => {
            users::set_flags(&store, email, Some(*admin), None)
                .await
                .map(|u| {
                    format!(
                        "{} is {}",
                        u.email,
                        if *admin {
                            "an account admin"
                        } else {
                            "a member"
                        }
                    )
                })
        }
        UsersCommand::Disable { email } => users::set_flags(&store, email, None, Some(false))
            .await
            .map(|u| format!("{} is disabled", u.email)),
        UsersCommand::ResetPassword { email } => {
            let config = config(cli)?;
            users::reset_password_link(&store, &config, email)
                .await
                .map(|link| format!("single-use password reset link (valid 72 hours):\n{link}"))
        }
    };
    match result {
        Ok(message) => {
            println!("{message}");
            Ok(())
        }
        Err(UserCommandError::Invalid(why)) => {
            eprintln!("error: {why}");
            Err(ExitCode::FAILURE)
        }
        Err(UserCommandError::Other(e)) => {
            eprintln!("error: {e:#}");
            Err(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
