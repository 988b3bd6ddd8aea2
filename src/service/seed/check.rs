//! Checking a seed file before anything is written: every entry against the rules the dashboard's forms
//! apply (same messages), the file against itself (no client code, secret description or secret lookup
//! id twice), and the database (a client code a store app holds cannot be seeded as a custom app).

use std::collections::HashMap;

use super::{AppEntry, Pii, SeedFile, UserEntry};
use crate::domain::{
    AppKind, ClientId, PiiMode, SecretExpiry, SecretValue, check_new_password, parse_email,
    single_line,
};
use crate::service::apps::rules::{self, check_new_app_of, given_secret};
use crate::service::apps::{NewAppInput, ServiceError};
use crate::state::Core;
use crate::store::MAX_SECRETS_PER_APP;

/// What the file asks for, checked.
#[derive(Debug)]
pub struct Plan {
    pub prune: bool,
    pub apps: Vec<PlannedApp>,
    pub users: Vec<PlannedUser>,
}

#[derive(Debug)]
pub struct PlannedApp {
    /// How errors name the entry: `apps[0] (CI_TESTS)`.
    pub entry: String,
    pub client_id: String,
    /// Checked; its secret description is the first secret's.
    pub input: NewAppInput,
    pub secrets: Vec<PlannedSecret>,
    pub standing: PlannedStanding,
}

/// The app's standing and token settings as the file gives them, checked; `None`: left as it is.
#[derive(Debug, Default)]
pub struct PlannedStanding {
    pub suspended: Option<bool>,
    pub token_lifetime_seconds: Option<i64>,
    /// Normalised.
    pub allowed_addresses: Option<Vec<String>>,
}

#[derive(Debug)]
pub struct PlannedSecret {
    pub description: String,
    pub value: Option<SecretValue>,
    /// Applied when the secret is made.
    pub expires: SecretExpiry,
}

#[derive(Debug)]
pub struct PlannedUser {
    pub entry: String,
    pub email: String,
    pub name: String,
    pub admin: bool,
    pub password: Option<SecretValue>,
}

/// A refused entry: its name and the problem.
type Refusal = (String, String);

