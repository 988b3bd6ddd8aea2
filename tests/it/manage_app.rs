//! Living with an app: its page, edits, secret rotation, deletion, the list at scale, and the audit trail.

use frontdesk::domain::audit::AppRegistration;
use frontdesk::domain::{
    AccountCode, AuditEvent, ClientCode, ClientId, PasswordHasher, PiiMode, SecretValue,
};
use frontdesk::store::{AuditEntry, NewApp, NewSecret};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION};
use scraper::Html;
use serde_json::Value;

use crate::helpers::*;

const FORM: &str = "application/x-www-form-urlencoded";

fn app_url(id: &str) -> String {
    format!("/apps/connected-apps/{id}")
}

async fn token_status(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(id, Some(secret))
        .header("content-type", FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// Adds a secret through the dashboard; returns the new secret.
async fn add_secret(admin: &Person, id: &str, description: &str) -> String {
    let url = format!("{}/secrets/new", app_url(id));
    let r = admin
        .post_with_token(&url, &url, &[("secret_description", description)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let page = html(r).await;
    assert_eq!(input_value(&page, "#client-id").as_deref(), Some(id));
    input_value(&page, "#client-secret").unwrap()
}

/// The ids of the app's secrets, in the order the page lists them, with descriptions.
async fn secrets_of(p: &Person, id: &str) -> Vec<(String, String)> {
    let page = p.page(&app_url(id)).await;
    select(&page, "section[aria-labelledby=secrets-heading] tbody tr")
        .iter()
        .map(|row| {
            let td = scraper::Selector::parse("td").unwrap();
            let link = scraper::Selector::parse("a.danger").unwrap();
            let desc = row.select(&td).next().unwrap().text().collect::<String>();
            let href = row
                .select(&link)
                .next()
                .and_then(|a| a.value().attr("href"))
                .unwrap_or("")
                .to_owned();
            (desc.trim().to_owned(), href)
        })
        .collect()
}

async fn delete_secret(admin: &Person, href: &str, confirm_last: bool) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = if confirm_last {
        vec![("confirm_last", "yes")]
    } else {
        vec![]
    };
    admin.post_with_token(href, href, &fields).await
}

#[tokio::test]
async fn the_app_page_shows_facts_scopes_and_secrets_but_never_a_secret_value() {
    let app = TestApp::spawn().await;
    let (id, secret) = app
        .register_app("FACTS", &["folios.read", "payment:transactions.read"])
        .await;
    let admin = app.admin().await;
    let page = admin.page(&app_url(&id)).await;

    assert_eq!(text(&page, "main h1").as_deref(), Some("Voice assistant"));
    let facts = text(&page, "dl.facts").unwrap();
    for expected in [
        "Client ID DEMO-SP-FACTS",
        "Client code FACTS",
        "Client name Voice assistant",
        "Personally identifiable information Retrieve",
        "by admin@example.com",
    ] {
        assert!(facts.contains(expected), "{expected} in {facts}");
    }
    let scopes = text(&page, "section.granted").unwrap();
    assert!(
        scopes.contains("Core API folios.read Read folios, including charges and payments"),
        "{scopes}"
    );
    assert!(
        scopes.contains("Payment API payment:transactions.read"),
        "{scopes}"
    );
    assert!(!scopes.contains("Identity API"));

    let headers: Vec<String> = select(&page, "section[aria-labelledby=secrets-heading] th")
        .iter()
        .map(|h| h.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(
        headers[..5],
        [
            "Description",
            "Created",
            "Created by",
            "Expires",
            "Last used"
        ]
    );
    let row = text(&page, "section[aria-labelledby=secrets-heading] tbody tr").unwrap();
    assert!(
        row.contains("Production server") && row.contains(ADMIN_EMAIL) && row.contains("Never"),
        "{row}"
    );

    let body = admin.get(&app_url(&id)).await.text().await.unwrap();
    assert!(!body.contains(&secret));
    assert!(!body.contains(&secret[..8]), "not even the lookup id");
}

#[tokio::test]
async fn an_unknown_client_id_gets_the_404_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/apps/connected-apps/DEMO-SP-NOPE",
        "/apps/connected-apps/DEMO-SP-NOPE/edit",
        "/apps/connected-apps/DEMO-SP-NOPE/secrets/1/delete",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            text(&html(r).await, "h1").as_deref(),
            Some("Page not found")
        );
    }
}

#[tokio::test]
async fn an_edit_changes_name_mode_and_scopes_and_is_audited_with_before_and_after() {
    let app = TestApp::spawn().await;
    let (id, secret) = app
        .register_app("EDITED", &["setup.read", "reservations.read"])
        .await;
    let admin = app.admin().await;
    let edit = format!("{}/edit", app_url(&id));

    let form = admin.page(&edit).await;
    assert_eq!(
        input_value(&form, "#client_name").as_deref(),
        Some("Voice assistant")
    );
    assert_eq!(select(&form, "input[name=scopes][checked]").len(), 2);
    assert!(
        select(&form, "input[name=client_code]").is_empty(),
        "client code cannot change"
    );

    let fields = [
        ("client_name", "Renamed app"),
        ("pii_mode", "DontRetrieve"),
        ("scopes", "setup.read"),
        ("scopes", "folios.read"),
    ];
    // A field the edit form does not have is refused, not quietly dropped: nothing changes.
    let before = app.app_tables().await;
    let mut hijack = fields.to_vec();
    hijack.push(("client_code", "HIJACK"));
    let r = admin.post_with_token(&edit, &edit, &hijack).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(&html(r).await, "main")
            .unwrap()
            .contains("unknown field `client_code`")
    );
    assert_eq!(app.app_tables().await, before);

    let r = admin.post_with_token(&edit, &edit, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], app_url(&id));

    let page = admin.page(&app_url(&id)).await;
    assert_eq!(
        text(&page, "#flash").as_deref(),
        Some("Saved the changes to Renamed app.")
    );
    assert!(
        text(&page, "dl.facts")
            .unwrap()
            .contains("Personally identifiable information Don't retrieve")
    );
    assert!(
        text(&page, "dl.facts")
            .unwrap()
            .contains("Client code EDITED")
    );
    let activity = text(&page, "section[aria-labelledby=activity-heading]").unwrap();
    assert!(activity.contains("App edited"), "{activity}");
    assert!(
        activity.contains("Client name: Voice assistant → Renamed app"),
        "{activity}"
    );
    assert!(activity.contains("Personally identifiable information: Retrieve → Don't retrieve"));
    assert!(activity.contains("Scopes added: folios.read"));
    assert!(activity.contains("Scopes removed: reservations.read"));
    assert!(activity.contains(&format!("by {ADMIN_EMAIL} from 127.0.0.1")));

    let details: String =
        frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'app.edited'").fetch_one(p).await)
            .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details["before"]["scopes"],
        serde_json::json!(["reservations.read", "setup.read"])
    );
    assert_eq!(
        details["after"]["scopes"],
        serde_json::json!(["folios.read", "setup.read"])
    );

    // Tokens issued afterwards carry the new scopes.
    let (status, body) = token_status(&app, &id, &secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "folios.read setup.read");
}

