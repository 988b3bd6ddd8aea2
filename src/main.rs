//! The `frontdesk` command: parse the command line, load the configuration, call into the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use frontdesk::config::{Config, DEFAULT_DATABASE_URL, ServeArgs};
use frontdesk::store::Store;
use frontdesk::users::{AddUserError, add_user};

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
}

#[derive(Subcommand)]
enum UsersCommand {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None | Some(Command::Serve) => {
            let config = match Config::from_args(&cli.serve, &cli.database_url) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match frontdesk::serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Users(UsersCommand::Add { email, name, admin })) => {
            let store = match Store::open(&cli.database_url).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
            };
            let stdin = std::io::stdin().lock();
            match add_user(&store, &email, name.as_deref(), admin, stdin).await {
                Ok(()) => {
                    println!(
                        "added {}{}",
                        email.trim().to_lowercase(),
                        if admin { " (account admin)" } else { "" }
                    );
                    ExitCode::SUCCESS
                }
                Err(AddUserError::Invalid(why)) => {
                    eprintln!("error: {why}");
                    ExitCode::FAILURE
                }
                Err(AddUserError::Other(e)) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
