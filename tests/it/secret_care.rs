//! Secret care on the dashboard and at the token endpoint: expiry, rotation with a grace period, last
//! use and its address, the list's filters and the expiring-soon gauge. The server's clock is moved,
//! never waited for.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, HeaderMap, WWW_AUTHENTICATE};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::helpers::*;

const FORM: &str = "application/x-www-form-urlencoded";

fn app_url(id: &str) -> String {
    format!("/apps/connected-apps/{id}")
}

/// A client-credentials request with HTTP Basic: status, headers, body.
async fn token(app: &TestApp, id: &str, secret: &str) -> (StatusCode, HeaderMap, Value) {
    client_credentials(app, id, secret, None).await
}

/// The id of app `id`'s first secret.
async fn first_secret_id(app: &TestApp, id: &str) -> i64 {
    let detail = app
        .store
        .app_detail(&app.core.config.account_code, id)
        .await;
    detail.unwrap().unwrap().secrets[0].id
}

async fn works(app: &TestApp, id: &str, secret: &str) -> bool {
    token(app, id, secret).await.0 == StatusCode::OK
}

/// Registers app `code` on the New custom app form with its first secret expiring as `expires` says.
async fn register_expiring(app: &TestApp, code: &str, expires: &str) -> (String, String) {
    let admin = app.admin().await;
    let mut form = app_form(code);
    form.push(("expires", expires));
    let r = admin.create_app(&form).await;
    assert_eq!(r.status(), StatusCode::OK, "registering {code}");
    let page = html(r).await;
    (
        input_value(&page, "#client-id").unwrap(),
        input_value(&page, "#client-secret").unwrap(),
    )
}

/// The stored expiry of the app's secrets, oldest first.
async fn expiries(app: &TestApp, id: &str) -> Vec<Option<OffsetDateTime>> {
    let detail = app
        .store
        .app_detail(&app.core.config.account_code, id)
        .await
        .unwrap()
        .unwrap();
    detail.secrets.iter().map(|s| s.expires_at).collect()
}

/// Whole seconds from the server's now until `at`, rounded up (so advancing by it reaches `at`).
fn seconds_until(app: &TestApp, at: OffsetDateTime) -> i64 {
    let millis = (at - app.core.clock.now()).whole_milliseconds();
    i64::try_from(millis.div_euclid(1000) + i128::from(millis.rem_euclid(1000) > 0)).unwrap()
}

#[tokio::test]
async fn an_expired_secret_is_refused_exactly_like_a_wrong_one_even_when_cached() {
    let app = TestApp::spawn().await;
    let (id, secret) = register_expiring(&app, "EXPIRING", "30d").await;
    let [Some(end)] = expiries(&app, &id).await[..] else {
        panic!("one secret with an expiry")
    };
    let from_now = end - app.core.clock.now();
    assert!(from_now > Duration::days(30) - Duration::seconds(5) && from_now <= Duration::days(30));

    // Just before the edge: it works (and the verification is now cached).
    app.core
        .clock
        .advance(Duration::seconds(seconds_until(&app, end) - 3));
    assert!(works(&app, &id, &secret).await, "just before its expiry");
    assert!(works(&app, &id, &secret).await, "cached, still before");

    // At the edge and after it: refused, though the verification is cached.
    app.core
        .clock
        .advance(Duration::seconds(seconds_until(&app, end).max(0)));
    let (status, headers, body) = token(&app, &id, &secret).await;
    let (wrong_status, wrong_headers, wrong_body) = token(&app, &id, "wrong-secret-value").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!((status, &body), (wrong_status, &wrong_body));
    assert_eq!(headers[WWW_AUTHENTICATE], wrong_headers[WWW_AUTHENTICATE]);
    assert_eq!(body["error"], "invalid_client");
    app.core.clock.advance(Duration::days(1));
    assert!(!works(&app, &id, &secret).await, "after its expiry");

    // A fresh process (no cache) refuses it too.
    let app = app.restart().await;
    app.core.clock.advance(Duration::days(31));
    assert!(!works(&app, &id, &secret).await, "uncached");
}