#[tokio::test]
async fn an_invalid_edit_is_refused_with_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("STABLE", &["setup.read"]).await;
    let admin = app.admin().await;
    let edit = format!("{}/edit", app_url(&id));
    let r = admin
        .post_with_token(
            &edit,
            &edit,
            &[("client_name", " "), ("pii_mode", "Retrieve")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert_eq!(
        text(&page, "#client_name-error").as_deref(),
        Some("Enter a client name")
    );
    assert_eq!(
        text(&page, "#scopes-error").as_deref(),
        Some("Choose at least one scope")
    );
    let (name, scopes): (String, i64) = frontdesk::on_db!(app.store.pool(), p => {
        sqlx::query_as("SELECT client_name, (SELECT COUNT(*) FROM app_scopes) FROM apps")
            .fetch_one(p)
            .await
    })
    .unwrap();
    assert_eq!((name.as_str(), scopes), ("Voice assistant", 1));
    assert_eq!(app.app_events().await, 1);
}

#[tokio::test]
async fn a_rotation_keeps_both_secrets_working_until_the_old_one_is_deleted() {
    let app = TestApp::spawn().await;
    let (id, old) = app.register_app("ROTATING", &["setup.read"]).await;
    let (rs, rs_secret) = app.register_app("RESOURCE_SERVER", &["setup.read"]).await;
    let admin = app.admin().await;
    let old_token = {
        let (s, b) = token_status(&app, &id, &old).await;
        assert_eq!(s, StatusCode::OK);
        b["access_token"].as_str().unwrap().to_owned()
    };

    let new = add_secret(&admin, &id, "Rotated in November").await;
    assert_ne!(new, old);
    assert_eq!(token_status(&app, &id, &old).await.0, StatusCode::OK);
    assert_eq!(token_status(&app, &id, &new).await.0, StatusCode::OK);

    let secrets = secrets_of(&admin, &id).await;
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets[1].0, "Rotated in November");
    // The confirmation names the secret.
    let confirm = admin.page(&secrets[0].1).await;
    assert!(text(&confirm, "h1").unwrap().contains("Production server"));
    let r = delete_secret(&admin, &secrets[0].1, false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        token_status(&app, &id, &old).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&app, &id, &new).await.0, StatusCode::OK);
    assert!(
        !active(&app, (&rs, &rs_secret), &old_token).await,
        "the deleted secret's tokens are inactive"
    );

    let page = admin.page(&app_url(&id)).await;
    assert!(text(&page, "#flash").unwrap().contains("Production server"));
    let activity = text(&page, "section[aria-labelledby=activity-heading]").unwrap();
    assert!(
        activity.contains("Secret added Description: Rotated in November")
            || activity.contains("Secret added"),
        "{activity}"
    );
    assert!(activity.contains("Secret deleted"));
    // No secret material in the audit log.
    let all: Vec<String> = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT details FROM audit_log").fetch_all(p).await)
        .unwrap();
    assert!(
        all.iter()
            .all(|d| !d.contains(&new) && !d.contains(&old) && !d.contains(&new[..8]))
    );
}

