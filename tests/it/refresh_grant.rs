//! The refresh-token grant (RFC 6749 §6): rotation, reuse ending the family, narrowing, lifetimes,
//! and revocation of a refresh token (RFC 7009).

use reqwest::StatusCode;
use serde_json::Value;

use crate::code_grant::*;
use crate::helpers::*;

/// A client with a fresh family: the code exchange's answer.
async fn connected(app: &TestApp, code: &str) -> (Client, Value) {
    let client = store_client(app, code).await;
    let issued = issue_code(app, &client, CodeFor::default()).await;
    let (status, body) = exchange(app, &client, &issued).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (client, body)
}

async fn refresh(
    app: &TestApp,
    client: &Client,
    token: &str,
    scope: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    form.extend(scope.map(|s| ("scope", s)));
    crate::code_grant::token(app, client, &form).await
}

fn field(body: &Value, name: &str) -> String {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .to_owned()
}

async fn revoke(app: &TestApp, client: &Client, token: &str, hint: &str) -> (StatusCode, Value) {
    let r = bare_client()
        .post(format!("{}/connect/revocation", app.base))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("token", token), ("token_type_hint", hint)])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_whole_family() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;
    let first_refresh = field(&first, "refresh_token");

    let (status, second) = refresh(&app, &client, &first_refresh, None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second_refresh = field(&second, "refresh_token");
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(
        second["scope"],
        "reservations.read openid profile offline_access"
    );
    let id = id_token_claims(&app, &client, &field(&second, "id_token")).await;
    assert_eq!(id.sub, admin_subject(&app).await);
    assert_eq!(id.nonce, None);
    assert_eq!(
        id.at_hash,
        frontdesk::signing::jwt::at_hash(&field(&second, "access_token"))
    );
    let first_id = id_token_claims(&app, &client, &field(&first, "id_token")).await;
    assert_eq!(id.auth_time, first_id.auth_time);
    for body in [&first, &second] {
        let seen = introspect(&app, &client, &field(body, "access_token")).await;
        assert_eq!(seen["active"], true);
    }

    // The used token again: refused, and the family is over.
    let (status, body) = refresh(&app, &client, &first_refresh, None).await;
    assert_eq!(refused(status, &body), "invalid_grant");
    let (status, body) = refresh(&app, &client, &second_refresh, None).await;
    assert_eq!(refused(status, &body), "invalid_grant");
    for body in [&first, &second] {
        let seen = introspect(&app, &client, &field(body, "access_token")).await;
        assert_eq!(seen["active"], false, "{seen}");
    }
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scopes_but_never_widen_them() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;

    let (status, narrow) = refresh(
        &app,
        &client,
        &field(&first, "refresh_token"),
        Some("reservations.read"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{narrow}");
    assert_eq!(narrow["scope"], "reservations.read");
    assert!(
        narrow.get("id_token").is_some(),
        "the family still holds openid"
    );
    let seen = introspect(&app, &client, &field(&narrow, "access_token")).await;
    assert_eq!(seen["scope"], "reservations.read");

    // The new refresh token keeps the family's scopes.
    let (status, full) = refresh(&app, &client, &field(&narrow, "refresh_token"), None).await;
    assert_eq!(status, StatusCode::OK, "{full}");
    assert_eq!(
        full["scope"],
        "reservations.read openid profile offline_access"
    );

    let latest = field(&full, "refresh_token");
    let (status, body) =
        refresh(&app, &client, &latest, Some("reservations.read setup.read")).await;
    assert_eq!(refused(status, &body), "invalid_scope");
    // Refused before it was spent: the token still works.
    let (status, body) = refresh(&app, &client, &latest, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_unused_refresh_token_expires_after_the_sliding_lifetime() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;
    app.core.clock.advance(time::Duration::days(15));

    let (status, body) = refresh(&app, &client, &field(&first, "refresh_token"), None).await;

    assert_eq!(refused(status, &body), "invalid_grant");
    assert_eq!(body["error_description"], "the refresh token has expired");
}

#[tokio::test]
async fn no_refresh_outlives_the_absolute_lifetime_of_its_grant() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;
    let mut current = field(&first, "refresh_token");
    // Used every ten days the family lives on, until day 30.
    for _ in 0..2 {
        app.core.clock.advance(time::Duration::days(10));
        let (status, body) = refresh(&app, &client, &current, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        current = field(&body, "refresh_token");
    }
    app.core
        .clock
        .advance(time::Duration::days(9) + time::Duration::hours(23) + time::Duration::minutes(30));
    let (status, body) = refresh(&app, &client, &current, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Half an hour before the grant ends, the access token lasts only that half hour.
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((1790..=1800).contains(&expires_in), "{expires_in}");
    current = field(&body, "refresh_token");

    app.core.clock.advance(time::Duration::hours(1));
    let (status, body) = refresh(&app, &client, &current, None).await;
    assert_eq!(refused(status, &body), "invalid_grant");
}

#[tokio::test]
async fn another_clients_refresh_token_is_refused_without_being_spent() {
    let app = TestApp::spawn().await;
    let (owner, first) = connected(&app, "helper").await;
    let intruder = store_client(&app, "intruder").await;
    let stolen = field(&first, "refresh_token");

    let (status, body) = refresh(&app, &intruder, &stolen, None).await;
    assert_eq!(refused(status, &body), "invalid_grant");
    let (status, body) = revoke(&app, &intruder, &stolen, "refresh_token").await;
    assert_eq!(refused(status, &body), "unauthorized_client");

    let (status, body) = refresh(&app, &owner, &stolen, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_family() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;
    let (status, second) = refresh(&app, &client, &field(&first, "refresh_token"), None).await;
    assert_eq!(status, StatusCode::OK);

    // Any hint, or none that fits: a refresh token is found as one (RFC 7009 §2.1).
    let (status, _) = revoke(
        &app,
        &client,
        &field(&second, "refresh_token"),
        "access_token",
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    let (status, body) = refresh(&app, &client, &field(&second, "refresh_token"), None).await;
    assert_eq!(refused(status, &body), "invalid_grant");
    for body in [&first, &second] {
        let seen = introspect(&app, &client, &field(body, "access_token")).await;
        assert_eq!(seen["active"], false, "{seen}");
    }
    // Unknown tokens and a second revocation are no error.
    for token in ["unknown", &field(&second, "refresh_token")] {
        let (status, _) = revoke(&app, &client, token, "refresh_token").await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn revoking_one_access_token_of_a_grant_leaves_the_family_alive() {
    let app = TestApp::spawn().await;
    let (client, first) = connected(&app, "helper").await;
    let access = field(&first, "access_token");

    let (status, _) = revoke(&app, &client, &access, "access_token").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(introspect(&app, &client, &access).await["active"], false);
    let (status, body) = refresh(&app, &client, &field(&first, "refresh_token"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
