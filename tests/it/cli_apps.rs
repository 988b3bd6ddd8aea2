//! `frontdesk apps ...`: the real binary acting on a database that a served frontdesk then uses.

use frontdesk::domain::{ClientCode, PiiMode, RecordedEvent, StoreSettings};
use frontdesk::service::apps::{Actor, CheckedApp};
use frontdesk::store::AuditFilter;
use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::frontdesk;
use crate::helpers::*;

/// What a run of `frontdesk apps args...` answered: exit status, standard output, standard error.
struct Ran {
    code: Option<i32>,
    out: String,
    err: String,
}

fn apps(db: &str, args: &[&str]) -> Ran {
    let mut all = vec!["apps"];
    all.extend_from_slice(args);
    let output = frontdesk(db, &all, "", &[]);
    Ran {
        code: output.status.code(),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs a command that must succeed; its standard output.
fn ok(db: &str, args: &[&str]) -> String {
    let ran = apps(db, args);
    assert_eq!(ran.code, Some(0), "{args:?}: {}", ran.err);
    ran.out
}

/// Runs a command that must refuse with exit status 1; its standard error.
fn refused(db: &str, args: &[&str]) -> String {
    let ran = apps(db, args);
    assert_eq!(ran.code, Some(1), "{args:?}: {} {}", ran.out, ran.err);
    assert!(!ran.err.contains("panicked"), "{}", ran.err);
    ran.err
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

const CREATE_VOICE: [&str; 9] = [
    "create",
    "--code",
    "voice",
    "--name",
    "Voice assistant",
    "--scopes",
    "setup.read,reservations.read",
    "--pii",
    "retrieve",
];

async fn token_status(app: &TestApp, client_id: &str, secret: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn an_app_created_on_the_command_line_obtains_tokens_and_is_recorded_as_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "frontdesk.db").await;

    let mut args = CREATE_VOICE.to_vec();
    args.push("--json");
    let ran = apps(&db, &args);
    assert_eq!(ran.code, Some(0), "{}", ran.err);
    assert!(ran.err.contains("shown only now"), "{}", ran.err);
    let created = json(&ran.out);
    assert_eq!(created["client_id"], "DEMO-SP-VOICE");
    assert_eq!(created["client_code"], "VOICE");
    assert_eq!(created["client_name"], "Voice assistant");
    assert_eq!(created["pii"], "retrieve");
    assert_eq!(created["kind"], "custom");
    assert_eq!(created["scopes"].as_array().unwrap().len(), 2);
    assert_eq!(created["secrets"][0]["description"], "Initial secret");
    assert!(created["secrets"][0]["last_used_at"].is_null());
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 40);

    // `show --json` is the same view, without the secret; `list --json` holds it.
    let mut shown = json(&ok(&db, &["show", "DEMO-SP-VOICE", "--json"]));
    shown["client_secret"] = created["client_secret"].clone();
    assert_eq!(shown, created);
    let listed = json(&ok(&db, &["list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["client_id"], "DEMO-SP-VOICE");
    let table = ok(&db, &["list"]);
    assert!(table.starts_with("CLIENT ID"), "{table}");
    assert!(
        table.contains("DEMO-SP-VOICE  Voice assistant  custom"),
        "{table}"
    );
    let text = ok(&db, &["show", "DEMO-SP-VOICE"]);
    assert!(
        text.contains("Initial secret") && !text.contains(&secret),
        "{text}"
    );

    let added = apps(
        &db,
        &[
            "secrets",
            "add",
            "DEMO-SP-VOICE",
            "--description",
            "Rotation",
        ],
    );
    assert_eq!(added.code, Some(0), "{}", added.err);
    assert!(added.err.contains("shown only now"));
    let second = added
        .out
        .lines()
        .find_map(|l| l.strip_prefix("client secret: "))
        .unwrap()
        .trim()
        .to_owned();

    let app = TestApp::spawn_on(std::sync::Arc::new(dir)).await;
    assert_eq!(
        token_status(&app, "DEMO-SP-VOICE", &secret).await,
        StatusCode::OK
    );
    assert_eq!(
        token_status(&app, "DEMO-SP-VOICE", &second).await,
        StatusCode::OK
    );

    let out = ok(&db, &["secrets", "delete", "DEMO-SP-VOICE", "Rotation"]);
    assert!(
        out.contains("deleted the secret") && out.contains("Rotation"),
        "{out}"
    );
    assert_eq!(
        token_status(&app, "DEMO-SP-VOICE", &second).await,
        StatusCode::UNAUTHORIZED
    );
    let out = ok(&db, &["delete", "DEMO-SP-VOICE"]);
    assert!(
        out.contains("deleted Voice assistant (DEMO-SP-VOICE)"),
        "{out}"
    );
    assert_eq!(
        token_status(&app, "DEMO-SP-VOICE", &secret).await,
        StatusCode::UNAUTHORIZED
    );

    let filter = AuditFilter {
        client_id: Some("DEMO-SP-VOICE".into()),
        ..AuditFilter::default()
    };
    let records = app.store.audit_records(&filter, 10, 0).await.unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| match &r.event {
            RecordedEvent::Known(event) => event.action().as_str(),
            RecordedEvent::Unreadable { action } => action,
        })
        .collect();
    assert_eq!(
        actions,
        [
            "app.deleted",
            "secret.deleted",
            "secret.added",
            "app.created"
        ]
    );
    for r in &records {
        assert_eq!(r.actor_email.as_deref(), Some("cli"));
        assert_eq!(r.source_addr, None);
    }
}

#[tokio::test]
async fn bad_input_exits_1_with_the_forms_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "frontdesk.db").await;

    let create = |code: &str, scopes: &str| {
        let args = [
            "create", "--code", code, "--name", "App", "--scopes", scopes,
        ];
        refused(&db, &args)
    };
    let err = create("voice", "setup.read,nope.read");
    assert!(
        err.contains("error: scopes: Choose scopes from the list only"),
        "{err}"
    );
    let err = create("no-dash", "setup.read");
    assert!(
        err.contains("error: client_code: Use only letters, digits and underscores (_)"),
        "{err}"
    );
    let err = refused(
        &db,
        &[
            "create",
            "--code",
            "a",
            "--name",
            "A",
            "--scopes",
            "setup.read",
            "--pii",
            "maybe",
        ],
    );
    assert!(
        err.contains("error: pii_mode: Choose whether the app may retrieve personal data"),
        "{err}"
    );
    // Every problem at once, one line each.
    let err = create("", "openid");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert_eq!(json(&ok(&db, &["list", "--json"])), serde_json::json!([]));

    ok(&db, &CREATE_VOICE);
    let err = refused(&db, &CREATE_VOICE);
    assert!(
        err.contains("error: client_code: This client code is already taken"),
        "{err}"
    );

    let err = refused(&db, &["show", "DEMO-SP-NOPE"]);
    assert!(
        err.contains("there is no app with the client ID DEMO-SP-NOPE"),
        "{err}"
    );
    refused(&db, &["delete", "DEMO-SP-NOPE"]);
    refused(
        &db,
        &["secrets", "add", "DEMO-SP-NOPE", "--description", "x"],
    );
    let err = refused(
        &db,
        &["secrets", "add", "DEMO-SP-VOICE", "--description", " "],
    );
    assert!(
        err.contains("description: Enter a secret description"),
        "{err}"
    );

    // Nine more reach the cap of ten, two of them described alike.
    for i in 0..9 {
        let description = if i < 2 {
            "Twin".to_owned()
        } else {
            format!("S{i}")
        };
        ok(
            &db,
            &[
                "secrets",
                "add",
                "DEMO-SP-VOICE",
                "--description",
                &description,
            ],
        );
    }
    let err = refused(
        &db,
        &["secrets", "add", "DEMO-SP-VOICE", "--description", "x"],
    );
    assert!(err.contains("already has 10 secrets"), "{err}");

    let view = json(&ok(&db, &["show", "DEMO-SP-VOICE", "--json"]));
    let twins: Vec<String> = view["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["description"] == "Twin")
        .map(|s| s["id"].to_string())
        .collect();
    let err = refused(&db, &["secrets", "delete", "DEMO-SP-VOICE", "Twin"]);
    assert!(
        err.contains(&format!("(ids {}, {})", twins[0], twins[1])),
        "{err}"
    );
    let err = refused(&db, &["secrets", "delete", "DEMO-SP-VOICE", "Nobody"]);
    assert!(
        err.contains("no secret with the id or description"),
        "{err}"
    );
    // By id, the ambiguity is gone.
    let out = ok(&db, &["secrets", "delete", "DEMO-SP-VOICE", &twins[0]]);
    assert!(
        out.contains(&format!("deleted the secret {}", twins[0])),
        "{out}"
    );
}

#[tokio::test]
async fn store_apps_are_listed_shown_and_deleted_from_the_command_line_too() {
    let app = TestApp::spawn().await;
    let store = StoreSettings {
        logo_url: None,
        redirect_uris: vec!["https://shop.example.com/callback".into()],
        post_logout_redirect_uris: vec![],
        require_pkce: true,
    };
    let checked = CheckedApp {
        client_code: ClientCode::parse("shop").unwrap(),
        client_name: "Shop".into(),
        pii_mode: PiiMode::DontRetrieve,
        scopes: vec!["openid".into(), "setup.read".into()],
        secret_description: "Web".into(),
        secret_expires: frontdesk::domain::SecretExpiry::Never,
    };
    let created =
        frontdesk::service::apps::register(&app.core, Actor::Cli, checked, Some(store), None)
            .await
            .unwrap();
    assert_eq!(created.client_id, "DEMO-AC-SHOP");
    let db = app.database_url.clone();

    let listed = json(&ok(&db, &["list", "--json"]));
    assert_eq!(listed[0]["kind"], "store");
    assert_eq!(listed[0]["pii"], "dont_retrieve");
    assert_eq!(
        listed[0]["scopes"],
        serde_json::json!(["setup.read", "openid"])
    );
    let id = listed[0]["secrets"][0]["id"].to_string();
    let out = ok(&db, &["secrets", "delete", "DEMO-AC-SHOP", &id]);
    assert!(out.contains("has no secret left"), "{out}");
    let out = ok(&db, &["show", "DEMO-AC-SHOP"]);
    assert!(out.contains("no secrets"), "{out}");
    ok(&db, &["delete", "DEMO-AC-SHOP"]);
    assert_eq!(app.app_tables().await.0, 0);
}
