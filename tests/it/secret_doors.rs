//! Secret care from the other doors: the command line (`frontdesk apps secrets add --expires`,
//! `rotate`, `apps list --filter`) and the admin API (expiry in the secret JSON, rotate, the list
//! filter), each answering as the dashboard does.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{MANAGE, READ, api_as};
use crate::cli::frontdesk;
use crate::helpers::*;

fn apps(db: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["apps"];
    all.extend_from_slice(args);
    let output = frontdesk(db, &all, "", &[]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(db: &str, args: &[&str]) -> String {
    let (code, out, err) = apps(db, args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    out
}

fn refused(db: &str, args: &[&str]) -> String {
    let (code, out, err) = apps(db, args);
    assert_eq!(code, Some(1), "{args:?}: {out} {err}");
    err
}

async fn token_status(app: &TestApp, id: &str, secret: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// The value after `label` on a line of the command's output.
fn field(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {out}"))
        .trim()
        .to_owned()
}

#[tokio::test]
async fn the_command_line_adds_expiring_secrets_rotates_them_and_filters_the_list() {
    let app = TestApp::spawn().await;
    let db = app.database_url.clone();
    let (id, old) = app.register_app("CLIROT", &["setup.read"]).await;

    let added = ok(
        &db,
        &[
            "secrets",
            "add",
            &id,
            "--description",
            "Monthly",
            "--expires",
            "30d",
        ],
    );
    let monthly = field(&added, "client secret:");
    assert!(field(&added, "expires:").ends_with('Z'), "{added}");
    assert_eq!(token_status(&app, &id, &monthly).await, StatusCode::OK);

    let before = app.app_tables().await;
    for bad in ["2001-01-01", "someday", "31d"] {
        let err = refused(
            &db,
            &[
                "secrets",
                "add",
                &id,
                "--description",
                "x",
                "--expires",
                bad,
            ],
        );
        assert!(err.contains("error: expires:"), "{bad}: {err}");
    }
    let err = refused(
        &db,
        &[
            "secrets",
            "rotate",
            &id,
            "Production server",
            "--grace-days",
            "91",
        ],
    );
    assert!(
        err.contains("grace_days: Enter a whole number of days from 0 to 90"),
        "{err}"
    );
    assert_eq!(app.app_tables().await, before, "nothing written");

    let shown: Value = serde_json::from_str(&ok(&db, &["show", &id, "--json"])).unwrap();
    let secrets = shown["secrets"].as_array().unwrap();
    assert_eq!(secrets[0]["expires_at"], Value::Null);
    assert!(secrets[1]["expires_at"].is_string());
    assert!(
        secrets[0]
            .as_object()
            .unwrap()
            .contains_key("last_used_from")
    );

    // Rotate at once: the old secret is refused, the new one works, the app is listed as expired.
    let rotated = ok(
        &db,
        &[
            "secrets",
            "rotate",
            &id,
            "Production server",
            "--grace-days",
            "0",
        ],
    );
    let new = field(&rotated, "client secret:");
    assert_eq!(
        token_status(&app, &id, &old).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&app, &id, &new).await, StatusCode::OK);
    let listed: Value =
        serde_json::from_str(&ok(&db, &["list", "--json", "--filter", "expired"])).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let listed: Value =
        serde_json::from_str(&ok(&db, &["list", "--json", "--filter", "expiring-soon"])).unwrap();
    assert!(listed.as_array().unwrap().is_empty());
    assert!(refused(&db, &["list", "--filter", "stale"]).contains("expiring-soon"));
}

#[tokio::test]
async fn the_api_adds_expiring_secrets_rotates_them_and_filters_the_list() {
    let app = TestApp::spawn().await;
    let manager = api_as(&app, "MANAGER", &[MANAGE]).await;
    let reader = api_as(&app, "READER", &[READ]).await;
    let (id, old) = app.register_app("APIROT", &["setup.read"]).await;
    let secrets = format!("/api/v1/apps/{id}/secrets");

    let tag = manager.etag(&id).await;
    let bad = json!({"description": "Past", "expires": "2001-01-01"});
    let r = manager
        .send(Method::POST, &secrets, Some(&bad), Some(&tag))
        .await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "expires", "{}", r.body);

    let body = json!({"description": "Quarterly", "expires": "90d"});
    let r = manager
        .send(Method::POST, &secrets, Some(&body), Some(&tag))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["expires_at"].is_string());

    let listed = manager.get(&secrets).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items[0]["expires_at"], Value::Null);
    assert!(items[1]["expires_at"].is_string());
    assert!(items[0].as_object().unwrap().contains_key("last_used_from"));
    let old_id = items[0]["id"].as_i64().unwrap();

    let rotate = format!("{secrets}/{old_id}/rotate");
    let tag = manager.etag(&id).await;
    let r = reader
        .send(
            Method::POST,
            &rotate,
            Some(&json!({"grace_days": 0})),
            Some(&tag),
        )
        .await;
    r.problem(StatusCode::FORBIDDEN);
    let r = manager
        .send(
            Method::POST,
            &rotate,
            Some(&json!({"grace_days": 91})),
            Some(&tag),
        )
        .await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "grace_days", "{}", r.body);
    let r = manager
        .send(
            Method::POST,
            &rotate,
            Some(&json!({"grace_days": 0})),
            Some(&tag),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let new = r.body["secret"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(r.body["old_secret_id"], old_id);
    assert_eq!(
        token_status(&app, &id, &old).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&app, &id, &new).await, StatusCode::OK);

    // A new app's first secret may expire too; a past date is refused on its field.
    let app_body = |expires: &str| {
        json!({"client_code": "APIDATED", "client_name": "Dated", "pii": "dont_retrieve",
               "scopes": [MANAGE], "secret_description": "First", "secret_expires": expires})
    };
    let r = manager
        .send(
            Method::POST,
            "/api/v1/apps",
            Some(&app_body("2001-01-01")),
            None,
        )
        .await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "secret_expires", "{}", r.body);
    let r = manager
        .send(Method::POST, "/api/v1/apps", Some(&app_body("1y")), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["secrets"][0]["expires_at"].is_string(), "{}", r.body);

    let r = reader.get("/api/v1/apps?filter=expired").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let r = reader.get("/api/v1/apps?filter=unused").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        reader.get("/api/v1/apps?filter=stale").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_seed_file_gives_secrets_an_expiry_when_it_makes_them_and_never_pushes_it_back() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.toml");
    std::fs::write(
        &path,
        "[[apps]]\ncode = \"SEEDEXP\"\nname = \"Seeded\"\nscopes = [\"setup.read\"]\n\
         [[apps.secrets]]\ndescription = \"Monthly\"\nexpires = \"30d\"\n\
         [[apps.secrets]]\ndescription = \"Dated\"\nexpires = \"2099-12-31\"\n\
         [[apps.secrets]]\ndescription = \"Forever\"\n",
    )
    .unwrap();
    let apply = || async {
        let plan = frontdesk::service::seed::load(&path, &app.core, &|_| None)
            .await
            .unwrap();
        frontdesk::service::seed::apply(&app.core, plan)
            .await
            .unwrap();
    };
    let expiries = || async {
        let id = format!("{}-SP-SEEDEXP", app.core.config.account_code);
        let detail = app
            .store
            .app_detail(&app.core.config.account_code, &id)
            .await
            .unwrap()
            .unwrap();
        detail
            .secrets
            .iter()
            .map(|s| s.expires_at)
            .collect::<Vec<_>>()
    };
    apply().await;
    let first = expiries().await;
    let monthly = first[0].unwrap() - app.core.clock.now();
    assert!(monthly > time::Duration::days(29) && monthly <= time::Duration::days(30));
    assert_eq!(first[1], Some(time::macros::datetime!(2100-01-01 0:00 UTC)));
    assert_eq!(first[2], None);
    app.core.clock.advance(time::Duration::days(2));
    apply().await;
    assert_eq!(expiries().await, first, "applied again, the expiry stays");
}
