//! People operations the dashboard, the command line and start-up do alike.

use time::{Duration, OffsetDateTime};

use crate::config::Config;
use crate::domain::{LinkKind, PasswordHasher, SecretValue, random_token, token_hash};
use crate::store::{AuditEntry, NewUser, NewUserLink, Store, StoreError, User};

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
    let created = store
        .insert_user(NewUser {
            email: &config.admin_email,
            display_name: "Administrator",
            password_hash: &hash,
            is_admin: true,
        })
        .await;
    // Several instances starting at once on a new database all see no user; the first insert wins and
    // the others find its email taken: that admin exists, which is all start-up needs.
    if let Err(StoreError::Duplicate(_)) = created {
        tracing::info!(
            "another instance created the account admin {}; sign in at {}/login",
            config.admin_email,
            config.public_url
        );
        return Ok(());
    }
    created?;
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
        kind: LinkKind::PasswordReset,
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
