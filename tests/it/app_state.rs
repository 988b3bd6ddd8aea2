//! An app's standing and token settings (issue 16, points 4-7): Suspend and Resume, Revoke all tokens,
//! the access-token lifetime and the allowed addresses, through the dashboard (and, at the end, the
//! command line and the admin API), as the token endpoint and introspection see them.

use base64::Engine;
use frontdesk::domain::RecordedEvent;
use frontdesk::store::AuditFilter;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

fn app_url(id: &str) -> String {
    format!("/apps/connected-apps/{id}")
}

/// A client-credentials request, optionally as if forwarded for `forwarded` (X-Forwarded-For).
async fn token(
    app: &TestApp,
    id: &str,
    secret: &str,
    forwarded: Option<&str>,
) -> (StatusCode, Value) {
    let (status, _, body) = client_credentials(app, id, secret, forwarded).await;
    (status, body)
}

async fn access_token(app: &TestApp, id: &str, secret: &str) -> String {
    let (status, body) = token(app, id, secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The audit actions recorded for app `id`, oldest first, with their details as JSON.
async fn actions(app: &TestApp, id: &str) -> Vec<(String, Option<String>)> {
    let filter = AuditFilter {
        client_id: Some(id.to_owned()),
        ..AuditFilter::default()
    };
    let mut rows: Vec<(String, Option<String>)> = app
        .store
        .audit_records(&filter, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| match r.event {
            RecordedEvent::Known(e) => (e.action().as_str().to_owned(), r.actor_email),
            RecordedEvent::Unreadable { action } => (action, r.actor_email),
        })
        .collect();
    rows.reverse();
    rows
}

fn count(actions: &[(String, Option<String>)], action: &str) -> usize {
    actions.iter().filter(|(a, _)| a == action).count()
}

/// Confirms the action at `path` (`suspend`, `revoke-tokens`) as `person`: the confirmation page,
/// then its form.
async fn confirm(person: &Person, id: &str, path: &str) -> reqwest::Response {
    let url = format!("{}/{path}", app_url(id));
    let page = person.page(&url).await;
    assert_eq!(
        select(&page, &format!("form[action='{url}'] button[type=submit]")).len(),
        1,
        "{path} has a confirmation form"
    );
    person.post_with_token(&url, &url, &[]).await
}

async fn resume(person: &Person, id: &str) -> reqwest::Response {
    let url = format!("{}/resume", app_url(id));
    person.post_with_token(&app_url(id), &url, &[]).await
}

/// Posts the edit form with the app's current settings and `token_lifetime_seconds` and
/// `allowed_addresses` as given.
async fn edit_limits(
    admin: &Person,
    id: &str,
    lifetime: &str,
    addresses: &str,
) -> reqwest::Response {
    let edit = format!("{}/edit", app_url(id));
    let fields = [
        ("client_name", "Voice assistant"),
        ("pii_mode", "Retrieve"),
        ("scopes", "setup.read"),
        ("token_lifetime_seconds", lifetime),
        ("allowed_addresses", addresses),
    ];
    admin.post_with_token(&edit, &edit, &fields).await
}

#[tokio::test]
async fn a_suspended_app_is_refused_and_its_tokens_are_inactive_until_it_is_resumed() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("PAUSED", &["setup.read"]).await;
    let (caller, caller_secret) = app.register_app("CALLER", &["setup.read"]).await;
    let caller = (caller.as_str(), caller_secret.as_str());
    let before = access_token(&app, &id, &secret).await;
    let admin = app.admin().await;
    let tables = app.app_tables().await;

    let r = confirm(&admin, &id, "suspend").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (status, body) = token(&app, &id, &secret, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_description"], "this client is suspended");
    // A wrong secret is told nothing about the suspension.
    let (status, body) = token(&app, &id, &format!("{}x", &secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(!active(&app, caller, &before).await);

    // The page and the list say so; settings and secrets are kept.
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(
        text(&page, "#app-suspended-badge").as_deref(),
        Some("Suspended")
    );
    assert_eq!(text(&page, "#app-status").as_deref(), Some("Suspended"));
    let list = admin.page("/apps/connected-apps").await;
    assert_eq!(select(&list, "td .badge.suspended").len(), 1);
    let (apps, scopes, secrets, events) = app.app_tables().await;
    assert_eq!(
        (apps, scopes, secrets, events),
        (tables.0, tables.1, tables.2, tables.3 + 1)
    );

    let r = resume(&admin, &id).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(active(&app, caller, &before).await, "restored on resume");
    let after = access_token(&app, &id, &secret).await;
    assert!(active(&app, caller, &after).await);
    let page = admin.page(&app_url(&id)).await;
    assert!(select(&page, "#app-suspended-badge").is_empty());

    let recorded = actions(&app, &id).await;
    assert_eq!(count(&recorded, "app.suspended"), 1);
    assert_eq!(count(&recorded, "app.resumed"), 1);
    assert!(
        recorded
            .iter()
            .filter(|(a, _)| a.starts_with("app.suspended") || a.starts_with("app.resumed"))
            .all(|(_, who)| who.as_deref() == Some(ADMIN_EMAIL))
    );
    // Resuming an active app records nothing.
    resume(&admin, &id).await;
    assert_eq!(count(&actions(&app, &id).await, "app.resumed"), 1);
}

#[tokio::test]
async fn revoking_all_tokens_ends_earlier_ones_and_keeps_the_secrets() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("LEAKED", &["setup.read"]).await;
    let (caller, caller_secret) = app.register_app("CALLER", &["setup.read"]).await;
    let caller = (caller.as_str(), caller_secret.as_str());
    let old = access_token(&app, &id, &secret).await;
    let admin = app.admin().await;
    let tables = app.app_tables().await;

    let r = confirm(&admin, &id, "revoke-tokens").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!active(&app, caller, &old).await);
    let (apps, scopes, secrets, events) = app.app_tables().await;
    assert_eq!(
        (apps, scopes, secrets, events),
        (tables.0, tables.1, tables.2, tables.3 + 1),
        "secrets untouched, the revocation recorded"
    );

    // A token of the revocation's own second may be caught too (iat has whole seconds): one issued
    // a second later works.
    app.core.clock.advance(time::Duration::seconds(1));
    let new = access_token(&app, &id, &secret).await;
    assert!(active(&app, caller, &new).await);
    assert!(!active(&app, caller, &old).await);
    assert_eq!(count(&actions(&app, &id).await, "app.tokens_revoked"), 1);
    let page = admin.page(&app_url(&id)).await;
    assert!(text(&page, "#app-tokens-revoked").is_some());
}

#[tokio::test]
async fn the_apps_token_lifetime_applies_to_new_tokens_within_its_bounds() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("SHORT", &["setup.read"]).await;
    let admin = app.admin().await;
    let (_, body) = token(&app, &id, &secret, None).await;
    assert_eq!(body["expires_in"], 3600);

    let r = edit_limits(&admin, &id, "600", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, body) = token(&app, &id, &secret, None).await;
    assert_eq!(body["expires_in"], 600);
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(
        text(&page, "#app-token-lifetime").as_deref(),
        Some("600 seconds")
    );
    let form = admin.page(&format!("{}/edit", app_url(&id))).await;
    let field = labelled(&form, "Access token lifetime (seconds)").unwrap();
    assert_eq!(field.value().attr("value"), Some("600"));

    // Out of bounds or not a number: refused next to the field, nothing written.
    let tables = app.app_tables().await;
    let events = app.app_events().await;
    for (typed, says) in [
        ("59", "Use 60 to 3600 seconds"),
        ("3601", "Use 60 to 3600 seconds"),
        ("ten", "Enter a whole number of seconds"),
    ] {
        let r = edit_limits(&admin, &id, typed, "").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let page = html(r).await;
        let error = text(&page, "#token_lifetime_seconds-error").unwrap();
        assert!(error.starts_with(says), "{typed}: {error}");
    }
    assert_eq!(app.app_tables().await, tables);
    assert_eq!(app.app_events().await, events);

    // The bounds themselves pass; empty is the server's again.
    for (typed, expected) in [("60", 60), ("3600", 3600), ("", 3600)] {
        assert_eq!(
            edit_limits(&admin, &id, typed, "").await.status(),
            StatusCode::SEE_OTHER
        );
        let (_, body) = token(&app, &id, &secret, None).await;
        assert_eq!(body["expires_in"], expected, "{typed:?}");
    }
}

#[tokio::test]
async fn allowed_addresses_admit_their_ranges_exactly_and_refusals_are_audited_once() {
    let app = TestApp::spawn_trusting("127.0.0.1/32, ::1").await;
    let (id, secret) = app.register_app("FENCED", &["setup.read"]).await;
    let admin = app.admin().await;
    let list = "192.0.2.0/24\n2001:db8::/126\n198.51.100.7/32\n2001:db8:1::1/128";
    assert_eq!(
        edit_limits(&admin, &id, "", list).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(select(&page, "#app-allowed-addresses li").len(), 4);

    for (addr, allowed) in [
        ("192.0.2.0", true),
        ("192.0.2.255", true),
        ("192.0.1.255", false),
        ("192.0.3.0", false),
        ("2001:db8::", true),
        ("2001:db8::3", true),
        ("2001:db8::4", false),
        ("198.51.100.7", true),
        ("198.51.100.8", false),
        ("198.51.100.6", false),
        ("2001:db8:1::1", true),
        ("2001:db8:1::2", false),
        ("2001:db8:1::", false),
        // A dual-stack socket's view of an IPv4 client.
        ("::ffff:192.0.2.9", true),
        ("::ffff:192.0.3.9", false),
    ] {
        let (status, body) = token(&app, &id, &secret, Some(addr)).await;
        if allowed {
            assert_eq!(status, StatusCode::OK, "{addr}: {body}");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{addr}: {body}");
            assert_eq!(body["error"], "invalid_client");
            assert_eq!(
                body["error_description"],
                "this client may not request tokens from this address"
            );
        }
    }
    // A wrong secret from a refused address is just a wrong secret.
    let (_, body) = token(&app, &id, "x".repeat(40).as_str(), Some("192.0.3.0")).await;
    assert_eq!(body["error_description"], "client authentication failed");

    // One row per refused address (asking again from one of them adds none).
    let refused = count(&actions(&app, &id).await, "token.refused");
    assert_eq!(refused, 8);
    token(&app, &id, &secret, Some("192.0.3.0")).await;
    assert_eq!(count(&actions(&app, &id).await, "token.refused"), 8);
    let activity = admin.page("/activity").await;
    assert!(
        text(&activity, "main")
            .unwrap()
            .contains("Address not allowed: 192.0.3.0")
    );
}

#[tokio::test]
async fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("SPOOFED", &["setup.read"]).await;
    let admin = app.admin().await;
    assert_eq!(
        edit_limits(&admin, &id, "", "203.0.113.7").await.status(),
        StatusCode::SEE_OTHER
    );
    // The test client connects from 127.0.0.1, which no one trusts here: the header is ignored.
    let (status, _) = token(&app, &id, &secret, Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        edit_limits(&admin, &id, "", "127.0.0.1").await.status(),
        StatusCode::SEE_OTHER
    );
    let (status, _) = token(&app, &id, &secret, Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::OK);

    // Behind a trusted proxy, the forwarded address is the client.
    let app = TestApp::spawn_trusting("127.0.0.1/32").await;
    let (id, secret) = app.register_app("PROXIED", &["setup.read"]).await;
    let admin = app.admin().await;
    edit_limits(&admin, &id, "", "203.0.113.7").await;
    let (status, _) = token(&app, &id, &secret, Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = token(&app, &id, &secret, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bad_address_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("TYPO", &["setup.read"]).await;
    let admin = app.admin().await;
    let tables = app.app_tables().await;
    let events = app.app_events().await;
    let r = edit_limits(&admin, &id, "", "10.0.0.1\n10.0.0.300\n").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    let error = text(&page, "#allowed_addresses-error").unwrap();
    assert!(error.contains("10.0.0.300"), "{error}");
    assert_eq!(
        text(&page, "#allowed_addresses").as_deref(),
        Some("10.0.0.1 10.0.0.300"),
        "kept as typed"
    );
    let many: Vec<String> = (0..51).map(|n| format!("10.0.0.{n}")).collect();
    let r = edit_limits(&admin, &id, "", &many.join("\n")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.app_tables().await, tables);
    assert_eq!(app.app_events().await, events);
}

#[tokio::test]
async fn members_and_forms_without_a_csrf_token_change_nothing() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("GUARDED", &["setup.read"]).await;
    let member = app.member().await;
    let page = member.page(&app_url(&id)).await;
    for control in ["a[href$='/suspend']", "a[href$='/revoke-tokens']"] {
        assert!(select(&page, control).is_empty(), "{control} shown");
    }
    let events = app.app_events().await;
    for path in ["suspend", "revoke-tokens"] {
        let url = format!("{}/{path}", app_url(&id));
        assert_eq!(member.get(&url).await.status(), StatusCode::FORBIDDEN);
    }
    let token = member.csrf(&app_url(&id)).await;
    for path in ["suspend", "resume", "revoke-tokens"] {
        let url = format!("{}/{path}", app_url(&id));
        let r = member.post(&url, &[("csrf_token", token.as_str())]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "member POST {path}");
    }
    let admin = app.admin().await;
    for path in ["suspend", "resume", "revoke-tokens"] {
        let url = format!("{}/{path}", app_url(&id));
        let r = admin.post(&url, &[]).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "admin POST {path} without CSRF"
        );
    }
    assert_eq!(app.app_events().await, events);
    token_ok(&app, &id, &secret).await;
}

async fn token_ok(app: &TestApp, id: &str, secret: &str) {
    let (status, body) = token(app, id, secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_admin_api_suspends_resumes_revokes_and_sets_the_token_settings() {
    use crate::api::{MANAGE, api_as};
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let api = api_as(&app, "ADMIN_TOOL", &[MANAGE, "setup.read"]).await;
    let (id, secret) = app.register_app("TARGET", &["setup.read"]).await;
    let path = format!("/api/v1/apps/{id}");

    let r = api.get(&path).await;
    assert_eq!(r.body["suspended"], false);
    assert_eq!(r.body["token_lifetime_seconds"], Value::Null);
    assert_eq!(r.body["allowed_addresses"], serde_json::json!([]));

    // Like every write of an app, an action needs If-Match.
    let r = api
        .send(Method::POST, &format!("{path}/suspend"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED);
    let tag = api.etag(&id).await;
    let r = api
        .send(Method::POST, &format!("{path}/suspend"), None, Some(&tag))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["suspended"], true);
    let (status, _) = token(&app, &id, &secret, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let tag = api.etag(&id).await;
    let r = api
        .send(Method::POST, &format!("{path}/resume"), None, Some(&tag))
        .await;
    assert_eq!(r.body["suspended"], false);
    token_ok(&app, &id, &secret).await;

    // An app cannot suspend itself.
    let own = api.etag(&api.client_id).await;
    let r = api
        .send(
            Method::POST,
            &format!("/api/v1/apps/{}/suspend", api.client_id),
            None,
            Some(&own),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = api
        .send(
            Method::POST,
            &format!("/api/v1/apps/{}/revoke-tokens", api.client_id),
            None,
            Some("*"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let old = access_token(&app, &id, &secret).await;
    let tag = api.etag(&id).await;
    let r = api
        .send(
            Method::POST,
            &format!("{path}/revoke-tokens"),
            None,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!active(&app, (&id, &secret), &old).await);

    let patch = serde_json::json!({
        "token_lifetime_seconds": 120,
        "allowed_addresses": ["127.0.0.1", "2001:DB8::/32"],
    });
    let tag = api.etag(&id).await;
    let r = api
        .send(Method::PATCH, &path, Some(&patch), Some(&tag))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["token_lifetime_seconds"], 120);
    assert_eq!(
        r.body["allowed_addresses"],
        serde_json::json!(["127.0.0.1", "2001:db8::/32"])
    );
    app.core.clock.advance(time::Duration::seconds(1));
    let (_, body) = token(&app, &id, &secret, None).await;
    assert_eq!(body["expires_in"], 120);

    let tag = api.etag(&id).await;
    let bad = serde_json::json!({ "token_lifetime_seconds": 30, "allowed_addresses": ["nope"] });
    let r = api.send(Method::PATCH, &path, Some(&bad), Some(&tag)).await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.body.to_string();
    assert!(
        text.contains("token_lifetime_seconds") && text.contains("nope"),
        "{text}"
    );
    // null is the server's lifetime again; a field left out stays.
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&serde_json::json!({ "token_lifetime_seconds": null })),
            Some(&tag),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["token_lifetime_seconds"], Value::Null);
    assert_eq!(r.body["allowed_addresses"].as_array().unwrap().len(), 2);

    let recorded = actions(&app, &id).await;
    for action in ["app.suspended", "app.resumed", "app.tokens_revoked"] {
        assert_eq!(count(&recorded, action), 1, "{action}");
    }

    // The API itself refuses the token of a suspended app, and takes it again once resumed.
    let other = api_as(&app, "OTHER_TOOL", &[MANAGE, "setup.read"]).await;
    let own = format!("/api/v1/apps/{}", api.client_id);
    let tag = other.etag(&api.client_id).await;
    let r = other
        .send(Method::POST, &format!("{own}/suspend"), None, Some(&tag))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api.get(&own).await.status, StatusCode::UNAUTHORIZED);
    let tag = other.etag(&api.client_id).await;
    other
        .send(Method::POST, &format!("{own}/resume"), None, Some(&tag))
        .await;
    assert_eq!(api.get(&own).await.status, StatusCode::OK);
}

fn cli(db: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["apps"];
    all.extend_from_slice(args);
    let out = crate::cli::frontdesk(db, &all, "", &[]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_command_line_suspends_resumes_revokes_and_sets_the_token_settings() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("TERMINAL", &["setup.read"]).await;
    let db = app.database_url.clone();

    let (code, out, err) = cli(&db, &["suspend", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("suspended"), "{out}");
    let (status, body) = token(&app, &id, &secret, None).await;
    assert_eq!(
        (status, &body["error_description"]),
        (
            StatusCode::UNAUTHORIZED,
            &Value::from("this client is suspended")
        )
    );
    let (_, out, _) = cli(&db, &["show", &id, "--json"]);
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["suspended"], true);
    let (code, _, err) = cli(&db, &["resume", &id]);
    assert_eq!(code, Some(0), "{err}");
    token_ok(&app, &id, &secret).await;

    let old = access_token(&app, &id, &secret).await;
    let (code, _, err) = cli(&db, &["revoke-tokens", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!active(&app, (&id, &secret), &old).await);

    let (code, out, err) = cli(
        &db,
        &[
            "set",
            &id,
            "--token-lifetime",
            "300",
            "--allowed-address",
            "127.0.0.1",
            "--allowed-address",
            "10.1.2.3/8",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("300 seconds") && out.contains("127.0.0.1, 10.0.0.0/8"),
        "{out}"
    );
    app.core.clock.advance(time::Duration::seconds(1));
    let (_, body) = token(&app, &id, &secret, None).await;
    assert_eq!(body["expires_in"], 300);

    let events = app.app_events().await;
    let (code, _, err) = cli(&db, &["set", &id, "--token-lifetime", "30"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("token_lifetime_seconds: Use 60 to 3600 seconds"),
        "{err}"
    );
    let (code, _, err) = cli(&db, &["set", &id, "--allowed-address", "nope"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("nope"), "{err}");
    assert_eq!(app.app_events().await, events);
    let (code, out, _) = cli(
        &db,
        &[
            "set",
            &id,
            "--token-lifetime",
            "default",
            "--allow-any-address",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(
        out.contains("server default") && out.contains("any"),
        "{out}"
    );

    let recorded = actions(&app, &id).await;
    for action in ["app.suspended", "app.resumed", "app.tokens_revoked"] {
        assert_eq!(count(&recorded, action), 1, "{action}");
    }
    assert!(
        recorded
            .iter()
            .any(|(a, who)| a == "app.suspended" && who.as_deref() == Some("cli"))
    );
}

#[tokio::test]
async fn a_store_apps_code_and_refresh_grants_follow_its_standing_and_lifetime() {
    use crate::code_grant::{CodeFor, exchange, introspect, issue_code, store_client};
    use frontdesk::service::apps::{self, Actor, AppChange};
    let app = TestApp::spawn().await;
    let client = store_client(&app, "STOREFRONT").await;
    let issued = issue_code(&app, &client, CodeFor::default()).await;
    let (status, first) = exchange(&app, &client, &issued).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let refresh_with = |token: String| {
        let app = &app;
        let client = &client;
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
            ];
            crate::code_grant::token(app, client, &form).await
        }
    };
    let admin = app.admin().await;

    confirm(&admin, &client.id, "suspend").await;
    let (status, body) = refresh_with(refresh.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error_description"], "this client is suspended");
    let issued = issue_code(&app, &client, CodeFor::default()).await;
    let (status, body) = exchange(&app, &client, &issued).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(introspect(&app, &client, &access).await["active"], false);

    // Resumed: the refresh token was never spent, and the access token is active again.
    resume(&admin, &client.id).await;
    assert_eq!(introspect(&app, &client, &access).await["active"], true);
    let (status, body) = refresh_with(refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // Revoke all tokens: the refresh token (its grant) ends with the access tokens.
    confirm(&admin, &client.id, "revoke-tokens").await;
    let (status, body) = refresh_with(refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(introspect(&app, &client, &access).await["active"], false);
    let recorded = actions(&app, &client.id).await;
    assert_eq!(count(&recorded, "app.tokens_revoked"), 1);

    // The app's own lifetime applies to a store app's access tokens too.
    let change = AppChange {
        token_lifetime_seconds: Some(Some(120)),
        ..AppChange::default()
    };
    apps::edit_app(&app.core, Actor::Cli, &client.id, change)
        .await
        .unwrap();
    app.core.clock.advance(time::Duration::seconds(1));
    let issued = issue_code(&app, &client, CodeFor::default()).await;
    let (status, body) = exchange(&app, &client, &issued).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 120);
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, fresh).await["active"], true);
}

#[tokio::test]
async fn the_seed_file_sets_standing_and_token_settings_idempotently() {
    use frontdesk::service::seed;
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.toml");
    let file = |extra: &str| {
        format!(
            "[[apps]]\ncode = \"SEEDED\"\nname = \"Seeded\"\nscopes = [\"setup.read\"]\n{extra}\n\
             [[apps.secrets]]\ndescription = \"CI\"\nvalue = \"a-known-secret-of-32-to-128-characters-0123456789\"\n"
        )
    };
    let run = |text: String| {
        let path = path.clone();
        let core = app.core.clone();
        async move {
            std::fs::write(&path, text).unwrap();
            let plan = seed::load(&path, &core, &|_| None).await?;
            Ok::<_, seed::SeedError>(seed::apply(&core, plan).await.unwrap())
        }
    };
    let settings = "suspended = true\ntoken_lifetime_seconds = 300\nallowed_addresses = [\"127.0.0.1\", \"10.1.2.3/8\"]";
    run(file(settings)).await.unwrap();
    let id = "DEMO-SP-SEEDED";
    let secret = "a-known-secret-of-32-to-128-characters-0123456789";
    let (_, body) = token(&app, id, secret, None).await;
    assert_eq!(body["error_description"], "this client is suspended");
    let view = frontdesk::service::apps::show_app(&app.core, id)
        .await
        .unwrap();
    assert_eq!(view.token_lifetime_seconds, Some(300));
    assert_eq!(view.allowed_addresses, ["127.0.0.1", "10.0.0.0/8"]);

    // The same file again changes nothing; leaving a setting out leaves it alone.
    let events = app.app_events().await;
    let applied = run(file(settings)).await.unwrap();
    assert!(applied.changes.is_empty(), "{:?}", applied.changes);
    run(file("")).await.unwrap();
    assert_eq!(app.app_events().await, events);

    let applied = run(file("suspended = false")).await.unwrap();
    assert_eq!(applied.changes, [format!("resumed app {id}")]);
    let (_, body) = token(&app, id, secret, None).await;
    assert_eq!(body["expires_in"], 300);

    let events = app.app_events().await;
    let e = run(file("token_lifetime_seconds = 30")).await.unwrap_err();
    assert!(
        e.to_string().contains("token_lifetime_seconds: Use 60"),
        "{e}"
    );
    let e = run(file("allowed_addresses = [\"nope\"]"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    assert_eq!(app.app_events().await, events);
}

/// A refused request is no use of the secret: "last used" (and from where) moves only for tokens
/// actually issued, so a suspended app or a blocked address cannot make a dormant app look alive.
#[tokio::test]
async fn only_requests_that_get_a_token_count_as_the_secrets_last_use() {
    let app = TestApp::spawn_trusting("127.0.0.1/32, ::1").await;
    let (id, secret) = app.register_app("QUIET", &["setup.read"]).await;
    let admin = app.admin().await;
    let last_use = || async {
        app.identity
            .authenticator
            .flush_last_used(&app.store)
            .await
            .unwrap();
        let row: (Option<String>, Option<String>) = frontdesk::on_db!(app.store.pool(), p => {
            sqlx::query_as("SELECT last_used_at, last_used_addr FROM app_secrets")
                .fetch_one(p)
                .await
        })
        .unwrap();
        row
    };
    edit_limits(&admin, &id, "", "192.0.2.0/24").await;
    let (status, _) = token(&app, &id, &secret, Some("198.51.100.1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(last_use().await, (None, None));

    confirm(&admin, &id, "suspend").await;
    let (status, _) = token(&app, &id, &secret, Some("192.0.2.5")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(last_use().await, (None, None));

    resume(&admin, &id).await;
    let (status, _) = token(&app, &id, &secret, Some("192.0.2.5")).await;
    assert_eq!(status, StatusCode::OK);
    let (at, from) = last_use().await;
    assert!(at.is_some());
    assert_eq!(from.as_deref(), Some("192.0.2.5"));
}

/// A suspended store app starts no sign-in: `/connect/authorize` sends the browser back to it with
/// `unauthorized_client` (and its `state`), and after Resume the request goes through again.
#[tokio::test]
async fn a_suspended_store_app_starts_no_sign_in() {
    use crate::authorize::{authorize_path, location, param};
    let app = TestApp::spawn().await;
    let (id, _) = crate::store_apps::register_store_app(&app, "paused").await;
    let admin = app.admin().await;
    confirm(&admin, &id, "suspend").await;
    let path = authorize_path(&id, &[], &[]);
    for who in [&admin, &Person::at(&app.base)] {
        let r = who.get(&path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let back = location(&r);
        assert_eq!(back.path(), "/callback");
        assert_eq!(
            param(&back, "error").as_deref(),
            Some("unauthorized_client")
        );
        assert_eq!(
            param(&back, "error_description").as_deref(),
            Some("this client is suspended")
        );
        assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    }
    resume(&admin, &id).await;
    let r = admin.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK, "the consent page again");
}