pub(super) async fn plan(
    file: SeedFile,
    core: &Core,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Refusal> {
    let mut apps = Vec::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut lookups: HashMap<String, String> = HashMap::new();
    for (i, entry) in file.apps.into_iter().enumerate() {
        let app = plan_app(i, entry, core, &mut lookups).await?;
        if let Some(first) = codes.insert(app.client_id.clone(), app.entry.clone()) {
            return Err((app.entry, format!("the same client code as {first}")));
        }
        apps.push(app);
    }
    let mut users = Vec::new();
    let mut emails: HashMap<String, String> = HashMap::new();
    for (i, entry) in file.users.into_iter().enumerate() {
        let user = plan_user(i, entry, core, env).await?;
        if let Some(first) = emails.insert(user.email.clone(), user.entry.clone()) {
            return Err((user.entry, format!("the same email as {first}")));
        }
        users.push(user);
    }
    Ok(Plan {
        prune: file.prune,
        apps,
        users,
    })
}

async fn plan_app(
    i: usize,
    app: AppEntry,
    core: &Core,
    lookups: &mut HashMap<String, String>,
) -> Result<PlannedApp, Refusal> {
    let entry = format!("apps[{i}] ({})", app.code);
    if app.secrets.is_empty() {
        return Err((entry, "list at least one [[apps.secrets]]".to_owned()));
    }
    if i64::try_from(app.secrets.len()).unwrap_or(i64::MAX) > MAX_SECRETS_PER_APP {
        return Err((
            entry,
            format!("at most {MAX_SECRETS_PER_APP} secrets per app"),
        ));
    }
    let input = NewAppInput {
        client_code: app.code.clone(),
        client_name: app.name,
        pii_mode: match app.pii {
            Pii::Retrieve => PiiMode::Retrieve,
            Pii::DontRetrieve => PiiMode::DontRetrieve,
        },
        scopes: app.scopes,
        secret_description: app.secrets[0].description.clone(),
        secret_expires: crate::domain::SecretExpiry::Never,
    };
    let checked = check_new_app_of(AppKind::Custom, &core.catalog, &input)
        .map_err(|problems| (entry.clone(), ServiceError::Invalid(problems).to_string()))?;
    let max = crate::service::apps::max_token_lifetime(core);
    let standing = PlannedStanding {
        suspended: app.suspended,
        token_lifetime_seconds: match app.token_lifetime_seconds {
            None => None,
            Some(s) => rules::token_lifetime(Some(s), max)
                .map_err(|why| (entry.clone(), format!("token_lifetime_seconds: {why}")))?,
        },
        allowed_addresses: match &app.allowed_addresses {
            None => None,
            Some(list) => Some(
                rules::allowed_addresses(list.iter().map(String::as_str))
                    .map_err(|why| (entry.clone(), format!("allowed_addresses: {why}")))?
                    .entries(),
            ),
        },
    };
    let client_id = ClientId::of(
        AppKind::Custom,
        &core.config.account_code,
        &checked.client_code,
    )
    .to_string();
    let mut input = NewAppInput {
        client_code: checked.client_code.as_str().to_owned(),
        client_name: checked.client_name,
        scopes: checked.scopes,
        secret_description: checked.secret_description,
        ..input
    };
    let mut secrets: Vec<PlannedSecret> = Vec::new();
    for (k, secret) in app.secrets.into_iter().enumerate() {
        let at = format!("{entry} secrets[{k}]");
        let description = rules::secret_description(&secret.description)
            .map_err(|why| (at.clone(), format!("description: {why}")))?;
        if secrets.iter().any(|s| s.description == description) {
            return Err((at, format!("description {description:?} is listed twice")));
        }
        let value = match secret.value {
            None => None,
            Some(raw) => {
                let value = SecretValue::from_presented(raw);
                given_secret(&value).map_err(|why| (at.clone(), format!("value: {why}")))?;
                let lookup = value.lookup_id().to_owned();
                if let Some(first) = lookups.insert(lookup, at.clone()) {
                    return Err((
                        at,
                        format!(
                            "value: its first 8 characters are those of {first}'s; they name a secret, so they must differ"
                        ),
                    ));
                }
                Some(value)
            }
        };
        let expires = SecretExpiry::parse(secret.expires.as_deref().unwrap_or("never"))
            .and_then(|e| e.at(core.clock.now()).map(|_| e))
            .map_err(|why| (at.clone(), format!("expires: {why}")))?;
        secrets.push(PlannedSecret {
            description,
            value,
            expires,
        });
    }
    if let Some(first) = secrets.first() {
        input.secret_expires = first.expires;
    }
    let existing = core
        .store
        .app_detail(&core.config.account_code, &client_id)
        .await
        .map_err(|e| (entry.clone(), format!("reading the database: {e}")))?;
    if existing.is_some_and(|a| a.kind != AppKind::Custom) {
        return Err((entry, "a store app has this client code".to_owned()));
    }
    Ok(PlannedApp {
        entry,
        client_id,
        input,
        secrets,
        standing,
    })
}

async fn plan_user(
    i: usize,
    user: UserEntry,
    core: &Core,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PlannedUser, Refusal> {
    let entry = format!("users[{i}] ({})", user.email);
    let email = parse_email(&user.email).map_err(|why| (entry.clone(), format!("email {why}")))?;
    let name = user
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&email)
        .to_owned();
    let name = single_line(
        &name,
        100,
        "name is empty",
        "name: use at most 100 characters",
    )
    .map_err(|why| (entry.clone(), why.to_owned()))?;
    let password = match &user.password_env {
        Some(var) => {
            let password = env(var).ok_or_else(|| {
                (
                    entry.clone(),
                    format!("password_env: the environment variable {var} is not set"),
                )
            })?;
            check_new_password(&password, &email)
                .map_err(|why| (entry.clone(), format!("password from {var}: {why}")))?;
            Some(SecretValue::from_presented(password))
        }
        None => None,
    };
    let exists = core
        .store
        .user_by_email(&email)
        .await
        .map_err(|e| (entry.clone(), format!("reading the database: {e}")))?
        .is_some();
    if password.is_none() && !exists {
        return Err((
            entry,
            "password_env is needed to create this user: name an environment variable holding the password".to_owned(),
        ));
    }
    Ok(PlannedUser {
        entry,
        email,
        name,
        admin: user.admin,
        password,
    })
}
