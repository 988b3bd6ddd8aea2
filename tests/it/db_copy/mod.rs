//! `frontdesk db copy`: an install populated through the real dashboard and identity endpoints on a
//! SQLite file, copied by the real binary into this run's backend (SQLite, or PostgreSQL under
//! tests/postgres/run.sh), keeps working there: secrets, keys, people, revocations, history.

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

mod safety;

/// Runs `frontdesk db copy --from FROM --to TO`.
pub fn db_copy(from: &str, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["db", "copy", "--from", from, "--to", to])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

/// A SQLite file in `dir`, on every run of the suite: the source a move starts from.
pub fn sqlite_url(dir: &tempfile::TempDir, file: &str) -> String {
    format!("sqlite://{}", dir.path().join(file).display())
}

/// The (table, from, to) lines of the command's report.
fn reported_counts(out: &Output) -> Vec<(String, i64, i64)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                [table, from, to] => Some((table.to_owned(), from.parse().ok()?, to.parse().ok()?)),
                _ => None,
            }
        })
        .collect()
}

/// POSTs a form to an identity endpoint as the app `(id, secret)`; (status, JSON).
async fn as_app(
    app: &TestApp,
    path: &str,
    caller: (&str, &str),
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .basic_auth(caller.0, Some(caller.1))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn token(app: &TestApp, caller: (&str, &str)) -> String {
    let (status, body) = as_app(
        app,
        "/connect/token",
        caller,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The served JWKS.
async fn jwks(app: &TestApp) -> JwkSet {
    served_jwks(app).await
}

/// The claims of `token`, verified against `app`'s JWKS as a resource server would (issued by `iss`).
async fn verify(app: &TestApp, token: &str, iss: &str) -> Value {
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let jwk = jwks(app)
        .await
        .find(&kid)
        .cloned()
        .expect("the token's key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[iss]);
    validation.set_audience(&["api"]);
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn db_copy_moves_a_populated_sqlite_install_and_it_keeps_working() {
    // Arrange: an install on a SQLite file, with everything a year of use leaves in it.
    let old_dir = Arc::new(tempfile::tempdir().unwrap());
    let old_url = sqlite_url(&old_dir, "old.db");
    let old = TestApp::spawn_at(old_dir.clone(), old_url.clone()).await;
    old.add_user(ADMIN_EMAIL, ADMIN_PASSWORD, true).await;
    old.add_user(MEMBER_EMAIL, MEMBER_PASSWORD, false).await;
    let kept = old
        .register_app("KEPT", &["reservations.read", "setup.read"])
        .await;
    let other = old.register_app("OTHER", &["setup.read"]).await;
    let (doomed, _) = old.register_app("DOOMED", &["setup.read"]).await;
    // A store app: its kind, logo, PKCE flag and redirect URIs travel too.
    let (store_app, store_secret) = crate::store_apps::register_store_app(&old, "STORE_KEPT").await;
    // ... and a person connected to it: a consent, a used code, a grant and its refresh token.
    let person_app = crate::code_grant::Client {
        id: store_app.clone(),
        secret: store_secret,
    };
    let app_id =
        crate::code_grant::id_of(&old, "SELECT id FROM apps WHERE client_id = $1", &store_app)
            .await;
    let admin_id =
        crate::code_grant::id_of(&old, "SELECT id FROM users WHERE email = $1", ADMIN_EMAIL).await;
    let consented = vec!["reservations.read".to_owned(), "openid".to_owned()];
    old.store
        .save_consent(
            app_id,
            admin_id,
            &consented,
            &frontdesk::store::AuditEntry {
                actor_id: Some(admin_id),
                actor_email: Some(ADMIN_EMAIL),
                source_addr: None,
                client_id: Some(&store_app),
                event: frontdesk::domain::AuditEvent::AppConnected(
                    frontdesk::domain::audit::Connection {
                        scopes: consented.clone(),
                    },
                ),
            },
        )
        .await
        .unwrap();
    let code =
        crate::code_grant::issue_code(&old, &person_app, crate::code_grant::CodeFor::default())
            .await;
    let (status, connected) = crate::code_grant::exchange(&old, &person_app, &code).await;
    assert_eq!(status, StatusCode::OK, "{connected}");
    let subject = crate::code_grant::admin_subject(&old).await;
    let doomed_id: i64 = frontdesk::on_db!(old.store.pool(), p => sqlx::query_scalar(
        "SELECT MAX(id) FROM app_secrets").fetch_one(p).await)
    .unwrap();
    let admin = old.admin().await;
    let delete = format!("/apps/connected-apps/{doomed}/delete");
    assert_eq!(
        admin.post_with_token(&delete, &delete, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let invite = admin
        .post_with_token(
            "/users/invite",
            "/users/invite",
            &[("email", "new@example.com"), ("name", "New")],
        )
        .await;
    assert_eq!(invite.status(), StatusCode::OK);
    let now = frontdesk::clock::Clock::default().now();
    frontdesk::signing::keys::rotate(&old.store, now, std::time::Duration::ZERO)
        .await
        .unwrap();
    let issued = token(&old, (&kept.0, &kept.1)).await;
    let revoked = token(&old, (&kept.0, &kept.1)).await;
    let (status, _) = as_app(
        &old,
        "/connect/revocation",
        (&kept.0, &kept.1),
        &[("token", &revoked)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let old_kids: BTreeSet<String> = old
        .store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    let mut expected = Vec::new();
    for table in frontdesk::store::TABLES {
        let rows = old.count(table.name).await;
        assert!(rows > 0, "the source has rows in {}", table.name);
        expected.push((table.name.to_owned(), rows, rows));
    }

    // Act: the real binary, into this run's backend.
    let new_dir = Arc::new(tempfile::tempdir().unwrap());
    let new_url = database_url(&new_dir, "frontdesk.db").await;
    let out = db_copy(&old_url, &new_url);

    // Assert: every table counted on both sides, and the install works on the copy.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(reported_counts(&out), expected);
    let new = TestApp::spawn_on(new_dir.clone()).await;
    assert_eq!(
        new.count("users").await,
        2,
        "no first admin added on a copied install"
    );
    let kids = jwks(&new)
        .await
        .keys
        .into_iter()
        .filter_map(|k| k.common.key_id);
    assert_eq!(
        kids.collect::<BTreeSet<_>>(),
        old_kids,
        "the same keys are published"
    );
    token(&new, (&kept.0, &kept.1)).await;
    token(&new, (&other.0, &other.1)).await;
    let issued = verify(&new, &issued, &old.base).await;
    let revoked = verify(&new, &revoked, &old.base).await;
    assert!(
        !new.store
            .token_is_revoked(issued["jti"].as_str().unwrap())
            .await
            .unwrap()
    );
    assert!(
        new.store
            .token_is_revoked(revoked["jti"].as_str().unwrap())
            .await
            .unwrap()
    );
    let admin = new.admin().await;
    new.member().await;
    let activity = admin.page("/activity").await;
    assert!(
        text(&activity, "ol.events")
            .unwrap()
            .contains("App deleted")
    );

    let page = new
        .admin()
        .await
        .page(&format!("/apps/connected-apps/{store_app}"))
        .await;
    assert_eq!(text(&page, "#app-require-pkce").as_deref(), Some("Yes"));
    assert!(
        text(&page, "#app-redirect-uris")
            .unwrap()
            .contains("http://localhost:3000/cb")
    );

    // The person's grant came along: its refresh token works on the copy, for the same `sub`.
    let (status, refreshed) = crate::code_grant::token(
        &new,
        &person_app,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                connected["refresh_token"].as_str().unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let seen = crate::code_grant::introspect(
        &new,
        &person_app,
        refreshed["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(seen["sub"], subject.as_str());

    // New rows get new ids: past the copied ones and the deleted app's, never colliding.
    let (fresh, fresh_secret) = new.register_app("FRESH", &["setup.read"]).await;
    token(&new, (&fresh, &fresh_secret)).await;
    let fresh_secret_id: i64 = frontdesk::on_db!(new.store.pool(), p => sqlx::query_scalar(
        "SELECT MAX(id) FROM app_secrets").fetch_one(p).await)
    .unwrap();
    assert!(
        fresh_secret_id > doomed_id,
        "{fresh_secret_id} after {doomed_id}"
    );
    new.add_user("later@example.com", "a later password", false)
        .await;
    assert_eq!(new.count("users").await, 3);

    // And back again, to a SQLite file: every direction works the same way.
    let back_dir = tempfile::tempdir().unwrap();
    let out = db_copy(&new_url, &sqlite_url(&back_dir, "back.db"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
