//! Running it for real: health, readiness, metrics, logs, shutdown and backups.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;
use crate::manage_app::{seed_apps, seed_into};

#[tokio::test]
async fn healthz_answers_and_readyz_follows_the_database() {
    let app = TestApp::spawn().await;
    let person = app.person();
    let r = person.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = person.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));

    app.store.pool().close().await;
    assert_eq!(
        person.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        person.get("/healthz").await.status(),
        StatusCode::OK,
        "the process is still alive"
    );
}

#[tokio::test]
async fn error_pages_quote_the_request_id() {
    let app = TestApp::spawn().await;
    let r = app.admin().await.get("/no/such/page").await;
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(!id.is_empty());
    let page = html(r).await;
    assert_eq!(text(&page, "main code").as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn metrics_count_token_requests_sign_ins_apps_and_http_requests() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("METERED", &["setup.read"]).await;
    let client = reqwest::Client::new();
    for secret in [secret.as_str(), secret.as_str(), "wrong-secret-value"] {
        client
            .post(format!("{}/connect/token", app.base))
            .basic_auth(&id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = frontdesk::http::health::metrics_router(app.store.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let body = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let value = |prefix: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} missing in:\n{body}"))
    };
    assert!(value("frontdesk_token_requests_total{outcome=\"issued\"}") >= 2.0);
    assert!(value("frontdesk_token_requests_total{outcome=\"invalid_client\"}") >= 1.0);
    assert!(value("frontdesk_token_request_duration_seconds_count") >= 3.0);
    assert!(body.contains("frontdesk_token_request_duration_seconds_bucket{le=\"0.005\"}"));
    assert!(value("frontdesk_sign_ins_total{outcome=\"success\"}") >= 1.0);
    assert!(value("frontdesk_apps ") >= 1.0);
    assert!(value("frontdesk_secrets ") >= 1.0);
    assert!(
        body.contains(
            "frontdesk_http_requests_total{route=\"/connect/token\",method=\"POST\",status=\"200\"}"
        ),
        "{body}"
    );
    assert!(!body.contains(&secret));
}

#[tokio::test]
async fn metrics_count_failed_sign_ins() {
    let app = TestApp::spawn().await;
    let failures = || async {
        let body = frontdesk::http::observe::metrics_handle().render();
        body.lines()
            .find(|l| l.starts_with("frontdesk_sign_ins_total{outcome=\"failure\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let before = failures().await;
    let person = app.person();
    let r = person.try_sign_in(ADMIN_EMAIL, "not the password").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = person.try_sign_in("not an email", "whatever").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Other tests in this process may fail sign-ins too: at least these two were counted.
    assert!(failures().await - before >= 2.0);
}

#[tokio::test]
async fn a_backup_taken_while_writes_go_on_holds_every_committed_app() {
    if on_postgres() {
        eprintln!(
            "SQLite only (VACUUM INTO): on PostgreSQL, see the_backup_command_sends_postgresql_to_pg_dump"
        );
        return;
    }
    let app = TestApp::spawn().await;
    seed_apps(&app, 20, "BEFORE").await;
    let writer = {
        let store = app.store.clone();
        tokio::spawn(async move { seed_into(&store, 150, "DURING").await })
    };
    // Let the writer get going, then back up in the middle of it.
    while app.count("apps").await < 60 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let committed_before = app.count("apps").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    app.store.backup_to(&file).await.unwrap();
    writer.await.unwrap();
    assert!(app.count("apps").await > committed_before);

    let copy = frontdesk::store::Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    copy.ready().await.unwrap();
    let (apps, without_scopes, without_secrets): (i64, i64, i64) =
        frontdesk::on_db!(copy.pool(), p => sqlx::query_as(
        "SELECT COUNT(*),
                SUM(NOT EXISTS (SELECT 1 FROM app_scopes s WHERE s.app_id = a.id)),
                SUM(NOT EXISTS (SELECT 1 FROM app_secrets s WHERE s.app_id = a.id))
         FROM apps a",
    )
    .fetch_one(p)
    .await)
        .unwrap();
    assert!(apps >= committed_before, "{apps} < {committed_before}");
    assert_eq!(
        (without_scopes, without_secrets),
        (0, 0),
        "no half-written app"
    );
    let users: i64 =
        frontdesk::on_db!(copy.pool(), p => sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(users, 2);
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_never_a_secret() {
    let mut served = serve_binary(&[("FRONTDESK_LOG_FORMAT", "json")]).await;
    let person = served.person();
    person.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = person.create_app(&app_form("LOGGED")).await;
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let page = html(r).await;
    let secret = input_value(&page, "#client-secret").unwrap();
    let token = reqwest::Client::new()
        .post(format!("{}/connect/token", served.base))
        .basic_auth("DEMO-SP-LOGGED", Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let missing = person.get("/no/such/page").await;
    let not_found = (
        missing.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned(),
        missing.status(),
    );
    let page = html(missing).await;
    assert!(
        page.root_element().html().contains(&not_found.0),
        "the 404 page quotes its request id"
    );

    let (code, _) = terminate(&mut served.child);
    assert_eq!(code, Some(0));
    let logs = served.logs();
    let lines: Vec<&str> = logs.lines().collect();
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let created = events
        .iter()
        .find(|e| e["fields"]["message"] == "app created")
        .expect("an app created line");
    // The request's span is among the line's spans (inner ones, such as the session layer's, may follow).
    let request_span = created["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "request")
        .unwrap_or_else(|| panic!("no request span in {created}"));
    assert_eq!(request_span["request_id"], request_id.as_str());
    assert_eq!(request_span["route"], "/apps/connected-apps/create");

    // One access line per request, with method, route template, status, duration and request id.
    let access = |id: &str| -> Vec<&serde_json::Value> {
        events
            .iter()
            .filter(|e| {
                e["target"] == "frontdesk::access"
                    && e["spans"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s["request_id"] == id))
            })
            .collect()
    };
    let lines_for_create = access(&request_id);
    assert_eq!(lines_for_create.len(), 1, "{lines_for_create:?}");
    let line = &lines_for_create[0]["fields"];
    assert_eq!(line["method"], "POST");
    assert_eq!(line["route"], "/apps/connected-apps/create");
    assert_eq!(line["status"], 200);
    assert!(line["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(lines_for_create[0]["level"], "INFO");
    // The id an error page quotes finds its line too.
    let (missing_id, _) = &not_found;
    let lines_for_404 = access(missing_id);
    assert_eq!(lines_for_404.len(), 1, "no access line for the 404's id");
    assert_eq!(lines_for_404[0]["fields"]["status"], 404);
    assert_eq!(lines_for_404[0]["fields"]["route"], "unmatched");
    let all = lines.join("\n");
    for (what, value) in [
        ("secret", secret.as_str()),
        ("token", token.as_str()),
        ("password", ADMIN_PASSWORD),
    ] {
        assert!(!all.contains(value), "the {what} is in the logs");
    }
}

#[tokio::test]
async fn rust_log_can_silence_the_access_log() {
    let mut served = serve_binary(&[("RUST_LOG", "info,frontdesk::access=off")]).await;
    let r = served.person().get("/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (code, _) = terminate(&mut served.child);
    assert_eq!(code, Some(0));
    let logs = served.logs();
    assert!(logs.contains("frontdesk stopped"), "{logs}");
    assert!(!logs.contains("frontdesk::access"), "{logs}");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_and_quickly() {
    let mut served = serve_binary(&[]).await;
    let (code, took) = terminate(&mut served.child);
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn the_healthcheck_command_follows_readiness() {
    let mut served = serve_binary(&[]).await;
    let listen = served.base.trim_start_matches("http://").to_owned();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .arg("healthcheck")
            .env("FRONTDESK_LISTEN", &listen)
            .output()
            .unwrap()
    };
    assert!(check().status.success());
    terminate(&mut served.child);
    let out = check();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("not ready:"));
}

#[test]
fn the_backup_command_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("exists.db");
    std::fs::write(&existing, b"keep me").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["backup", existing.to_str().unwrap()])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("fd.db").display()),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let fresh = dir.path().join("fresh.db");
    let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["backup", fresh.to_str().unwrap()])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("fd.db").display()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fresh.exists());
}

#[tokio::test]
async fn the_backup_command_sends_postgresql_to_pg_dump() {
    if !on_postgres() {
        eprintln!("PostgreSQL only: skipped on SQLite");
        return;
    }
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup.db");
    let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["backup", target.to_str().unwrap()])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_dump"), "{err}");
    assert!(!target.exists());
}

#[tokio::test]
async fn no_secret_is_found_outside_its_one_time_page() {
    let mut served = serve_binary(&[]).await;
    let admin = served.person();
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut secrets = Vec::new();
    let mut tokens = Vec::new();
    for code in ["HYGIENE_A", "HYGIENE_B"] {
        let page = html(admin.create_app(&app_form(code)).await).await;
        secrets.push((
            format!("DEMO-SP-{code}"),
            input_value(&page, "#client-secret").unwrap(),
        ));
        // Rotate: a second secret, shown once.
        let url = format!("/apps/connected-apps/DEMO-SP-{code}/secrets/new");
        let page = html(
            admin
                .post_with_token(&url, &url, &[("secret_description", "rotated")])
                .await,
        )
        .await;
        secrets.push((
            format!("DEMO-SP-{code}"),
            input_value(&page, "#client-secret").unwrap(),
        ));
    }
    for (id, secret) in &secrets {
        let r = reqwest::Client::new()
            .post(format!("{}/connect/token", served.base))
            .basic_auth(id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        tokens.push(
            r.json::<serde_json::Value>().await.unwrap()["access_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // Every page an admin can reach afterwards.
    let mut pages = String::new();
    for path in [
        "/apps/connected-apps",
        "/apps/connected-apps/DEMO-SP-HYGIENE_A",
        "/apps/connected-apps/DEMO-SP-HYGIENE_B",
        "/apps/connected-apps/DEMO-SP-HYGIENE_A/edit",
        "/apps/connected-apps/DEMO-SP-HYGIENE_A/secrets/new",
        "/activity",
        "/users",
        "/profile",
    ] {
        pages.push_str(&admin.get(path).await.text().await.unwrap());
    }
    let (code, _) = terminate(&mut served.child);
    assert_eq!(code, Some(0));
    let logs = served.logs();

    // The database, its WAL and shared memory, whatever is in the data directory.
    let mut files = Vec::new();
    for entry in std::fs::read_dir(served.dir.path()).unwrap() {
        files.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains =
        |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    for (_, secret) in &secrets {
        assert!(!pages.contains(secret.as_str()), "a secret on a page");
        assert!(!logs.contains(secret.as_str()), "a secret in the logs");
        assert!(
            files.iter().all(|f| !contains(f, secret)),
            "a secret in the database files"
        );
    }
    for token in &tokens {
        assert!(
            !logs.contains(token.as_str()) && files.iter().all(|f| !contains(f, token)),
            "a token was kept"
        );
    }
    assert!(!logs.contains(ADMIN_PASSWORD));
}

/// A log writer into memory, for tests that read what was logged.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn background_failures_are_logged_not_dropped() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("BACKGROUND", &["setup.read"]).await;
    let token = |app: &TestApp| {
        reqwest::Client::new()
            .post(format!("{}/connect/token", app.base))
            .basic_auth(&id, Some(&secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
    };
    assert_eq!(token(&app).await.unwrap().status(), StatusCode::OK);
    let sessions = frontdesk::web::Sessions::open(app.store.pool())
        .await
        .unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    // The database goes away under the periodic work; the hourly round runs every job.
    app.store.pool().close().await;
    frontdesk::background_round(&app.core, &app.identity, &sessions, 720).await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for failure in [
        "reloading signing keys failed",
        "recording secret use failed",
        "purging expired revocations failed",
    ] {
        assert!(logs.contains(failure), "{failure} not logged in:\n{logs}");
    }
    assert!(logs.contains("ERROR"), "{logs}");

    // The "last used" time that could not be written is still pending: written once the database
    // is back (a new pool on the same file, as after a restart of the database).
    let reopened = frontdesk::store::Store::open(&app.database_url)
        .await
        .unwrap();
    app.identity
        .authenticator
        .flush_last_used(&reopened)
        .await
        .unwrap();
    let used: Option<String> = frontdesk::on_db!(reopened.pool(), p => {
        sqlx::query_scalar("SELECT last_used_at FROM app_secrets")
            .fetch_one(p)
            .await
    })
    .unwrap();
    assert!(used.is_some(), "the use was dropped with the failed write");
}

#[tokio::test]
async fn the_hourly_purge_runs_on_one_instance_at_a_time() {
    use frontdesk::store::{Job, Store};

    let app = TestApp::spawn().await;
    let other = Store::connect(&app.database_url, &Default::default())
        .await
        .unwrap();
    let (started, has_started) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = {
        let store = app.store.clone();
        tokio::spawn(async move {
            store
                .exclusively(Job::Purge, async {
                    started.send(()).unwrap();
                    released.await.unwrap();
                    1
                })
                .await
                .unwrap()
        })
    };
    has_started.await.unwrap();
    let meanwhile = other.exclusively(Job::Purge, async { 2 }).await.unwrap();
    if on_postgres() {
        assert_eq!(
            meanwhile, None,
            "a second instance skips the job while one runs it"
        );
    } else {
        // One SQLite file, one server process: nothing to coordinate.
        assert_eq!(meanwhile, Some(2));
    }
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Some(1));
    // Once the first is done, the job is free again.
    assert_eq!(
        other.exclusively(Job::Purge, async { 3 }).await.unwrap(),
        Some(3)
    );
}

#[tokio::test]
async fn with_the_database_gone_both_doors_answer_503_at_once_and_say_retry() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("OUTAGE", &["setup.read"]).await;
    let admin = app.admin().await;
    app.store.pool().close().await;

    let started = std::time::Instant::now();
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["error"], "temporarily_unavailable", "{json}");

    let r = admin.get("/apps/connected-apps").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    let page = html(r).await;
    assert_eq!(
        text(&page, "h1").as_deref(),
        Some("Temporarily unavailable")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "failing fast, not hanging: {:?}",
        started.elapsed()
    );
}