#[tokio::test]
async fn the_eleventh_secret_is_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("CROWDED", &["setup.read"]).await;
    let admin = app.admin().await;
    for i in 2..=10 {
        add_secret(&admin, &id, &format!("Secret {i}")).await;
    }
    let url = format!("{}/secrets/new", app_url(&id));
    let r = admin
        .post_with_token(&url, &url, &[("secret_description", "Eleventh")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert!(
        text(&page, "#secret_description-error")
            .unwrap()
            .contains("10 secrets")
    );
    assert!(input_value(&page, "#client-secret").is_none());
    assert_eq!(app.count("app_secrets").await, 10);
    let page = admin.page(&app_url(&id)).await;
    assert!(select(&page, "a[href$='/secrets/new']").is_empty());
}

#[tokio::test]
async fn deleting_the_last_secret_needs_an_explicit_confirmation_and_the_page_says_so() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("LONELY", &["setup.read"]).await;
    let admin = app.admin().await;
    let href = secrets_of(&admin, &id).await[0].1.clone();
    let confirm = admin.page(&href).await;
    assert!(
        text(&confirm, "[role=alert]")
            .unwrap()
            .contains("last secret")
    );

    let r = delete_secret(&admin, &href, false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("app_secrets").await, 1);

    let r = delete_secret(&admin, &href, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("app_secrets").await, 0);
    let page = admin.page(&app_url(&id)).await;
    assert!(
        text(&page, "#no-secret")
            .unwrap()
            .contains("cannot request tokens")
    );
    assert_eq!(
        token_status(&app, &id, &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn deleting_an_app_takes_its_secrets_and_tokens_but_leaves_its_audit_trail() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("DOOMED", &["setup.read"]).await;
    let (rs, rs_secret) = app.register_app("WATCHER", &["setup.read"]).await;
    let admin = app.admin().await;
    let (_, body) = token_status(&app, &id, &secret).await;
    let token = body["access_token"].as_str().unwrap().to_owned();

    // The row menu on the list leads to the confirmation, which names the app.
    let list = admin.page("/apps/connected-apps").await;
    let menu_link = select(&list, "details.row-menu a.danger")
        .iter()
        .find_map(|a| {
            a.value()
                .attr("href")
                .filter(|h| h.contains("DOOMED"))
                .map(str::to_owned)
        })
        .unwrap();
    let confirm = admin.page(&menu_link).await;
    assert!(text(&confirm, "h1").unwrap().contains("Voice assistant"));
    assert!(text(&confirm, "main").unwrap().contains(&id));

    let r = admin.post_with_token(&menu_link, &menu_link, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/apps/connected-apps");
    let list = admin.page("/apps/connected-apps").await;
    assert!(text(&list, "#flash").unwrap().contains("Deleted"));
    assert!(!list.html().contains(&app_url(&id)));
    assert_eq!(
        admin.get(&app_url(&id)).await.status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        token_status(&app, &id, &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(!active(&app, (&rs, &rs_secret), &token).await);
    let (secrets, scopes): (i64, i64) = frontdesk::on_db!(app.store.pool(), p => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM app_secrets s JOIN apps a ON a.id = s.app_id WHERE a.client_id = $1),
                (SELECT COUNT(*) FROM app_scopes s JOIN apps a ON a.id = s.app_id WHERE a.client_id = $1)",
    )
    .bind(&id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((secrets, scopes), (0, 0));
    let orphans: i64 = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM app_secrets WHERE app_id NOT IN (SELECT id FROM apps)",
    ).fetch_one(p).await)
    .unwrap();
    assert_eq!(orphans, 0);

    let activity = admin.page(&format!("/activity?app={id}")).await;
    let events = text(&activity, "ol.events").unwrap();
    assert!(events.starts_with("App deleted"), "newest first: {events}");
    assert!(events.contains("App created"));
}

#[tokio::test]
async fn the_create_link_recreates_the_apps_settings() {
    let app = TestApp::spawn().await;
    let (id, _) = app
        .register_app("TEMPLATE", &["maintenances.read", "setup.read"])
        .await;
    let admin = app.admin().await;
    let page = admin.page(&app_url(&id)).await;
    let link = input_value(&page, "#create-link").unwrap();
    let prefix = format!("{}/apps/connected-apps/create?", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    assert!(
        link.contains("clientCode=TEMPLATE") && link.contains("piiMode=Retrieve"),
        "{link}"
    );

    let form = admin.page(&link[app.base.len()..]).await;
    assert_eq!(
        input_value(&form, "#client_code").as_deref(),
        Some("TEMPLATE")
    );
    assert_eq!(
        input_value(&form, "#client_name").as_deref(),
        Some("Voice assistant")
    );
    assert_eq!(
        input_value(&form, "#secret_description").as_deref(),
        Some("Production server")
    );
    assert_eq!(select(&form, "#pii_mode_retrieve[checked]").len(), 1);
    let checked: Vec<_> = select(&form, "input[name=scopes][checked]")
        .iter()
        .map(|e| e.value().attr("value").unwrap().to_owned())
        .collect();
    assert_eq!(checked, ["maintenances.read", "setup.read"]);
}

/// Seeds `n` apps straight into the store (one shared hash: seeding speed, not security, matters here).
pub async fn seed_apps(app: &TestApp, n: usize, prefix: &str) {
    seed_into(&app.store, n, prefix).await;
}

/// `seed_apps` on a bare store (for a task that runs beside the test).
pub async fn seed_into(store: &frontdesk::store::Store, n: usize, prefix: &str) {
    let account = AccountCode::parse("DEMO").unwrap();
    let hash = PasswordHasher.hash(&SecretValue::generate()).unwrap();
    let scopes = vec!["setup.read".to_owned()];
    for i in 0..n {
        let code = ClientCode::parse(&format!("{prefix}{i:05}")).unwrap();
        let client_id = ClientId::custom_app(&account, &code);
        let name = format!("{prefix} app {i:05}");
        let lookup = format!("{i:08}");
        store
            .create_app(
                NewApp {
                    account: &account,
                    client_code: &code,
                    client_id: &client_id,
                    client_name: &name,
                    pii_mode: PiiMode::DontRetrieve,
                    scopes: &scopes,
                    secret: NewSecret {
                        description: "seed",
                        lookup_id: &lookup,
                        hash: &hash,
                        expires_at: None,
                    },
                    created_by: Some(1),
                    store: None,
                },
                AuditEntry {
                    actor_id: None,
                    actor_email: None,
                    source_addr: None,
                    client_id: Some(client_id.as_str()),
                    event: AuditEvent::AppCreated(AppRegistration {
                        client_code: code.as_str().to_owned(),
                        client_name: name.clone(),
                        pii_mode: PiiMode::DontRetrieve,
                        scopes: scopes.clone(),
                        secret_description: "seed".to_owned(),
                        secret_expires_at: None,
                        store: None,
                    }),
                },
            )
            .await
            .unwrap();
    }
}

fn names(page: &Html) -> Vec<String> {
    select(page, "table.data tbody td:first-child")
        .iter()
        .map(|td| td.text().collect::<String>().trim().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_searches_sorts_and_pages_with_its_state_in_the_url() {
    let app = TestApp::spawn().await;
    seed_apps(&app, 120, "BULK").await;
    app.register_app("Needle_42", &["setup.read"]).await;
    let admin = app.admin().await;

    let first = admin.page("/apps/connected-apps").await;
    assert_eq!(names(&first).len(), 50);
    assert_eq!(
        text(&first, "#app-count").as_deref(),
        Some("Showing 1–50 of 121 apps")
    );
    assert_eq!(names(&first)[0], "Voice assistant", "newest first");
    let next = select(&first, "nav.pager a[rel=next]")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(next, "/apps/connected-apps?page=2");
    let last = admin.page("/apps/connected-apps?page=3").await;
    assert_eq!(names(&last).len(), 21);
    assert_eq!(
        text(&last, "#app-count").as_deref(),
        Some("Showing 101–121 of 121 apps")
    );

    // Case-insensitive search over name, client ID and client code.
    for q in ["needle", "voice ASSISTANT", "demo-sp-needle_42", "NEEDLE_4"] {
        let page = admin
            .page(&format!("/apps/connected-apps?q={}", urlencode(q)))
            .await;
        assert_eq!(names(&page), ["Voice assistant"], "{q}");
        assert_eq!(input_value(&page, "#q").as_deref(), Some(q));
    }
    // Case-insensitive beyond ASCII, and kept up to date by edits.
    let mut form = app_form("AERZTE");
    form[1] = ("client_name", "Ärztekammer Zürich");
    assert_eq!(admin.create_app(&form).await.status(), StatusCode::OK);
    for q in ["ärzte", "ÄRZTE", "zürich", "ZÜRICH"] {
        let page = admin
            .page(&format!("/apps/connected-apps?q={}", urlencode(q)))
            .await;
        assert_eq!(names(&page), ["Ärztekammer Zürich"], "{q}");
    }
    let edit = "/apps/connected-apps/DEMO-SP-AERZTE/edit";
    let r = admin
        .post_with_token(
            edit,
            edit,
            &[
                ("client_name", "Öffentliche Klinik"),
                ("pii_mode", "Retrieve"),
                ("scopes", "setup.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin.page("/apps/connected-apps?q=%C3%96FFENTLICHE").await;
    assert_eq!(names(&page), ["Öffentliche Klinik"]);
    let page = admin.page("/apps/connected-apps?q=aerzte").await;
    assert_eq!(
        names(&page),
        ["Öffentliche Klinik"],
        "still found by its client ID"
    );
    let page = admin.page("/apps/connected-apps?q=%C3%A4rzte").await;
    assert!(names(&page).is_empty(), "the old name is gone");

    // "_" and "%" are literal characters, not wildcards.
    let page = admin.page("/apps/connected-apps?q=%25").await;
    assert!(names(&page).is_empty());
    assert!(text(&page, ".empty").unwrap().contains("No app matches"));

    let by_name = admin.page("/apps/connected-apps?sort=name&q=bulk").await;
    assert_eq!(names(&by_name)[0], "BULK app 00000");
    let next = select(&by_name, "nav.pager a[rel=next]")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(next, "/apps/connected-apps?q=bulk&sort=name&page=2");
    let page2 = admin.page(&next).await;
    assert_eq!(names(&page2)[0], "BULK app 00050");
    let desc = admin
        .page("/apps/connected-apps?sort=name_desc&q=bulk")
        .await;
    assert_eq!(names(&desc)[0], "BULK app 00119");
    // Out-of-range pages land on the last one; nonsense falls back to defaults.
    let page = admin.page("/apps/connected-apps?page=999&sort=bogus").await;
    assert_eq!(names(&page).len(), 22);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_activity_page_is_for_admins_and_filters_by_app_and_user() {
    let app = TestApp::spawn().await;
    app.add_user("second@example.com", "second admin password", true)
        .await;
    app.register_app("ALPHA", &["setup.read"]).await;
    let second = app.person();
    second
        .sign_in("second@example.com", "second admin password")
        .await;
    let mut form = app_form("BETA");
    form[1] = ("client_name", "<b>Bold</b> name");
    assert_eq!(second.create_app(&form).await.status(), StatusCode::OK);
    let admin = app.admin().await;

    let all = admin.page("/activity").await;
    assert_eq!(text(&all, "main h1").as_deref(), Some("Activity"));
    // Sign-ins are recorded too; the app events among them, newest first.
    let events: Vec<String> = select(&all, "ol.events > li")
        .iter()
        .map(|e| e.text().collect::<String>())
        .filter(|t| t.contains("DEMO-SP-"))
        .collect();
    assert_eq!(events.len(), 2);
    assert!(events[0].contains("DEMO-SP-BETA"), "newest first");
    assert!(all.html().contains("&lt;b&gt;Bold&lt;/b&gt;") || !all.html().contains("<b>Bold</b>"));

    let by_app = admin.page("/activity?app=DEMO-SP-ALPHA").await;
    assert_eq!(select(&by_app, "ol.events > li").len(), 1);
    let by_user = admin.page("/activity?user=second%40example.com").await;
    let items: Vec<String> = select(&by_user, "ol.events > li")
        .iter()
        .map(|e| e.text().collect::<String>())
        .collect();
    // Their sign-in, then their app.
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|t| t.contains("second@example.com")));
    assert!(items[0].contains("DEMO-SP-BETA") && items[1].contains("Signed in"));

    let member = app.member().await;
    assert_eq!(
        member.get("/activity").await.status(),
        StatusCode::FORBIDDEN
    );
    let nav = member.page("/apps/connected-apps").await;
    assert!(select(&nav, "a[href='/activity']").is_empty());
}

#[tokio::test]
async fn the_activity_page_is_paginated() {
    let app = TestApp::spawn().await;
    seed_apps(&app, 60, "EVT").await;
    let admin = app.admin().await;
    let first = admin.page("/activity").await;
    assert_eq!(select(&first, "ol.events > li").len(), 50);
    let next = select(&first, "nav.pager a[rel=next]")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let second = admin.page(&next).await;
    // 60 seeded apps and the admin's sign-in.
    assert_eq!(select(&second, "ol.events > li").len(), 11);
}

#[tokio::test]
async fn members_see_app_pages_read_only_and_every_admin_action_is_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("GUARDED", &["setup.read"]).await;
    let admin = app.admin().await;
    let secret_href = secrets_of(&admin, &id).await[0].1.clone();
    let member = app.member().await;

    let page = member.page(&app_url(&id)).await;
    assert!(text(&page, "dl.facts").unwrap().contains(&id));
    for control in [
        "a[href$='/edit']",
        "a[href$='/delete']",
        "a[href$='/secrets/new']",
        "#create-link",
        "details.row-menu",
    ] {
        assert!(
            select(&page, control).is_empty(),
            "{control} shown to a member"
        );
    }
    let list = member.page("/apps/connected-apps").await;
    assert!(select(&list, "details.row-menu").is_empty());

    let edit = format!("{}/edit", app_url(&id));
    let delete = format!("{}/delete", app_url(&id));
    let new_secret = format!("{}/secrets/new", app_url(&id));
    for path in [&edit, &delete, &new_secret, &secret_href] {
        assert_eq!(
            member.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let before = app.app_tables().await;
    let token = member.csrf(&app_url(&id)).await;
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            &edit,
            vec![
                ("client_name", "Taken over"),
                ("pii_mode", "Retrieve"),
                ("scopes", "account.manage"),
            ],
        ),
        (&delete, vec![]),
        (&new_secret, vec![("secret_description", "mine now")]),
        (&secret_href, vec![("confirm_last", "yes")]),
    ];
    for (path, fields) in posts {
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend(fields);
        assert_eq!(
            member.post(path, &form).await.status(),
            StatusCode::FORBIDDEN,
            "POST {path}"
        );
    }
    assert_eq!(app.app_tables().await, before);
}

#[tokio::test]
async fn every_admin_action_needs_a_valid_csrf_token() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_app("PROTECTED", &["setup.read"]).await;
    let admin = app.admin().await;
    let secret_href = secrets_of(&admin, &id).await[0].1.clone();
    let before = app.app_tables().await;
    let edit = format!("{}/edit", app_url(&id));
    let delete = format!("{}/delete", app_url(&id));
    let new_secret = format!("{}/secrets/new", app_url(&id));
    // Each form's own fields, so only the token decides.
    let edit_fields = [
        ("client_name", "Changed"),
        ("pii_mode", "Retrieve"),
        ("scopes", "setup.read"),
    ];
    for (path, fields) in [
        (&edit, &edit_fields[..]),
        (&delete, &[]),
        (&new_secret, &[("secret_description", "x")]),
        (&secret_href, &[("confirm_last", "yes")]),
    ] {
        for token in [None, Some("forged")] {
            let mut form = fields.to_vec();
            if let Some(t) = token {
                form.push(("csrf_token", t));
            }
            assert_eq!(
                admin.post(path, &form).await.status(),
                StatusCode::FORBIDDEN,
                "POST {path} {token:?}"
            );
        }
    }
    assert_eq!(app.app_tables().await, before);
}
