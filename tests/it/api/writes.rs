//! Creating, changing and deleting apps and secrets: scopes, grants, ETags, problems.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;

fn new_app(code: &str, scopes: &[&str]) -> Value {
    json!({
        "client_code": code,
        "client_name": "Night audit robot",
        "pii": "dont_retrieve",
        "scopes": scopes,
        "secret_description": "Robot's key",
    })
}

/// A manager that holds `setup.read` too, so it may grant that.
async fn manager(app: &TestApp) -> Api {
    api_as(app, "manager", &[MANAGE, "setup.read"]).await
}

#[tokio::test]
async fn a_manager_creates_an_app_whose_secret_is_shown_once_and_works() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;

    let r = api
        .send(
            Method::POST,
            "/api/v1/apps",
            Some(&new_app("robot", &["setup.read"])),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let client_id = r.body["client_id"].as_str().unwrap().to_owned();
    assert!(client_id.ends_with("-ROBOT"), "{client_id}");
    assert_eq!(r.header("location"), format!("/api/v1/apps/{client_id}"));
    assert_eq!(r.header("cache-control"), "no-store");
    assert_eq!(r.body["pii"], "dont_retrieve");
    assert_eq!(r.body["scopes"], json!(["setup.read"]));
    assert_eq!(r.body["secrets"][0]["description"], "Robot's key");
    let secret = r.body["client_secret"].as_str().unwrap();
    assert_eq!(r.header("etag"), api.etag(&client_id).await);

    // The secret works, and is never shown again.
    token_for(&app, &client_id, secret).await;
    let again = api.get(&format!("/api/v1/apps/{client_id}")).await;
    assert!(!again.body.to_string().contains(secret));
    // The log names the app that did it.
    let log = api
        .get(&format!("/api/v1/activity?client_id={client_id}"))
        .await;
    assert_eq!(log.body["items"][0]["action"], "app.created");
    assert_eq!(
        log.body["items"][0]["actor"],
        format!("app:{}", api.client_id)
    );
    let by_actor = api
        .get(&format!("/api/v1/activity?actor=app:{}", api.client_id))
        .await;
    assert_eq!(by_actor.body["total"], 1);
}

#[tokio::test]
async fn refused_fields_come_back_as_a_list_and_unreadable_bodies_as_400_or_415() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;
    let post = async |body: Value| {
        api.send(Method::POST, "/api/v1/apps", Some(&body), None)
            .await
    };

    let mut bad = new_app("no-dash", &["nope"]);
    bad["client_name"] = json!("  ");
    let r = post(bad).await;
    assert_eq!(
        r.problem(StatusCode::UNPROCESSABLE_ENTITY),
        "urn:frontdesk:problem:validation"
    );
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    // "nope" is not held by the manager either: the catalog's word comes first, as a field.
    assert!(
        fields.contains(&"client_code") && fields.contains(&"client_name"),
        "{fields:?}"
    );

    let taken = new_app("manager", &["setup.read"]);
    let r = post(taken).await;
    assert_eq!(
        r.problem(StatusCode::UNPROCESSABLE_ENTITY),
        "urn:frontdesk:problem:validation"
    );
    assert_eq!(r.body["errors"][0]["field"], "client_code");
    assert_eq!(
        r.body["errors"][0]["message"],
        "This client code is already taken"
    );

    let mut missing = new_app("robot", &["setup.read"]);
    missing.as_object_mut().unwrap().remove("pii");
    let r = post(missing).await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "pii");
    let mut wrong = new_app("robot", &["setup.read"]);
    wrong["pii"] = json!("sometimes");
    let r = post(wrong).await;
    assert_eq!(r.body["errors"][0]["field"], "pii");
    let mut extra = new_app("robot", &["setup.read"]);
    extra["is_admin"] = json!(true);
    let r = post(extra).await;
    assert_eq!(r.body["errors"][0]["field"], "is_admin");

    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/apps", app.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    answer(raw).await.problem(StatusCode::BAD_REQUEST);
    let form = reqwest::Client::new()
        .post(format!("{}/api/v1/apps", app.base))
        .bearer_auth(&api.token)
        .form(&[("client_code", "robot")])
        .send()
        .await
        .unwrap();
    answer(form)
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.app_tables().await.0, 1, "nothing was created");
}

