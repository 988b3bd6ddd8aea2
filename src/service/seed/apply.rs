//! Applying a checked seed file. Idempotent: an app, secret or user that already is as the file says is
//! not touched (no write, no audit row), so a restart with the same file changes nothing. Every change
//! goes through the same operations as the dashboard's, audited with the actor `cli`.

use super::{Plan, PlannedApp, PlannedSecret, PlannedUser};
use crate::domain::audit::{AppSettings, Person, PersonChange, PersonSettings};
use crate::domain::{AppKind, AuditEvent, PasswordHasher, SecretValue};
use crate::service::apps::{self, Actor, ServiceError};
use crate::state::Core;
use crate::store::{AppDetail, AuditEntry, NewUser, UserChangeError};

/// What applying changed, one line per change (logged at start-up).
#[derive(Debug, Default)]
pub struct Applied {
    pub changes: Vec<String>,
}

/// The audit row of a change the seed file made.
fn entry(client_id: Option<&str>, event: AuditEvent) -> AuditEntry<'_> {
    AuditEntry {
        actor_id: None,
        actor_email: Some("cli"),
        source_addr: None,
        client_id,
        event,
    }
}

/// Brings the database in line with `plan`.
pub async fn apply(core: &Core, plan: Plan) -> anyhow::Result<Applied> {
    let mut applied = Applied::default();
    for app in &plan.apps {
        apply_app(core, app, plan.prune, &mut applied)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", app.entry))?;
        super::standing::apply(core, app, &mut applied)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", app.entry))?;
    }
    if plan.prune {
        for existing in apps::list_apps(core, crate::store::AppFilter::All).await? {
            let named = plan.apps.iter().any(|a| a.client_id == existing.client_id);
            if existing.kind == AppKind::Custom && !named {
                apps::delete_app(core, Actor::Cli, &existing.client_id).await?;
                applied
                    .changes
                    .push(format!("deleted app {} (prune)", existing.client_id));
            }
        }
    }
    for user in &plan.users {
        apply_user(core, user, &mut applied)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", user.entry))?;
    }
    Ok(applied)
}

/// A secret the seed file made. A generated value is printed once on standard output, like the secrets
/// `frontdesk apps create` prints, and never written to the log.
fn made(
    applied: &mut Applied,
    client_id: &str,
    description: &str,
    generated: Option<&SecretValue>,
) {
    if let Some(value) = generated {
        println!(
            "seed: {client_id} secret {description:?}: {} (generated; shown only this once)",
            value.expose()
        );
    }
    applied
        .changes
        .push(format!("added secret {description:?} to {client_id}"));
}

async fn apply_app(
    core: &Core,
    app: &PlannedApp,
    prune: bool,
    applied: &mut Applied,
) -> Result<(), ServiceError> {
    let account = &core.config.account_code;
    let Some(existing) = core.store.app_detail(account, &app.client_id).await? else {
        let first = &app.secrets[0];
        let created =
            apps::create_app(core, Actor::Cli, app.input.clone(), first.value.clone()).await?;
        applied
            .changes
            .push(format!("created app {}", created.client_id));
        let generated = first.value.is_none().then_some(&created.secret);
        made(applied, &app.client_id, &first.description, generated);
        for secret in &app.secrets[1..] {
            add(core, app, secret, secret.value.clone(), applied).await?;
        }
        return Ok(());
    };
    update_settings(core, app, &existing, applied).await?;
    for secret in &app.secrets {
        let current = existing
            .secrets
            .iter()
            .find(|s| s.description == secret.description);
        match (current, &secret.value) {
            (None, value) => add(core, app, secret, value.clone(), applied).await?,
            // The file names a value: the secret must be that value, or it is replaced by it (the
            // new one first, so the app is never without a working secret).
            (Some(current), Some(value)) if !holds(core, app, current.id, value).await? => {
                add(core, app, secret, Some(value.clone()), applied).await?;
                apps::delete_secret(core, Actor::Cli, &app.client_id, current.id).await?;
                applied.changes.push(format!(
                    "replaced the value of secret {:?} of {}",
                    secret.description, app.client_id
                ));
            }
            (Some(_), _) => {}
        }
    }
    if prune {
        for stale in existing
            .secrets
            .iter()
            .filter(|s| !app.secrets.iter().any(|p| p.description == s.description))
        {
            apps::delete_secret(core, Actor::Cli, &app.client_id, stale.id).await?;
            applied.changes.push(format!(
                "deleted secret {:?} of {} (prune)",
                stale.description, app.client_id
            ));
        }
    }
    Ok(())
}

