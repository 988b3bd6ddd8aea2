//! Connected apps > store apps people in the account authorized: listed beside the custom apps, and
//! disconnected by an account admin (consents removed, grants revoked, recorded in Activity).

use frontdesk::domain::AuditEvent;
use frontdesk::domain::audit::Connection;
use frontdesk::store::{AuditEntry, NewAuthorizationCode, NewGrant};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use time::Duration;

use crate::helpers::*;
use crate::store_apps::register_store_app;

const LIST: &str = "/apps/connected-apps";

fn disconnect_url(client_id: &str) -> String {
    format!("/apps/connected-apps/{client_id}/disconnect")
}

async fn app_id(app: &TestApp, client_id: &str) -> i64 {
    frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT id FROM apps WHERE client_id = $1")
        .bind(client_id).fetch_one(p).await)
    .unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_by_email(email).await.unwrap().unwrap().id
}

/// Records that `email` authorized store app `client_id`, as the consent screen does.
async fn connect(app: &TestApp, client_id: &str, email: &str) {
    let scopes = vec!["openid".to_owned(), "reservations.read".to_owned()];
    let (app_id, user_id) = (app_id(app, client_id).await, user_id(app, email).await);
    let entry = AuditEntry {
        actor_id: Some(user_id),
        actor_email: Some(email),
        source_addr: Some("127.0.0.1".into()),
        client_id: Some(client_id),
        event: AuditEvent::AppConnected(Connection {
            scopes: scopes.clone(),
        }),
    };
    app.store
        .save_consent(app_id, user_id, &scopes, &entry)
        .await
        .unwrap();
}

/// A grant made by exchanging a code `email` got for `client_id`; returns its id.
async fn grant(app: &TestApp, client_id: &str, email: &str, code_hash: &str) -> i64 {
    let scopes = vec!["openid".to_owned(), "offline_access".to_owned()];
    let (app_id, user_id) = (app_id(app, client_id).await, user_id(app, email).await);
    let now = app.core.clock.now();
    app.store
        .add_authorization_code(&NewAuthorizationCode {
            code_hash,
            app_id,
            user_id,
            scopes: &scopes,
            redirect_uri: "https://app.example.com/callback",
            redirect_uri_sent: true,
            nonce: None,
            code_challenge: None,
            auth_time: now,
            expires_at: now + Duration::minutes(5),
        })
        .await
        .unwrap();
    app.store
        .create_grant(
            &NewGrant {
                code_hash,
                app_id,
                user_id,
                scopes: &scopes,
                auth_time: now,
                expires_at: now + Duration::days(30),
            },
            None,
        )
        .await
        .unwrap()
}