#[tokio::test]
async fn rotation_keeps_both_secrets_working_during_the_grace_period_then_only_the_new_one() {
    let app = TestApp::spawn().await;
    let (id, old) = app.register_app("ROTATED", &["setup.read"]).await;
    let (_, caller_secret) = app.register_app("CALLER", &["setup.read"]).await;
    let caller = format!("{}-SP-CALLER", app.core.config.account_code);
    let admin = app.admin().await;
    let secret_id = first_secret_id(&app, &id).await;
    let rotate_url = format!("{}/secrets/{secret_id}/rotate", app_url(&id));

    // The confirmation page: a grace of 7 days, the old description, Never (the old one never expired).
    let page = admin.page(&rotate_url).await;
    assert_eq!(input_value(&page, "#grace_days").as_deref(), Some("7"));
    assert_eq!(
        input_value(&page, "#secret_description").as_deref(),
        Some("Production server")
    );
    assert_eq!(
        text(&page, "#expires option[selected]").as_deref(),
        Some("Never")
    );

    let r = admin
        .post_with_token(
            &rotate_url,
            &rotate_url,
            &[
                ("grace_days", "7"),
                ("secret_description", "Rotated"),
                ("expires", "90d"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let new = input_value(&html(r).await, "#client-secret").unwrap();
    assert_ne!(new, old);

    assert!(works(&app, &id, &old).await && works(&app, &id, &new).await);
    let page = admin.page(&app_url(&id)).await;
    let expiries_shown: Vec<String> = select(&page, "td.secret-expiry")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert!(
        expiries_shown[0].contains("expires in 6 days")
            || expiries_shown[0].contains("expires in 7 days"),
        "{expiries_shown:?}"
    );
    assert!(
        expiries_shown[0].contains("Warning"),
        "a warning in words: {expiries_shown:?}"
    );
    assert_eq!(select(&page, "td.secret-expiry .expiry.soon").len(), 1);
    assert!(
        expiries_shown[1].contains("expires in 89 days")
            || expiries_shown[1].contains("expires in 90 days")
    );

    // One audit row names both secrets and the old one's new expiry.
    let details: Vec<String> = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'secret.rotated'").fetch_all(p).await).unwrap();
    assert_eq!(details.len(), 1);
    let d: Value = serde_json::from_str(&details[0]).unwrap();
    assert_eq!(d["old_description"], "Production server");
    assert_eq!(d["new_description"], "Rotated");
    assert!(d["old_expires_at"].is_string() && d["new_expires_at"].is_string());

    app.core
        .clock
        .advance(Duration::days(7) + Duration::seconds(2));
    assert!(
        !works(&app, &id, &old).await,
        "the old secret after the grace period"
    );
    assert!(works(&app, &id, &new).await, "the new secret");

    // A token issued before its secret expired stays active until its own expiry: introspection does
    // not look at the secret's expiry. (Grace 0, so the secret expires well within the token's life.)
    let (id2, old2) = app.register_app("ROTATED2", &["setup.read"]).await;
    let (_, _, issued2) = token(&app, &id2, &old2).await;
    let secret2 = app
        .store
        .app_detail(&app.core.config.account_code, &id2)
        .await
        .unwrap()
        .unwrap()
        .secrets[0]
        .id;
    let url2 = format!("{}/secrets/{secret2}/rotate", app_url(&id2));
    let r = admin
        .post_with_token(
            &url2,
            &url2,
            &[
                ("grace_days", "0"),
                ("secret_description", "Now"),
                ("expires", "never"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        !works(&app, &id2, &old2).await,
        "grace 0: the old secret stops at once"
    );
    let body = format!("token={}", issued2["access_token"].as_str().unwrap());
    let r = reqwest::Client::new()
        .post(format!("{}/connect/introspect", app.base))
        .basic_auth(&caller, Some(&caller_secret))
        .header("content-type", FORM)
        .body(body)
        .send()
        .await
        .unwrap();
    let introspected: Value = r.json().await.unwrap();
    assert_eq!(introspected["active"], true, "{introspected}");
}

#[tokio::test]
async fn the_list_filters_expiring_soon_expired_and_unused_apps_with_the_search() {
    let app = TestApp::spawn().await;
    let (soon, _) = register_expiring(&app, "SOON", "30d").await;
    let (later, _) = register_expiring(&app, "LATER", "1y").await;
    let (used, used_secret) = register_expiring(&app, "USED", "never").await;
    let admin = app.member().await;
    let listed = |page: &scraper::Html| -> Vec<String> {
        select(page, "td.client-id code")
            .iter()
            .map(|e| e.text().collect())
            .collect()
    };

    app.core.clock.advance(Duration::days(20));
    let page = admin
        .page("/apps/connected-apps?filter=expiring-soon")
        .await;
    assert_eq!(listed(&page), [soon.as_str()]);
    assert_eq!(
        text(&page, "#filter option[selected]").as_deref(),
        Some("Expiring soon")
    );
    let page = admin.page("/apps/connected-apps").await;
    let soon_row = select(&page, "tbody tr")
        .into_iter()
        .find(|r| r.text().collect::<String>().contains(&soon))
        .unwrap();
    let soon_text: String = soon_row.text().collect();
    assert!(
        soon_text.contains("expires in 9 days") || soon_text.contains("expires in 10 days"),
        "{soon_text}"
    );
    assert!(soon_text.contains("Warning"));
    assert!(
        admin
            .page("/apps/connected-apps?filter=expired")
            .await
            .root_element()
            .text()
            .collect::<String>()
            .contains("No app matches this filter")
    );

    app.core.clock.advance(Duration::days(15));
    assert_eq!(
        listed(&admin.page("/apps/connected-apps?filter=expired").await),
        [soon.as_str()]
    );
    assert!(
        listed(
            &admin
                .page("/apps/connected-apps?filter=expiring-soon")
                .await
        )
        .is_empty()
    );
    // Combined with the search.
    assert_eq!(
        listed(
            &admin
                .page("/apps/connected-apps?q=soon&filter=expired")
                .await
        ),
        [soon.as_str()]
    );
    assert!(
        listed(
            &admin
                .page("/apps/connected-apps?q=later&filter=expired")
                .await
        )
        .is_empty()
    );

    // Day 35: USED obtains a token; on day 91 every app but USED has gone 90 days without one.
    assert!(works(&app, &used, &used_secret).await);
    app.identity
        .authenticator
        .flush_last_used(&app.store)
        .await
        .unwrap();
    assert!(
        listed(&admin.page("/apps/connected-apps?filter=unused").await).is_empty(),
        "all younger than 90 days"
    );
    app.core.clock.advance(Duration::days(56));
    let mut unused = listed(&admin.page("/apps/connected-apps?filter=unused").await);
    unused.sort();
    let mut expected = vec![later.clone(), soon.clone()];
    expected.sort();
    assert_eq!(unused, expected);
    app.core.clock.advance(Duration::days(40));
    assert_eq!(
        listed(
            &admin
                .page("/apps/connected-apps?filter=unused&q=used")
                .await
        ),
        [used.as_str()]
    );
}

#[tokio::test]
async fn each_secret_shows_when_and_from_which_address_it_was_last_used() {
    let app = TestApp::spawn_trusting("127.0.0.1/32, ::1").await;
    let (id, secret) = app.register_app("TRACKED", &["setup.read"]).await;
    let admin = app.admin().await;
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(text(&page, "td.secret-last-used").as_deref(), Some("Never"));

    let (status, ..) =
        client_credentials(&app, &id, &secret, Some("198.51.100.1, 203.0.113.7")).await;
    assert_eq!(status, StatusCode::OK);
    app.identity
        .authenticator
        .flush_last_used(&app.store)
        .await
        .unwrap();
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(
        text(&page, ".secret-last-used-from").as_deref(),
        Some("203.0.113.7")
    );

    // An older use (another instance's late batch) never overwrites a newer one, time nor address.
    let detail = app
        .store
        .app_detail(&app.core.config.account_code, &id)
        .await
        .unwrap()
        .unwrap();
    let s = &detail.secrets[0];
    let older = frontdesk::store::SecretUse {
        at: s.last_used_at.unwrap() - Duration::minutes(5),
        addr: Some("192.0.2.9".parse().unwrap()),
    };
    app.store.record_secret_use(&[(s.id, older)]).await.unwrap();
    let page = admin.page(&app_url(&id)).await;
    assert_eq!(
        text(&page, ".secret-last-used-from").as_deref(),
        Some("203.0.113.7")
    );
}

#[tokio::test]
async fn the_metrics_gauge_counts_secrets_expiring_within_14_days_from_the_database() {
    let app = TestApp::spawn().await;
    register_expiring(&app, "GAUGED", "30d").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = frontdesk::http::health::metrics_router(app.store.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let gauge = || async move {
        let body = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        body.lines()
            .find(|l| l.starts_with("frontdesk_secrets_expiring_soon "))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no gauge in:\n{body}"))
    };
    assert_eq!(gauge().await, 0.0);
    app.core.clock.advance(Duration::days(20));
    assert_eq!(gauge().await, 1.0);
    app.core.clock.advance(Duration::days(11));
    assert_eq!(gauge().await, 0.0, "expired is no longer expiring");
}

#[tokio::test]
async fn members_cannot_rotate_and_rotation_needs_csrf() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("GUARDED", &["setup.read"]).await;
    let secret_id = first_secret_id(&app, &id).await;
    let url = format!("{}/secrets/{secret_id}/rotate", app_url(&id));
    let before = app.app_tables().await;

    let member = app.member().await;
    assert_eq!(member.get(&url).await.status(), StatusCode::FORBIDDEN);
    let token = member.csrf(&app_url(&id)).await;
    let r = member
        .post(
            &url,
            &[
                ("csrf_token", &token),
                ("grace_days", "0"),
                ("secret_description", "x"),
                ("expires", "never"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = member.page(&app_url(&id)).await;
    assert!(
        select(&page, "a[href$='/rotate']").is_empty(),
        "no Rotate link for a member"
    );

    let admin = app.admin().await;
    for token in [None, Some("forged")] {
        let mut form = vec![
            ("grace_days", "0"),
            ("secret_description", "x"),
            ("expires", "never"),
        ];
        if let Some(t) = token {
            form.push(("csrf_token", t));
        }
        assert_eq!(
            admin.post(&url, &form).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(app.app_tables().await, before, "nothing written");
    assert!(works(&app, &id, &secret).await);
}

#[tokio::test]
async fn bad_expiry_and_grace_are_refused_with_a_clear_message_and_nothing_written() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("CAREFUL", &["setup.read"]).await;
    let secret_id = first_secret_id(&app, &id).await;
    let admin = app.admin().await;
    let before = app.app_tables().await;
    let yesterday = (app.core.clock.now() - Duration::days(1))
        .date()
        .to_string();

    let add = format!("{}/secrets/new", app_url(&id));
    for (expires, on, message) in [
        ("date", yesterday.as_str(), "already past"),
        ("date", "31/12/2099", "YYYY-MM-DD"),
        ("someday", "", "Choose Never"),
    ] {
        let r = admin
            .post_with_token(
                &add,
                &add,
                &[
                    ("secret_description", "Next"),
                    ("expires", expires),
                    ("expires_on", on),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expires} {on}"
        );
        let page = html(r).await;
        assert!(
            text(&page, "#expires-error").unwrap().contains(message),
            "{expires} {on}"
        );
    }

    let rotate = format!("{}/secrets/{secret_id}/rotate", app_url(&id));
    for grace in ["91", "-1", "a week", ""] {
        let r = admin
            .post_with_token(
                &rotate,
                &rotate,
                &[
                    ("grace_days", grace),
                    ("secret_description", "Next"),
                    ("expires", "never"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{grace:?}");
        let page = html(r).await;
        assert_eq!(
            text(&page, "#grace_days-error").as_deref(),
            Some("Enter a whole number of days from 0 to 90"),
        );
    }
    let mut form = app_form("PASTDUE");
    form.extend([("expires", "date"), ("expires_on", yesterday.as_str())]);
    let r = admin.create_app(&form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&html(r).await, "#expires-error")
            .unwrap()
            .contains("already past")
    );

    assert_eq!(app.app_tables().await, before, "nothing written");
    assert_eq!(expiries(&app, &id).await, [None]);
    assert!(works(&app, &id, &secret).await);
}

#[tokio::test]
async fn a_date_expiry_lasts_to_the_end_of_that_day_utc_and_activity_describes_it() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("DATED", &["setup.read"]).await;
    let admin = app.admin().await;
    let day = (app.core.clock.now() + Duration::days(3)).date();
    let add = format!("{}/secrets/new", app_url(&id));
    let r = admin
        .post_with_token(
            &add,
            &add,
            &[
                ("secret_description", "Dated"),
                ("expires", "date"),
                ("expires_on", &day.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let end = day.next_day().unwrap().midnight().assume_utc();
    assert_eq!(expiries(&app, &id).await, [None, Some(end)]);
    let page = admin.page(&format!("/activity?app={id}")).await;
    let shown: String = page.root_element().text().collect();
    assert!(shown.contains("Secret added"), "{shown}");
    assert!(
        shown.contains(
            &format!("Expires: {day} 00:00 UTC")
                .replace(&day.to_string(), &day.next_day().unwrap().to_string())
        ),
        "{shown}"
    );
}

#[tokio::test]
async fn a_rotation_counts_against_the_secret_cap_and_writes_nothing_when_full() {
    let app = TestApp::spawn().await;
    let (id, old) = app.register_app("FULLROT", &["setup.read"]).await;
    let never = frontdesk::domain::SecretExpiry::Never;
    for n in 1..10 {
        let actor = frontdesk::service::apps::Actor::Cli;
        frontdesk::service::apps::add_secret(&app.core, actor, &id, &format!("S{n}"), never, None)
            .await
            .unwrap();
    }
    let detail = app
        .store
        .app_detail(&app.core.config.account_code, &id)
        .await
        .unwrap()
        .unwrap();
    let url = format!("{}/secrets/{}/rotate", app_url(&id), detail.secrets[0].id);
    let before = app.app_tables().await;
    let admin = app.admin().await;
    let r = admin
        .post_with_token(
            &url,
            &url,
            &[
                ("grace_days", "0"),
                ("secret_description", "Next"),
                ("expires", "never"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert!(text(&page, "[role=alert]").unwrap().contains("10 secrets"));
    assert_eq!(app.app_tables().await, before, "nothing written");
    assert!(
        works(&app, &id, &old).await,
        "the old secret did not expire"
    );
}