async fn add(
    core: &Core,
    app: &PlannedApp,
    secret: &PlannedSecret,
    value: Option<SecretValue>,
    applied: &mut Applied,
) -> Result<(), ServiceError> {
    let generated = value.is_none();
    let description = &secret.description;
    let added = apps::add_secret(
        core,
        Actor::Cli,
        &app.client_id,
        description,
        secret.expires,
        value,
    )
    .await?;
    made(
        applied,
        &app.client_id,
        description,
        generated.then_some(&added.secret),
    );
    Ok(())
}

/// Whether secret `secret_id` of the app is `value`: found by its lookup id, then verified.
async fn holds(
    core: &Core,
    app: &PlannedApp,
    secret_id: i64,
    value: &SecretValue,
) -> Result<bool, ServiceError> {
    let row = core
        .store
        .client_secret(&app.client_id, value.lookup_id())
        .await?;
    match row {
        Some(row) if row.secret_id == secret_id => Ok(PasswordHasher
            .verify_async(value.clone(), Some(row.secret_hash))
            .await?),
        _ => Ok(false),
    }
}

/// Name, personal-data mode and scopes as the file says (`edit_app`, audited as an edit).
async fn update_settings(
    core: &Core,
    app: &PlannedApp,
    existing: &AppDetail,
    applied: &mut Applied,
) -> Result<(), ServiceError> {
    let mut scopes = existing.scopes.clone();
    scopes.sort_by_key(|s| core.catalog.position(s));
    let before = AppSettings {
        client_name: existing.client_name.clone(),
        pii_mode: existing.pii_mode,
        scopes,
        ..AppSettings::default()
    };
    let after = AppSettings {
        client_name: app.input.client_name.clone(),
        pii_mode: app.input.pii_mode,
        scopes: app.input.scopes.clone(),
        ..AppSettings::default()
    };
    if before == after {
        return Ok(());
    }
    let change = apps::AppChange {
        client_name: Some(after.client_name),
        pii_mode: Some(after.pii_mode),
        scopes: Some(after.scopes),
        ..apps::AppChange::default()
    };
    apps::edit_app(core, Actor::Cli, &app.client_id, change).await?;
    applied
        .changes
        .push(format!("updated app {}", app.client_id));
    Ok(())
}

async fn apply_user(core: &Core, user: &PlannedUser, applied: &mut Applied) -> anyhow::Result<()> {
    let Some(existing) = core.store.user_by_email(&user.email).await? else {
        let Some(password) = user.password.clone() else {
            anyhow::bail!("password_env is needed to create this user");
        };
        let hash = PasswordHasher.hash_async(password).await?;
        core.store
            .insert_user(NewUser {
                email: &user.email,
                display_name: &user.name,
                password_hash: &hash,
                is_admin: user.admin,
            })
            .await?;
        applied.changes.push(format!("created user {}", user.email));
        return Ok(());
    };
    if existing.display_name != user.name || existing.is_admin != user.admin {
        let change = PersonChange {
            email: existing.email.clone(),
            before: existing.settings(),
            after: PersonSettings {
                name: user.name.clone(),
                is_admin: user.admin,
                ..existing.settings()
            },
        };
        let updated = core
            .store
            .update_user(
                existing.id,
                &user.name,
                user.admin,
                existing.enabled,
                entry(None, AuditEvent::UserUpdated(change)),
            )
            .await;
        match updated {
            Ok(()) => applied.changes.push(format!("updated user {}", user.email)),
            Err(UserChangeError::LastAdmin) => anyhow::bail!(
                "{} is the last enabled account admin: make someone else an account admin first",
                user.email
            ),
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        }
    }
    if let Some(password) = &user.password {
        let current = Some(existing.password_hash.clone());
        if !PasswordHasher
            .verify_async(password.clone(), current)
            .await?
        {
            let hash = PasswordHasher.hash_async(password.clone()).await?;
            let event = AuditEvent::PasswordChanged(Person {
                email: existing.email.clone(),
            });
            core.store
                .set_password(existing.id, &hash, entry(None, event))
                .await?;
            applied
                .changes
                .push(format!("changed the password of {}", user.email));
        }
    }
    Ok(())
}