/// The cells of the connected store apps' rows, as text.
fn connection_rows(page: &scraper::Html) -> Vec<Vec<String>> {
    select(page, "#connections tbody tr")
        .iter()
        .map(|row| {
            row.select(&scraper::Selector::parse("td").unwrap())
                .map(|c| {
                    let text = c.text().collect::<Vec<_>>().join(" ");
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_list_shows_connected_store_apps_beside_custom_apps() {
    let app = TestApp::spawn().await;
    app.register_app("VOICE", &["setup.read"]).await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    let admin = app.admin().await;

    let page = admin.page(LIST).await;
    let custom: Vec<String> = select(&page, "table tbody tr td")
        .iter()
        .map(|c| c.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(custom[2], "Custom app");
    assert!(
        text(&page, "#no-connections")
            .unwrap()
            .contains("No store app is connected")
    );
    assert!(select(&page, "#connections table").is_empty());

    let before = app.core.clock.now().date().to_string();
    connect(&app, &store_id, ADMIN_EMAIL).await;
    connect(&app, &store_id, MEMBER_EMAIL).await;
    let page = admin.page(LIST).await;
    let after = app.core.clock.now().date().to_string();
    assert_eq!(
        text(&page, "#connections h2").as_deref(),
        Some("Store apps connected to this account")
    );
    let headers: Vec<String> = select(&page, "#connections th[scope=col]")
        .iter()
        .map(|h| h.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(
        headers[..5],
        ["App", "Client ID", "Kind", "Connected by", "Connected"]
    );
    let rows = connection_rows(&page);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row[0], "Hotel helper");
    assert_eq!(row[1], store_id);
    assert_eq!(row[2], "Store app");
    // The admin connected it first; the member since.
    assert_eq!(row[3], format!("{ADMIN_EMAIL} +1 other"));
    assert!(row[4] == before || row[4] == after, "{row:?}");
    let link = select(&page, "#connections tbody a[href$='/disconnect']");
    assert_eq!(
        link[0].value().attr("href"),
        Some(&*disconnect_url(&store_id))
    );
    assert_eq!(
        select(&page, "#connections tbody td a")[0]
            .value()
            .attr("href"),
        Some(&*format!("/apps/connected-apps/{store_id}"))
    );
}

#[tokio::test]
async fn members_see_connections_read_only_and_cannot_disconnect() {
    let app = TestApp::spawn().await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    connect(&app, &store_id, MEMBER_EMAIL).await;
    let member = app.member().await;

    let page = member.page(LIST).await;
    let rows = connection_rows(&page);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][3], MEMBER_EMAIL);
    assert!(select(&page, "a[href$='/disconnect']").is_empty());

    let url = disconnect_url(&store_id);
    assert_eq!(member.get(&url).await.status(), StatusCode::FORBIDDEN);
    let token = member.csrf(LIST).await;
    let r = member.post(&url, &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("consents").await, 1);
}

#[tokio::test]
async fn the_confirmation_names_the_app_and_posting_without_csrf_changes_nothing() {
    let app = TestApp::spawn().await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    connect(&app, &store_id, ADMIN_EMAIL).await;
    let admin = app.admin().await;
    let url = disconnect_url(&store_id);

    let page = admin.page(&url).await;
    assert_eq!(
        text(&page, "main h1").as_deref(),
        Some("Disconnect Hotel helper?")
    );
    let warning = text(&page, ".callout.warning").unwrap();
    assert!(
        warning.contains("removes everyone's authorization"),
        "{warning}"
    );
    assert!(warning.contains("access tokens stop working at once"));
    assert!(warning.contains("stays registered"));
    let form = select(&page, "main form[method=post]");
    assert_eq!(form[0].value().attr("action"), Some(&*url));

    let r = admin.post(&url, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin.post(&url, &[("csrf_token", "forged")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("consents").await, 1);
}

#[tokio::test]
async fn disconnecting_removes_consents_revokes_grants_and_is_in_activity() {
    let app = TestApp::spawn().await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    let (other_id, _) = register_store_app(&app, "OTHER").await;
    connect(&app, &store_id, ADMIN_EMAIL).await;
    connect(&app, &store_id, MEMBER_EMAIL).await;
    connect(&app, &other_id, MEMBER_EMAIL).await;
    let grants = [
        grant(&app, &store_id, ADMIN_EMAIL, &"a".repeat(64)).await,
        grant(&app, &store_id, MEMBER_EMAIL, &"b".repeat(64)).await,
    ];
    let kept = grant(&app, &other_id, MEMBER_EMAIL, &"c".repeat(64)).await;
    let admin = app.admin().await;
    let url = disconnect_url(&store_id);

    let r = admin.post_with_token(&url, &url, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], LIST);

    let page = admin.page(LIST).await;
    assert_eq!(
        text(&page, "#flash").as_deref(),
        Some("Hotel helper was disconnected.")
    );
    let rows = connection_rows(&page);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], other_id);
    assert_eq!(app.count("consents").await, 1);
    let now = app.core.clock.now();
    for id in grants {
        let g = app.store.grant(id).await.unwrap().unwrap();
        assert!(g.revoked && !g.active_at(now), "grant {id}");
    }
    let other = app.store.grant(kept).await.unwrap().unwrap();
    assert!(!other.revoked && other.active_at(now));
    // The app itself stays registered.
    let page = admin
        .page(&format!("/apps/connected-apps/{store_id}"))
        .await;
    assert_eq!(text(&page, "main h1").as_deref(), Some("Hotel helper"));

    let activity = admin.page(&format!("/activity?app={store_id}")).await;
    let events = text(&activity, "ol.events").unwrap();
    assert!(events.contains("App disconnected"), "{events}");
    assert!(events.contains("Client name: Hotel helper"), "{events}");
    assert!(events.contains("Consents removed: 2"), "{events}");
    assert!(events.contains(&format!("by {ADMIN_EMAIL} from 127.0.0.1")));
    assert!(events.contains("App connected"), "{events}");
    let recorded: i64 = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'app.disconnected' AND client_id = $1")
        .bind(&store_id).fetch_one(p).await)
    .unwrap();
    assert_eq!(recorded, 1);

    // Nothing is left to disconnect.
    assert_eq!(admin.get(&url).await.status(), StatusCode::NOT_FOUND);
    let r = admin.post_with_token(LIST, &url, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_and_unconnected_apps_cannot_be_disconnected() {
    let app = TestApp::spawn().await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    let (custom_id, _) = app.register_app("VOICE", &["setup.read"]).await;
    let admin = app.admin().await;
    let events = app.app_events().await;

    for id in [store_id.as_str(), custom_id.as_str(), "DEMO-AC-NOPE"] {
        let url = disconnect_url(id);
        assert_eq!(
            admin.get(&url).await.status(),
            StatusCode::NOT_FOUND,
            "{id}"
        );
        let r = admin.post_with_token(LIST, &url, &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{id}");
    }
    assert_eq!(app.app_events().await, events);
}

#[tokio::test]
async fn a_store_apps_page_says_whether_it_is_connected() {
    let app = TestApp::spawn().await;
    let (store_id, _) = register_store_app(&app, "HELPER").await;
    let url = format!("/apps/connected-apps/{store_id}");
    let (admin, member) = (app.admin().await, app.member().await);

    let page = admin.page(&url).await;
    assert_eq!(
        text(&page, "#app-connection").as_deref(),
        Some("Not connected")
    );
    assert!(select(&page, "a[href$='/disconnect']").is_empty());

    connect(&app, &store_id, ADMIN_EMAIL).await;
    connect(&app, &store_id, MEMBER_EMAIL).await;
    let page = admin.page(&url).await;
    assert_eq!(
        text(&page, "#app-connection").as_deref(),
        Some("Connected by 2 people · Disconnect")
    );
    let link = select(&page, "#app-connection a");
    assert_eq!(
        link[0].value().attr("href"),
        Some(&*disconnect_url(&store_id))
    );
    let page = member.page(&url).await;
    assert_eq!(
        text(&page, "#app-connection").as_deref(),
        Some("Connected by 2 people")
    );
    assert!(select(&page, "a[href$='/disconnect']").is_empty());
}
