//! Reading apps, secrets and activity; who may, and how the refusals look.

use reqwest::StatusCode;
use serde_json::Value;

use super::*;

#[tokio::test]
async fn an_app_holding_apps_read_lists_the_apps_and_reads_one_with_its_etag() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[READ]).await;
    let (other, _) = app.register_app("voice", &["setup.read"]).await;

    let list = api.get("/api/v1/apps").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.header("cache-control"), "no-store");
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["page"], 1);
    assert_eq!(list.body["pages"], 1);
    assert_eq!(list.body["page_size"], 50);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [other.as_str(), api.client_id.as_str()],
        "newest first"
    );

    let one = api.get(&format!("/api/v1/apps/{other}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["client_id"], other);
    assert_eq!(one.body["client_code"], "VOICE");
    assert_eq!(one.body["client_name"], "Voice assistant");
    assert_eq!(one.body["pii"], "retrieve");
    assert_eq!(one.body["scopes"], serde_json::json!(["setup.read"]));
    assert_eq!(one.body["kind"], "custom");
    assert_eq!(one.body["secrets"][0]["description"], "Production server");
    assert!(one.body["secrets"][0].get("client_secret").is_none());
    let etag = one.header("etag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 66,
        "{etag}"
    );
    // The same app, the same tag; another app, another.
    assert_eq!(api.etag(&other).await, etag);
    assert_ne!(api.etag(&api.client_id).await, etag);
}

#[tokio::test]
async fn the_list_searches_sorts_and_pages_as_the_dashboard_does() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[READ]).await;
    app.register_app("zeta", &["setup.read"]).await;
    app.register_app("alpha", &["setup.read"]).await;

    let names = |r: &Answer| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["client_code"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = api.get("/api/v1/apps?sort=oldest").await;
    assert_eq!(names(&r), ["READER", "ZETA", "ALPHA"]);
    let r = api.get("/api/v1/apps?q=ALP").await;
    assert_eq!(names(&r), ["ALPHA"]);
    assert_eq!(r.body["total"], 1);
    let r = api.get("/api/v1/apps?q=nothing-like-it").await;
    assert_eq!(
        (r.body["total"].as_i64(), r.body["pages"].as_i64()),
        (Some(0), Some(1))
    );
    let r = api.get("/api/v1/apps?page=2").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(names(&r).is_empty(), "a page past the last is empty");

    for bad in ["sort=sideways", "page=0", "page=x", "colour=red"] {
        let r = api.get(&format!("/api/v1/apps?{bad}")).await;
        assert_eq!(
            r.problem(StatusCode::BAD_REQUEST),
            "urn:frontdesk:problem:bad-request",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn secrets_are_listed_without_their_values_and_activity_is_filtered() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[MANAGE]).await;
    let (other, _) = app.register_app("voice", &["setup.read"]).await;

    let r = api.get(&format!("/api/v1/apps/{other}/secrets")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secrets = r.body["items"].as_array().unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["description"], "Production server");
    assert!(secrets[0]["created_by"].is_string());
    assert!(secrets[0]["id"].is_i64());
    assert!(!r.body.to_string().contains("secret\":"), "{}", r.body);

    let r = api
        .get(&format!("/api/v1/activity?client_id={other}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 1);
    let event = &r.body["items"][0];
    assert_eq!(event["action"], "app.created");
    assert_eq!(event["client_id"], other);
    assert_eq!(event["actor"], ADMIN_EMAIL);
    assert!(event["details"].is_object());
    let r = api.get("/api/v1/activity").await;
    assert!(r.body["total"].as_i64().unwrap() >= 2, "{}", r.body);
    let r = api.get("/api/v1/activity?actor=nobody@example.com").await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[READ]).await;
    let url = format!("{}/api/v1/apps", app.base);

    let r = answer(reqwest::get(&url).await.unwrap()).await;
    assert_eq!(
        r.problem(StatusCode::UNAUTHORIZED),
        "urn:frontdesk:problem:no-token"
    );
    assert_eq!(r.header("www-authenticate"), "Bearer realm=\"frontdesk\"");

    let tampered = format!("{}x", api.token);
    for header in [
        format!("Bearer {tampered}"),
        "Bearer not.a.jwt".to_owned(),
        format!("Basic {}", api.token),
        "Bearer".to_owned(),
    ] {
        let r = reqwest::Client::new()
            .get(&url)
            .header("authorization", header.as_str())
            .send()
            .await
            .unwrap();
        let r = answer(r).await;
        assert_eq!(
            r.problem(StatusCode::UNAUTHORIZED),
            "urn:frontdesk:problem:invalid-token",
            "{header}"
        );
        assert_eq!(
            r.header("www-authenticate"),
            "Bearer realm=\"frontdesk\", error=\"invalid_token\""
        );
    }

    // A revoked token is no longer active.
    let r = reqwest::Client::new()
        .post(format!("{}/connect/revocation", app.base))
        .basic_auth(&api.client_id, Some(&api.secret))
        .form(&[("token", api.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = api.get("/api/v1/apps").await;
    assert_eq!(
        r.problem(StatusCode::UNAUTHORIZED),
        "urn:frontdesk:problem:invalid-token"
    );
}

#[tokio::test]
async fn a_token_without_the_admin_scopes_gets_403_insufficient_scope() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "plain", &["setup.read"]).await;
    for path in ["/api/v1/apps", "/api/v1/activity"] {
        let r = api.get(path).await;
        assert_eq!(
            r.problem(StatusCode::FORBIDDEN),
            "urn:frontdesk:problem:insufficient-scope"
        );
        assert_eq!(
            r.header("www-authenticate"),
            "Bearer realm=\"frontdesk\", error=\"insufficient_scope\", scope=\"frontdesk:apps.read\""
        );
    }
}

#[tokio::test]
async fn unknown_apps_addresses_and_methods_are_problems_too() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[READ]).await;
    let r = api.get("/api/v1/apps/AC-NOPE").await;
    assert_eq!(
        r.problem(StatusCode::NOT_FOUND),
        "urn:frontdesk:problem:not-found"
    );
    let r = api.get("/api/v1/apps/AC-NOPE/secrets").await;
    assert_eq!(
        r.problem(StatusCode::NOT_FOUND),
        "urn:frontdesk:problem:not-found"
    );
    let r = api.get("/api/v1/nothing-here").await;
    assert_eq!(r.problem(StatusCode::NOT_FOUND), "about:blank");
    let r = api
        .send(reqwest::Method::PUT, "/api/v1/activity", None, None)
        .await;
    assert_eq!(r.problem(StatusCode::METHOD_NOT_ALLOWED), "about:blank");
    assert_eq!(r.body["title"], Value::from("Method Not Allowed"));
}

#[tokio::test]
async fn each_client_is_rate_limited_with_retry_after() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "busy", &[READ]).await;
    let quiet = api_as(&app, "quiet", &[READ]).await;
    let mut limited = None;
    // The allowance refills as the loop runs: twice the burst is more than enough.
    for _ in 0..2 * frontdesk::api::REQUESTS_PER_MINUTE {
        let r = api.get("/api/v1/activity?client_id=none").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = limited.expect("no 429 within twice the limit");
    assert_eq!(
        r.problem(StatusCode::TOO_MANY_REQUESTS),
        "urn:frontdesk:problem:rate-limited"
    );
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    // Another client is not held back by the first.
    assert_eq!(quiet.get("/api/v1/activity").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_persons_token_an_expired_one_and_anothers_servers_are_refused() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "reader", &[READ]).await;
    let keys = app.identity.keys.current();
    let key = keys.signing(app.core.clock.now());
    let claims = frontdesk::signing::jwt::verify(
        &keys,
        &api.token,
        &app.base,
        app.core.clock.now().unix_timestamp(),
    )
    .unwrap();

    // Signed by us with the admin scope, but issued from a person's grant (a store app's token).
    let person = frontdesk::signing::jwt::AccessClaims {
        jti: frontdesk::signing::jti::for_grant(1),
        ..claims.clone()
    };
    let expired = frontdesk::signing::jwt::AccessClaims {
        iat: claims.iat - 7200,
        nbf: claims.nbf - 7200,
        exp: claims.iat - 3600,
        ..claims.clone()
    };
    let elsewhere = TestApp::spawn().await;
    let foreign_keys = elsewhere.identity.keys.current();
    let foreign =
        frontdesk::signing::jwt::sign(foreign_keys.signing(app.core.clock.now()), &claims).unwrap();
    for token in [
        frontdesk::signing::jwt::sign(key, &person).unwrap(),
        frontdesk::signing::jwt::sign(key, &expired).unwrap(),
        foreign,
    ] {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/apps", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer(r).await.problem(StatusCode::UNAUTHORIZED),
            "urn:frontdesk:problem:invalid-token"
        );
    }
    // The genuine one still works.
    assert_eq!(api.get("/api/v1/apps").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_member_sees_an_app_holding_the_admin_api_scopes_on_its_read_only_page() {
    let app = TestApp::spawn().await;
    let (client_id, _) = app.register_app("robot", &[READ, MANAGE]).await;
    let member = app.member().await;
    let r = member
        .get(&format!("/apps/connected-apps/{client_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = html(r).await;
    let text = page.root_element().text().collect::<String>();
    assert!(text.contains("Admin API"), "{text}");
    assert!(text.contains("Read apps and activity through the admin API"));
    assert!(text.contains(MANAGE));
}
