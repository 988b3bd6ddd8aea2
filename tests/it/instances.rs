//! Several instances on one database, as behind a load balancer: what one instance learns, every
//! instance knows at once (failure counts, deletions, keys), and instances starting together agree.
//! On PostgreSQL (`tests/postgres/run.sh`) this is the deployment the README describes; on SQLite the
//! same rules hold for processes sharing the file.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn token_status(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn token(app: &TestApp, id: &str, secret: &str) -> String {
    let (status, body) = token_status(app, id, secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn jwks_kids(app: &TestApp) -> Vec<String> {
    let jwks: Value = served_jwks(app).await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn four_instances_starting_at_once_store_one_signing_key_and_migrate_once() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = database_url(&dir, "frontdesk.db").await;
    if !on_postgres() {
        // One SQLite file is served by one process; its migrations are not made for racing starts
        // (PostgreSQL's are, under sqlx's advisory lock). The keys' race is the same on both.
        frontdesk::store::Store::open(&url).await.unwrap();
    }
    let config = frontdesk::config::Config::from_args(&Default::default(), &url).unwrap();
    let starts = (0..4).map(|_| tokio::spawn(frontdesk::prepare(config.clone())));
    let mut kids = Vec::new();
    for start in starts {
        let prepared = start.await.unwrap().unwrap();
        let now = prepared.core.clock.now();
        kids.push(prepared.identity.keys.current().signing(now).kid.clone());
        prepared.core.store.ready().await.unwrap();
    }
    assert!(kids.iter().all(|k| *k == kids[0]), "{kids:?}");

    let store = frontdesk::store::Store::connect(&url, &Default::default())
        .await
        .unwrap();
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 1, "exactly one first key");
    let (runs, versions): (i64, i64) = frontdesk::on_db!(store.pool(), p => {
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
            .fetch_one(p)
            .await
    })
    .unwrap();
    let migrations = frontdesk::store::SQLITE_MIGRATIONS.migrations.len();
    assert_eq!((runs, versions), (migrations as i64, migrations as i64));
}

#[tokio::test]
async fn sign_in_failures_count_across_instances() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (on_a, on_b) = (Person::at(&a.base), Person::at(&b.base));
    // Five failures, alternating: neither instance saw five, together they did.
    for i in 0..5 {
        let person = if i % 2 == 0 { &on_a } else { &on_b };
        let r = person
            .try_sign_in(ADMIN_EMAIL, "not the password at all")
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    for person in [&on_a, &on_b] {
        let r = person.try_sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", person.base);
    }
    // Another email is not affected.
    let r = on_b.try_sign_in(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn client_authentication_failures_count_across_instances() {
    let a = TestApp::spawn().await;
    let (id, secret) = a.register_app("LIMITS", &["setup.read"]).await;
    let b = a.another_instance().await;
    // Ten failures a minute per client ID, alternating: each instance alone would allow ten.
    for i in 0..10 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, body) = token_status(app, &id, "wrong-secret-for-this-client").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}: {body}");
    }
    for app in [&a, &b] {
        let (status, body) = token_status(app, &id, "wrong-secret-for-this-client").await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}: {body}",
            app.base
        );
    }
    // A secret already verified on an instance keeps working there: the limit is on guessing.
    drop(secret);
}

#[tokio::test]
async fn a_deleted_app_is_refused_and_its_tokens_inactive_on_every_instance() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (id, secret) = a.register_app("GONE", &["setup.read"]).await;
    let (keep_id, keep_secret) = a.register_app("KEEP", &["setup.read"]).await;
    // Both instances have verified (and cached) the secret and issued tokens.
    let (from_a, from_b) = (token(&a, &id, &secret).await, token(&b, &id, &secret).await);
    for app in [&a, &b] {
        assert!(active(app, (&keep_id, &keep_secret), &from_a).await);
        assert!(active(app, (&keep_id, &keep_secret), &from_b).await);
    }

    let admin = a.admin().await;
    let page = format!("/apps/connected-apps/{id}/delete");
    let r = admin.post_with_token(&page, &page, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    for app in [&a, &b] {
        let (status, body) = token_status(app, &id, &secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}: {body}", app.base);
        assert_eq!(body["error"], "invalid_client");
        assert!(!active(app, (&keep_id, &keep_secret), &from_a).await);
        assert!(!active(app, (&keep_id, &keep_secret), &from_b).await);
    }
}

#[tokio::test]
async fn a_rotation_is_published_on_every_instance_before_either_signs_with_it() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (id, secret) = a.register_app("ROTATE", &["setup.read"]).await;
    let old = kid_of(&token(&a, &id, &secret).await);

    let activation = std::time::Duration::from_secs(300);
    let (new, _) = frontdesk::signing::keys::rotate(&a.store, a.core.clock.now(), activation)
        .await
        .unwrap();
    // What each instance's background round does every few seconds.
    for app in [&a, &b] {
        let now = app.core.clock.now();
        app.identity
            .keys
            .reload_if_rotated(&app.store, now)
            .await
            .unwrap();
    }
    for app in [&a, &b] {
        let kids = jwks_kids(app).await;
        assert!(kids.contains(&new) && kids.contains(&old), "{kids:?}");
        assert_eq!(kid_of(&token(app, &id, &secret).await), old);
    }
    // Both switch at the activation time by their own clocks; nothing tells them.
    for app in [&a, &b] {
        app.core.clock.advance(time::Duration::seconds(301));
    }
    for app in [&a, &b] {
        let fresh = token(app, &id, &secret).await;
        assert_eq!(kid_of(&fresh), new);
        // Each instance verifies what the other signed.
        for other in [&a, &b] {
            assert!(active(other, (&id, &secret), &fresh).await);
        }
    }
}

/// One failed sign-in with a made-up email, as sent through a proxy that forwarded `forwarded_for`.
async fn fail_sign_in(person: &Person, forwarded_for: &str, n: usize) -> StatusCode {
    let token = person.csrf("/login").await;
    person
        .client
        .post(person.url("/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", &format!("guess{n}@example.com")),
            ("password", "wrong password"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind a balancer every request comes from the balancer: with FRONTDESK_TRUSTED_PROXIES naming it,
/// failures count against the address it forwarded, so one guesser does not lock everyone out; without
/// the setting a forged X-Forwarded-For changes nothing.
#[tokio::test]
async fn behind_trusted_proxies_failures_count_against_the_forwarded_client() {
    let served = serve_binary(&[("FRONTDESK_TRUSTED_PROXIES", "127.0.0.1/32, ::1")]).await;
    let person = Person::at(&served.base);
    // Twenty failures from one client (with forged entries to the left of what the proxy appended).
    let guesses = (0..20).map(|n| fail_sign_in(&person, "198.51.100.1, 203.0.113.7", n));
    for status in futures_util::future::join_all(guesses).await {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        fail_sign_in(&person, "203.0.113.7", 99).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same balancer still signs in.
    assert_eq!(
        fail_sign_in(&person, "203.0.113.8", 100).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Not trusted: the header is ignored, and forging a new address each time evades nothing.
    let served = serve_binary(&[]).await;
    let person = Person::at(&served.base);
    let forged: Vec<String> = (0..20).map(|n| format!("203.0.113.{n}")).collect();
    let guesses = forged
        .iter()
        .enumerate()
        .map(|(n, f)| fail_sign_in(&person, f, n));
    futures_util::future::join_all(guesses).await;
    assert_eq!(
        fail_sign_in(&person, "198.51.100.200", 99).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
