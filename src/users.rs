//! People management outside the browser: the first admin at first start, and `frontdesk users add`.

use std::io::BufRead;

use crate::config::Config;
use crate::domain::{PasswordHasher, SecretValue, check_password_strength, parse_email};
use crate::store::{NewUser, Store, StoreError};

/// Creates the first account admin when there is no user at all. With no configured password, one is
/// generated and printed once, with a line telling the person to change it.
pub async fn bootstrap_admin(store: &Store, config: &Config) -> anyhow::Result<()> {
    if store.count_users().await? > 0 {
        tracing::info!("sign in at {}/login with your account", config.public_url);
        return Ok(());
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => (SecretValue::from_presented(p.clone()), false),
        None => (SecretValue::generate(), true),
    };
    let hash = PasswordHasher.hash_async(password.clone()).await?;
    store
        .insert_user(NewUser {
            email: &config.admin_email,
            display_name: "Administrator",
            password_hash: &hash,
            is_admin: true,
        })
        .await?;
    if generated {
        tracing::warn!(
            "created the account admin {} with the generated password {} (shown only this once)",
            config.admin_email,
            password.expose()
        );
        tracing::warn!(
            "sign in at {}/login and change this password, or set FRONTDESK_ADMIN_PASSWORD before the first start",
            config.public_url
        );
    } else {
        tracing::info!(
            "created the account admin {}; sign in at {}/login with the password from FRONTDESK_ADMIN_PASSWORD",
            config.admin_email,
            config.public_url
        );
    }
    Ok(())
}

/// Why `users add` refused; the message is printed as is and the process exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
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
) -> Result<(), AddUserError> {
    let email =
        parse_email(email).map_err(|why| AddUserError::Invalid(format!("--email {why}")))?;
    let mut line = String::new();
    input.take(4096).read_line(&mut line).map_err(|e| {
        AddUserError::Invalid(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    check_password_strength(&password).map_err(|why| {
        AddUserError::Invalid(format!("{why} (read one line from standard input)"))
    })?;
    let display_name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&email)
        .to_owned();
    if display_name.chars().count() > 100 || display_name.chars().any(char::is_control) {
        return Err(AddUserError::Invalid(
            "--name must have at most 100 characters and no control characters".into(),
        ));
    }
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
        Err(StoreError::Duplicate) => Err(AddUserError::Invalid(format!(
            "a user with the email {email} already exists"
        ))),
        Err(e) => Err(AddUserError::Other(e.into())),
    }
}
