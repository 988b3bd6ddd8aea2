//! People management outside the browser: the first admin at first start, and `frontdesk users add`.

use std::io::BufRead;

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::config::Config;
use crate::domain::{
    PasswordHasher, SecretValue, check_new_password, parse_email, random_token, single_line,
    token_hash,
};
use crate::store::{AuditEntry, NewUser, NewUserLink, Store, StoreError, User, UserChangeError};

/// How long an invitation or a password-reset link works.
pub const LINK_LIFETIME: Duration = Duration::hours(72);

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
        Err(StoreError::Duplicate) => Err(UserCommandError::Invalid(format!(
            "a user with the email {email} already exists"
        ))),
        Err(e) => Err(UserCommandError::Other(e.into())),
    }
}

/// Issues a single-use password-reset link for `user`; returns the link.
pub async fn issue_reset_link(
    store: &Store,
    public_url: &str,
    now: OffsetDateTime,
    user: &User,
    entry: AuditEntry<'_>,
) -> Result<String, StoreError> {
    let token = random_token();
    let link = NewUserLink {
        kind: "password_reset",
        token_hash: &token_hash(&token),
        email: &user.email,
        display_name: &user.display_name,
        is_admin: user.is_admin,
        user_id: Some(user.id),
        created_by: entry.actor_id,
        created_at: now,
        expires_at: now + LINK_LIFETIME,
    };
    store.create_user_link(link, entry).await?;
    Ok(format!("{public_url}/password-reset/{token}"))
}

/// Changes made from the command line are audited as done by the operator at the machine.
fn cli_event(action: &'static str, details: serde_json::Value) -> AuditEntry<'static> {
    AuditEntry {
        actor_id: None,
        actor_email: Some("command line"),
        source_addr: Some("local".to_owned()),
        action,
        client_id: None,
        details,
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
    let details = json!({
        "email": user.email,
        "before": { "name": user.display_name, "is_admin": user.is_admin, "enabled": user.enabled },
        "after": { "name": user.display_name, "is_admin": admin, "enabled": on },
    });
    match store
        .update_user(
            user.id,
            &user.display_name,
            admin,
            on,
            cli_event("user.updated", details),
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
    let entry = cli_event("user.password_reset_issued", json!({ "email": user.email }));
    issue_reset_link(
        store,
        &config.public_url,
        OffsetDateTime::now_utc(),
        &user,
        entry,
    )
    .await
    .map_err(|e| UserCommandError::Other(e.into()))
}
