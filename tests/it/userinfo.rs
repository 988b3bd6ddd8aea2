//! `/connect/userinfo` (OpenID Connect Core §5.3) with the access tokens of the code exchange.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use serde_json::Value;

use crate::code_grant::*;
use crate::helpers::*;

async fn access_token(app: &TestApp, client: &Client, scopes: &[&str]) -> String {
    let code = issue_code(
        app,
        client,
        CodeFor {
            scopes,
            ..CodeFor::default()
        },
    )
    .await;
    let (status, body) = exchange(app, client, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn challenge(r: &reqwest::Response) -> String {
    r.headers()[WWW_AUTHENTICATE].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn userinfo_names_the_person_behind_a_token_by_get_and_by_post() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let token = access_token(&app, &client, &["reservations.read", "openid"]).await;
    let url = format!("{}/connect/userinfo", app.base);

    let by_get = bare_client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let by_post = bare_client()
        .post(&url)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();

    for r in [by_get, by_post] {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["sub"], admin_subject(&app).await.as_str());
        assert_eq!(body["name"], ADMIN_EMAIL);
        assert_eq!(body["email"], ADMIN_EMAIL);
        assert!(body["preferred_username"].is_string(), "{body}");
        assert!(body["account_code"].is_string(), "{body}");
        assert_eq!(body["role"], "AccountAdmin");
    }
}

#[tokio::test]
async fn userinfo_refuses_missing_invalid_and_insufficient_tokens() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let url = format!("{}/connect/userinfo", app.base);

    let r = bare_client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let bare = challenge(&r);
    assert!(
        bare.starts_with("Bearer") && !bare.contains("error="),
        "{bare}"
    );

    let r = bare_client()
        .get(&url)
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&r).contains("error=\"invalid_token\""));

    // A custom app's client-credentials token has no person behind it.
    let (id, secret) = app.register_app("voice", &["setup.read"]).await;
    let custom = bare_client()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let r = bare_client()
        .get(&url)
        .bearer_auth(custom["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&r).contains("error=\"invalid_token\""));

    // Without openid: 403 insufficient_scope.
    let token = access_token(&app, &client, &["reservations.read"]).await;
    let r = bare_client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(challenge(&r).contains("error=\"insufficient_scope\""));

    // The token twice, in the header and in the body: invalid_request.
    let token = access_token(&app, &client, &["openid"]).await;
    let r = bare_client()
        .post(&url)
        .bearer_auth(&token)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");

    // Once its code is used again, the grant is revoked and so is the token.
    let code = issue_code(&app, &client, CodeFor::default()).await;
    let (_, body) = exchange(&app, &client, &code).await;
    let token = body["access_token"].as_str().unwrap();
    let r = bare_client()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    exchange(&app, &client, &code).await;
    let r = bare_client()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&r).contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn a_member_is_an_account_member_and_a_disabled_person_has_no_userinfo() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let token = access_token(&app, &client, &["openid"]).await;
    frontdesk::on_db!(app.store.pool(), p => sqlx::query("UPDATE users SET is_admin = $1 WHERE email = $2").bind(false).bind(ADMIN_EMAIL).execute(p).await.map(|_| ()))
        .unwrap();
    let url = format!("{}/connect/userinfo", app.base);
    let r = bare_client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["role"], "AccountMember");

    frontdesk::on_db!(app.store.pool(), p => sqlx::query("UPDATE users SET enabled = $1 WHERE email = $2").bind(false).bind(ADMIN_EMAIL).execute(p).await.map(|_| ()))
        .unwrap();
    let r = bare_client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
