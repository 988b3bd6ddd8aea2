//! `frontdesk users ...`: people management from the machine, for the first admin and locked-out operators.

use std::io::BufRead;
use std::process::ExitCode;

use clap::Subcommand;

use super::{Cli, config, open_store};
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::audit::{Person, PersonChange, PersonSettings};
use crate::domain::{
    AuditEvent, PasswordHasher, SecretValue, check_new_password, parse_email, single_line,
};
use crate::service::people::issue_reset_link;
use crate::store::{AuditEntry, Constraint, NewUser, Store, StoreError, User, UserChangeError};

#[derive(Subcommand)]
pub enum UsersCommand {
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

pub(super) async fn run(cli: &Cli, command: &UsersCommand) -> Result<(), ExitCode> {
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
        UsersCommand::List => list_users(&store).await.map(|s| s.trim_end().to_owned()),
        UsersCommand::SetAdmin { email, admin } => {
            set_flags(&store, email, Some(*admin), None).await.map(|u| {
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
        UsersCommand::Disable { email } => set_flags(&store, email, None, Some(false))
            .await
            .map(|u| format!("{} is disabled", u.email)),
        UsersCommand::ResetPassword { email } => {
            let config = config(cli)?;
            reset_password_link(&store, &config, email)
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
        Err(UserCommandError::Other(e)) => Err(super::failed(e)),
    }
}

/// Why a `frontdesk users` command refused; the message is printed as is and the process exits with 1.
#[derive(Debug, thiserror::Error)]
pub enum UserCommandError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// `frontdesk users add`: the password is one line read from `input` (standard input).
pub async fn add_user(
    store: &Store,
    email: &str,
    name: Option<&str>,
    admin: bool,
    input: impl BufRead,
) -> Result<(), UserCommandError> {
    let email =
        parse_email(email).map_err(|why| UserCommandError::Invalid(format!("--email {why}")))?;
    let mut line = String::new();
    input.take(4096).read_line(&mut line).map_err(|e| {
        UserCommandError::Invalid(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    check_new_password(&password, &email).map_err(|why| {
        UserCommandError::Invalid(format!("{why} (read one line from standard input)"))
    })?;
    let display_name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&email)
        .to_owned();
    let display_name = single_line(&display_name, 100, "--name is empty", "--name is too long")
        .map_err(|why| {
            UserCommandError::Invalid(format!("{why} (--name: at most 100 characters)"))
        })?;
    let secret = SecretValue::from_presented(password);
    let hash = PasswordHasher.hash_async(secret).await?;
    match store
        .insert_user(NewUser {
            email: &email,
            display_name: &display_name,
            password_hash: &hash,
            is_admin: admin,
        })
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Duplicate(Constraint::UserEmail)) => Err(UserCommandError::Invalid(
            format!("a user with the email {email} already exists"),
        )),
        Err(e) => Err(UserCommandError::Other(e.into())),
    }
}

/// Changes made from the command line are audited as done by the operator at the machine, named as
/// `frontdesk apps` commands and the seed file name them (`Actor::Cli`).
fn cli_event(event: AuditEvent) -> AuditEntry<'static> {
    AuditEntry {
        actor_id: None,
        actor_email: Some("cli"),
        source_addr: None,
        client_id: None,
        event,
    }
}

async fn user_named(store: &Store, email: &str) -> Result<User, UserCommandError> {
    let email =
        parse_email(email).map_err(|why| UserCommandError::Invalid(format!("EMAIL {why}")))?;
    store
        .user_by_email(&email)
        .await
        .map_err(|e| UserCommandError::Other(e.into()))?
        .ok_or_else(|| {
            UserCommandError::Invalid(format!("there is no user with the email {email}"))
        })
}

/// `frontdesk users list`: one line a user.
pub async fn list_users(store: &Store) -> Result<String, UserCommandError> {
    let users = store
        .list_users()
        .await
        .map_err(|e| UserCommandError::Other(e.into()))?;
    let mut out = format!(
        "{:<40} {:<7} {:<9} {:<22} NAME\n",
        "EMAIL", "ADMIN", "ENABLED", "LAST SIGN-IN"
    );
    for u in users {
        let last = u
            .last_sign_in_at
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| "never".into());
        out.push_str(&format!(
            "{:<40} {:<7} {:<9} {:<22} {}\n",
            u.email,
            if u.is_admin { "yes" } else { "no" },
            if u.enabled { "yes" } else { "no" },
            last,
            u.display_name
        ));
    }
    Ok(out)
}

/// `frontdesk users set-admin EMAIL true|false` and `frontdesk users disable EMAIL`.
pub async fn set_flags(
    store: &Store,
    email: &str,
    is_admin: Option<bool>,
    enabled: Option<bool>,
) -> Result<User, UserCommandError> {
    let user = user_named(store, email).await?;
    let (admin, on) = (
        is_admin.unwrap_or(user.is_admin),
        enabled.unwrap_or(user.enabled),
    );
    let change = PersonChange {
        email: user.email.clone(),
        before: user.settings(),
        after: PersonSettings {
            is_admin: admin,
            enabled: on,
            ..user.settings()
        },
    };
    match store
        .update_user(
            user.id,
            &user.display_name,
            admin,
            on,
            cli_event(AuditEvent::UserUpdated(change)),
        )
        .await
    {
        Ok(()) => Ok(user),
        Err(UserChangeError::LastAdmin) => Err(UserCommandError::Invalid(format!(
            "{} is the last enabled account admin; make someone else an account admin first",
            user.email
        ))),
        Err(UserChangeError::NotFound) => Err(UserCommandError::Invalid(format!(
            "there is no user with the email {email}"
        ))),
        Err(UserChangeError::Store(e)) => Err(UserCommandError::Other(e.into())),
    }
}

/// `frontdesk users reset-password EMAIL`: prints a single-use link, so a locked-out operator gets back in.
pub async fn reset_password_link(
    store: &Store,
    config: &Config,
    email: &str,
) -> Result<String, UserCommandError> {
    let user = user_named(store, email).await?;
    let entry = cli_event(AuditEvent::PasswordResetIssued(Person {
        email: user.email.clone(),
    }));
    issue_reset_link(
        store,
        &config.public_url,
        Clock::default().now(),
        &user,
        entry,
    )
    .await
    .map_err(|e| UserCommandError::Other(e.into()))
}