#[tokio::test]
async fn an_app_cannot_grant_a_scope_it_does_not_hold_and_a_reader_cannot_write() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;
    let r = api
        .send(
            Method::POST,
            "/api/v1/apps",
            Some(&new_app("robot", &["setup.read", "folios.read"])),
            None,
        )
        .await;
    assert_eq!(
        r.problem(StatusCode::FORBIDDEN),
        "urn:frontdesk:problem:forbidden"
    );
    assert!(r.body["detail"].as_str().unwrap().contains("folios.read"));

    let reader = api_as(&app, "reader", &[READ]).await;
    let r = reader
        .send(
            Method::POST,
            "/api/v1/apps",
            Some(&new_app("robot", &[READ])),
            None,
        )
        .await;
    assert_eq!(
        r.problem(StatusCode::FORBIDDEN),
        "urn:frontdesk:problem:insufficient-scope"
    );
    assert_eq!(
        r.header("www-authenticate"),
        "Bearer realm=\"frontdesk\", error=\"insufficient_scope\", scope=\"frontdesk:apps.manage\""
    );
    let path = format!("/api/v1/apps/{}", api.client_id);
    let etag = reader.etag(&api.client_id).await;
    for method in [Method::PATCH, Method::DELETE] {
        let r = reader
            .send(method, &path, Some(&json!({})), Some(&etag))
            .await;
        r.problem(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn changes_need_the_current_etag_in_if_match() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;
    let (other, _) = app.register_app("voice", &["setup.read"]).await;
    let path = format!("/api/v1/apps/{other}");
    let change = json!({"client_name": "Voice 2", "pii": "dont_retrieve"});

    let r = api.send(Method::PATCH, &path, Some(&change), None).await;
    assert_eq!(
        r.problem(StatusCode::PRECONDITION_REQUIRED),
        "urn:frontdesk:problem:if-match-required"
    );
    let r = api
        .send(Method::PATCH, &path, Some(&change), Some("\"stale\""))
        .await;
    assert_eq!(
        r.problem(StatusCode::PRECONDITION_FAILED),
        "urn:frontdesk:problem:stale-etag"
    );

    let etag = api.etag(&other).await;
    let r = api
        .send(Method::PATCH, &path, Some(&change), Some(&etag))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["client_name"], "Voice 2");
    assert_eq!(r.body["pii"], "dont_retrieve");
    assert_eq!(r.body["scopes"], json!(["setup.read"]), "left as it was");
    let new_etag = r.header("etag").to_owned();
    assert_ne!(new_etag, etag);
    assert_eq!(new_etag, api.etag(&other).await);
    // The old tag is stale now.
    let r = api
        .send(Method::PATCH, &path, Some(&change), Some(&etag))
        .await;
    r.problem(StatusCode::PRECONDITION_FAILED);

    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"scopes": []})),
            Some(&new_etag),
        )
        .await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "scopes");
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"scopes": [MANAGE, "setup.manage"]})),
            Some(&new_etag),
        )
        .await;
    assert_eq!(
        r.problem(StatusCode::FORBIDDEN),
        "urn:frontdesk:problem:forbidden"
    );
    let log = api
        .get(&format!("/api/v1/activity?client_id={other}"))
        .await;
    assert_eq!(log.body["items"][0]["action"], "app.edited");
}

#[tokio::test]
async fn an_app_deletes_another_but_not_itself() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;
    let (other, secret) = app.register_app("voice", &["setup.read"]).await;
    let own = format!("/api/v1/apps/{}", api.client_id);
    let etag = api.etag(&api.client_id).await;
    let r = api.send(Method::DELETE, &own, None, Some(&etag)).await;
    assert_eq!(
        r.problem(StatusCode::CONFLICT),
        "urn:frontdesk:problem:conflict"
    );
    // Nor the secret its token came from (even with `If-Match: *`).
    let mine = api.get(&format!("{own}/secrets")).await.body["items"][0]["id"].clone();
    let r = api
        .send(
            Method::DELETE,
            &format!("{own}/secrets/{mine}"),
            None,
            Some("*"),
        )
        .await;
    r.problem(StatusCode::CONFLICT);
    assert_eq!(
        api.get(&own).await.status,
        StatusCode::OK,
        "the token still works"
    );

    let path = format!("/api/v1/apps/{other}");
    let r = api.send(Method::DELETE, &path, None, None).await;
    r.problem(StatusCode::PRECONDITION_REQUIRED);
    let etag = api.etag(&other).await;
    let r = api.send(Method::DELETE, &path, None, Some(&etag)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    api.get(&path).await.problem(StatusCode::NOT_FOUND);
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&other, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn secrets_are_added_once_shown_and_deleted_with_the_apps_etag() {
    let app = TestApp::spawn().await;
    let api = manager(&app).await;
    let (other, _) = app.register_app("voice", &["setup.read"]).await;
    let secrets = format!("/api/v1/apps/{other}/secrets");
    let body = json!({"description": "Rotation 2026"});

    api.send(Method::POST, &secrets, Some(&body), None)
        .await
        .problem(StatusCode::PRECONDITION_REQUIRED);
    let etag = api.etag(&other).await;
    let r = api
        .send(Method::POST, &secrets, Some(&body), Some(&etag))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["description"], "Rotation 2026");
    let id = r.body["id"].as_i64().unwrap();
    let value = r.body["client_secret"].as_str().unwrap();
    token_for(&app, &other, value).await;
    // Adding changed the app: the old tag is stale.
    api.send(Method::POST, &secrets, Some(&body), Some(&etag))
        .await
        .problem(StatusCode::PRECONDITION_FAILED);
    let list = api.get(&secrets).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let r = api
        .send(
            Method::POST,
            &secrets,
            Some(&json!({"description": ""})),
            Some(&api.etag(&other).await),
        )
        .await;
    assert_eq!(r.body["errors"][0]["field"], "description");

    let one = format!("{secrets}/{id}");
    api.send(
        Method::DELETE,
        &format!("{secrets}/999999"),
        None,
        Some(&api.etag(&other).await),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    let r = api
        .send(Method::DELETE, &one, None, Some(&api.etag(&other).await))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        api.get(&secrets).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // At most 10 secrets: the eleventh is a conflict.
    for i in 0..10 {
        let r = api
            .send(
                Method::POST,
                &secrets,
                Some(&json!({"description": format!("S{i}")})),
                Some(&api.etag(&other).await),
            )
            .await;
        if i < 9 {
            assert_eq!(r.status, StatusCode::CREATED, "{i}: {}", r.body);
        } else {
            r.problem(StatusCode::CONFLICT);
        }
    }
}
