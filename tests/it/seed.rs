//! The seed file (`FRONTDESK_SEED`) with the real binary: a seeded secret gets tokens at once, a restart
//! with the same file changes nothing, an edited file changes exactly what was edited, and a bad file
//! stops start-up with one line and writes nothing. Rows are compared as each backend prints them
//! (`hostile::dump`: quoted on SQLite, row syntax on PostgreSQL), so checks look for words, not quotes.

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::StatusCode;

use crate::helpers::{TestApp, database_url, serve_binary_on, terminate};

const KNOWN: &str = "a-known-secret-of-32-to-128-characters-0123456789";
const DEV_PASSWORD: &str = "a developer passphrase for the sandbox";

fn seed(name: &str, scopes: &str) -> String {
    format!(
        r#"
[[apps]]
code = "CI_TESTS"
name = "{name}"
pii = "retrieve"
scopes = [{scopes}]
[[apps.secrets]]
description = "CI pipeline"
value = "{KNOWN}"

[[apps]]
code = "generated"
name = "Generated secret"
scopes = ["setup.read"]
[[apps.secrets]]
description = "Made at start"

[[users]]
email = "dev@example.com"
name = "Dev"
admin = true
password_env = "DEV_PASSWORD"
"#
    )
}

/// Every row of the database but sessions and counters, as text (see `hostile::dump`).
async fn rows(dir: &Arc<tempfile::TempDir>) -> BTreeSet<String> {
    let url = database_url(dir, "fd.db").await;
    let app = TestApp::spawn_at(dir.clone(), url).await;
    crate::hostile::dump(&app).await.into_iter().collect()
}

