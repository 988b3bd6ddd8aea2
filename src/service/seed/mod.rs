//! The seed file (`FRONTDESK_SEED`, TOML): custom apps, their secrets (values given in the file, so a
//! test suite knows them in advance, or generated and printed once) and users that must exist when the
//! server starts. The whole file is read and checked before anything is written, so a bad file changes
//! nothing and stops start-up with one line naming the file, the entry and the problem. Applying is
//! idempotent (`apply`): what the file names is created or brought in line, what it does not name is
//! left alone unless the file says `prune = true`.

mod apply;
mod check;
mod standing;

use std::path::Path;

use serde::Deserialize;

pub use apply::{Applied, apply};
pub use check::{Plan, PlannedApp, PlannedSecret, PlannedStanding, PlannedUser};

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    /// Delete custom apps the file does not name, and secrets of named apps the file does not list.
    #[serde(default)]
    prune: bool,
    #[serde(default)]
    apps: Vec<AppEntry>,
    #[serde(default)]
    users: Vec<UserEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppEntry {
    /// The client code; the client ID is `{ACCOUNT}-SP-{CODE}`.
    code: String,
    name: String,
    /// `retrieve` or `dont_retrieve` (the default).
    #[serde(default)]
    pii: Pii,
    scopes: Vec<String>,
    #[serde(default)]
    secrets: Vec<SecretEntry>,
    /// Suspended (`true`) or active (`false`); absent: left as it is.
    suspended: Option<bool>,
    /// The app's own access-token lifetime in seconds; absent: left as it is.
    token_lifetime_seconds: Option<i64>,
    /// Addresses and CIDR ranges it may request tokens from (`[]`: any); absent: left as it is.
    allowed_addresses: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Pii {
    Retrieve,
    #[default]
    DontRetrieve,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretEntry {
    description: String,
    /// Omitted: generated when the secret is first made, and printed once.
    value: Option<String>,
    /// When it stops working: `never` (the default), `30d`, `90d`, `1y` or a date `YYYY-MM-DD` (the end
    /// of that day, UTC). Applied when the secret is made (a period counts from then); a secret that
    /// exists keeps its expiry, so applying the file again does not push it back.
    expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    email: String,
    name: Option<String>,
    #[serde(default)]
    admin: bool,
    /// The name of the environment variable holding the password (never the password itself).
    password_env: Option<String>,
}

/// A seed file that cannot be applied: one line, naming the file, the entry and the problem.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {entry}: {problem}")]
pub struct SeedError {
    pub file: String,
    pub entry: String,
    pub problem: String,
}

/// Reads and checks the seed file at `path` against the catalog and the database, writing nothing;
/// `env` looks up the environment variables the file names for passwords.
pub async fn load(
    path: &Path,
    core: &crate::state::Core,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, SeedError> {
    let file = path.display().to_string();
    let fail = |entry: &str, problem: String| SeedError {
        file: file.clone(),
        entry: entry.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail("file", e.to_string()))?;
    let parsed: SeedFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let entry = line.map_or("file".to_owned(), |n| format!("line {n}"));
        fail(&entry, e.message().to_owned())
    })?;
    check::plan(parsed, core, env)
        .await
        .map_err(|(entry, problem)| fail(&entry, problem))
}