async fn token(base: &str, id: &str, secret: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/connect/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_seed_file_is_applied_once_and_then_only_its_edits() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let path = dir.path().join("seed.toml");
    let path_text = path.display().to_string();
    std::fs::write(
        &path,
        seed("CI tests", r#""setup.read", "reservations.read""#),
    )
    .unwrap();
    let env = [
        ("FRONTDESK_SEED", path_text.as_str()),
        ("DEV_PASSWORD", DEV_PASSWORD),
    ];

    // First start: the apps, the secrets and the user exist; the known secret works at once.
    let mut first = serve_binary_on(dir.clone(), &env).await;
    assert_eq!(
        token(&first.base, "DEMO-SP-CI_TESTS", KNOWN).await,
        StatusCode::OK
    );
    let dev = first.person();
    dev.sign_in("dev@example.com", DEV_PASSWORD).await;
    let users = dev.page("/users").await;
    assert!(
        crate::helpers::text(&users, "main")
            .unwrap()
            .contains("dev@example.com")
    );
    terminate(&mut first.child);
    let logs = first.logs();
    // A generated secret is printed on standard output, never logged.
    assert!(!logs.contains("shown only this once"), "{logs}");
    assert!(
        logs.contains("seed: added secret \"Made at start\" to DEMO-SP-GENERATED"),
        "{logs}"
    );
    let activity: Vec<&str> = logs.lines().filter(|l| l.contains("seed: ")).collect();
    assert!(
        activity
            .iter()
            .any(|l| l.contains("created app DEMO-SP-CI_TESTS")),
        "{logs}"
    );
    let after_first = rows(&dir).await;
    assert!(
        after_first.iter().any(|r| r.starts_with("audit_log: ")
            && r.contains("cli")
            && r.contains("app.created"))
    );

    // The same file again: nothing is written, not even an audit row.
    let mut again = serve_binary_on(dir.clone(), &env).await;
    terminate(&mut again.child);
    assert!(
        again.logs().contains("applied: 0 changes"),
        "{}",
        again.logs()
    );
    assert_eq!(rows(&dir).await, after_first);

    // An edit: a new name and one more scope, and exactly that changes (with its audit row).
    std::fs::write(
        &path,
        seed(
            "CI tests v2",
            r#""setup.read", "reservations.read", "folios.read""#,
        ),
    )
    .unwrap();
    let mut edited = serve_binary_on(dir.clone(), &env).await;
    assert_eq!(
        token(&edited.base, "DEMO-SP-CI_TESTS", KNOWN).await,
        StatusCode::OK
    );
    terminate(&mut edited.child);
    assert!(
        edited.logs().contains("applied: 1 changes"),
        "{}",
        edited.logs()
    );
    let after_edit = rows(&dir).await;
    let gone: Vec<&String> = after_first.difference(&after_edit).collect();
    let new: Vec<&String> = after_edit.difference(&after_first).collect();
    // The app's row (its name), and the secret's "last used" from the token above.
    assert!(
        gone.iter()
            .all(|r| r.starts_with("apps: ") || r.starts_with("app_secrets: ")),
        "{gone:#?}"
    );
    assert!(
        gone.iter()
            .any(|r| r.contains("CI tests") && !r.contains("v2")),
        "{gone:#?}"
    );
    let tables: BTreeSet<&str> = new.iter().map(|r| r.split(':').next().unwrap()).collect();
    assert_eq!(
        tables,
        ["app_scopes", "app_secrets", "apps", "audit_log"]
            .into_iter()
            .collect(),
        "{new:#?}"
    );
    assert!(
        new.iter()
            .any(|r| r.starts_with("app_scopes: ") && r.contains("folios.read"))
    );
    let audit: Vec<&&String> = new
        .iter()
        .filter(|r| r.starts_with("audit_log: "))
        .collect();
    assert_eq!(audit.len(), 1, "{audit:#?}");
    assert!(audit[0].contains("app.edited") && audit[0].contains("CI tests v2"));
}

#[tokio::test]
async fn a_bad_seed_file_stops_start_up_with_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.toml");
    let db_dir = Arc::new(tempfile::tempdir().unwrap());
    let db = database_url(&db_dir, "fd.db").await;
    for (text, expected) in [
        (
            seed("Fine", r#""setup.read""#)
                + "\n[[apps]]\ncode = \"bad code\"\nname = \"x\"\nscopes = [\"setup.read\"]\n[[apps.secrets]]\ndescription = \"d\"\n",
            "apps[2] (bad code): client_code: ",
        ),
        (
            seed("Fine", r#""setup.read", "no.such.scope""#),
            "apps[0] (CI_TESTS): scopes: ",
        ),
        (
            seed("Fine", r#""setup.read""#).replace(KNOWN, "short"),
            "apps[0] (CI_TESTS) secrets[0]: value: Use 32 to 128 characters",
        ),
        (seed("Fine", r#""openid""#), "apps[0] (CI_TESTS): scopes: "),
        (
            seed("Fine", r#""setup.read""#).replace(
                "description = \"CI pipeline\"",
                "description = \"CI pipeline\"\nexpires = \"2001-01-01\"",
            ),
            "apps[0] (CI_TESTS) secrets[0]: expires: Choose a date from today on",
        ),
        (
            "[[apps]]\ncode = \"X\"\nname = \"x\"\nscopes = [\"setup.read\"]\ncolour = \"red\"\n"
                .to_owned(),
            "line ",
        ),
        (
            seed("Fine", r#""setup.read""#),
            "users[0] (dev@example.com): password_env: the environment variable DEV_PASSWORD is not set",
        ),
    ] {
        std::fs::write(&path, &text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .arg("serve")
            .env("DATABASE_URL", &db)
            .env("FRONTDESK_LISTEN", "127.0.0.1:0")
            .env("FRONTDESK_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
            .env("FRONTDESK_SEED", &path)
            .env_remove("DEV_PASSWORD")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        let prefix = format!("error: {}: ", path.display());
        assert!(last.starts_with(&prefix), "{last}");
        assert!(last.contains(expected), "{expected:?} not in {last:?}");
    }
    // Nothing of the good entries before the bad one was written.
    let app = TestApp::spawn_at(db_dir, db).await;
    assert_eq!(app.count("apps").await, 0);
}
