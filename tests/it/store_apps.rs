//! Apps > My store apps > Add a new store app > Save: registering authorization-code clients.

use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use serde_json::Value;

use crate::helpers::*;

const NEW: &str = "/apps/store-apps/new";

/// A valid New store app form for `code`.
pub fn store_form(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("client_code", code),
        ("client_name", "Hotel helper"),
        ("logo_url", "https://cdn.example.com/logo.png"),
        (
            "redirect_uris",
            "https://app.example.com/callback\r\nhttp://localhost:3000/cb",
        ),
        ("post_logout_redirect_uris", "https://app.example.com/bye"),
        ("pii_mode", "DontRetrieve"),
        ("secret_description", "Production server"),
        ("scopes", "reservations.read"),
        ("scopes", "openid"),
        ("scopes", "offline_access"),
        ("require_pkce", "yes"),
    ]
}

/// The form with `field` replaced by `value` (or left out when `value` is `None`).
pub fn with<'a>(code: &'a str, field: &'a str, value: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<_> = store_form(code)
        .into_iter()
        .filter(|(k, _)| *k != field)
        .collect();
    if let Some(value) = value {
        form.push((field, value));
    }
    form
}

pub async fn post_store_app(person: &Person, fields: &[(&str, &str)]) -> reqwest::Response {
    person.post_with_token(NEW, NEW, fields).await
}

/// Registers a store app as the admin: (client ID, client secret).
pub async fn register_store_app(app: &TestApp, code: &str) -> (String, String) {
    let r = post_store_app(&app.admin().await, &store_form(code)).await;
    assert_eq!(r.status(), StatusCode::OK, "registering {code}");
    let page = html(r).await;
    (
        input_value(&page, "#client-id").unwrap(),
        input_value(&page, "#client-secret").unwrap(),
    )
}

#[tokio::test]
async fn an_admin_registers_a_store_app_and_sees_its_secret_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let list = admin.page("/apps/connected-apps").await;
    let nav = select(&list, "nav.sidenav a[href='/apps/store-apps']");
    assert_eq!(nav[0].text().collect::<String>(), "My store apps");
    let list = admin.page("/apps/store-apps").await;
    assert_eq!(text(&list, "main h1").as_deref(), Some("My store apps"));
    let add = select(&list, "a[href='/apps/store-apps/new']");
    assert_eq!(add[0].text().collect::<String>(), "Add a new store app");

    let form = admin.page(NEW).await;
    assert_eq!(text(&form, "main h1").as_deref(), Some("New store app"));
    for label in [
        "Client code",
        "Client name",
        "Logo URL",
        "Redirect URIs",
        "Post-logout redirect URIs",
        "Secret description",
    ] {
        assert!(
            labelled(&form, label).is_some(),
            "no field labelled {label}"
        );
    }
    assert_eq!(
        text(&form, "#client_name-hint").as_deref(),
        Some("Shown on the consent screen")
    );
    assert!(
        text(&form, "fieldset")
            .unwrap()
            .contains("Personally identifiable information")
    );
    let oidc: Vec<_> = select(&form, "fieldset.scope-group")
        .into_iter()
        .filter(|g| g.text().collect::<String>().contains("OpenID Connect"))
        .collect();
    assert_eq!(oidc.len(), 1);
    assert!(select(&form, "input[name=scopes][value=offline_access]").len() == 1);
    assert!(select(&form, "input[name=scopes][value='setup.read']").len() == 1);
    // A store app acts for a person: the Admin API is never offered to one.
    assert!(select(&form, "input[name=scopes][value^='frontdesk:']").is_empty());
    assert!(select(&form, "input#require_pkce[type=checkbox]").len() == 1);

    let r = post_store_app(&admin, &store_form("hotel_helper")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let page = html(r).await;
    let client_id = input_value(&page, "#client-id").unwrap();
    let secret = input_value(&page, "#client-secret").unwrap();
    assert!(client_id.ends_with("-AC-HOTEL_HELPER"), "{client_id}");
    assert!(!secret.is_empty());
    assert!(
        select(&page, "#token-curl").is_empty(),
        "no client-credentials command"
    );

    // Listed on My store apps, not on Connected apps; the secret is on no page.
    let list = admin.page("/apps/store-apps").await;
    assert_eq!(
        text(&list, "#store-apps tbody td.client-id").as_deref(),
        Some(client_id.as_str())
    );
    let connected = admin
        .get("/apps/connected-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(!connected.contains(&client_id));
    let shown = admin
        .get(&format!("/apps/connected-apps/{client_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!shown.contains(&secret));

    // The app page shows what only a store app has.
    let page = admin
        .page(&format!("/apps/connected-apps/{client_id}"))
        .await;
    assert_eq!(
        text(&page, "#app-kind").as_deref(),
        Some("Store app (authorization code)")
    );
    assert_eq!(
        text(&page, "#app-logo-url").as_deref(),
        Some("https://cdn.example.com/logo.png")
    );
    assert_eq!(
        text(&page, "#app-redirect-uris").as_deref(),
        Some("https://app.example.com/callback http://localhost:3000/cb")
    );
    assert_eq!(
        text(&page, "#app-logout-uris").as_deref(),
        Some("https://app.example.com/bye")
    );
    assert_eq!(text(&page, "#app-require-pkce").as_deref(), Some("Yes"));
    assert!(text(&page, ".granted").unwrap().contains("offline_access"));
    // Created with the same audit event as a custom app.
    assert_eq!(app.app_events().await, 1);
    assert_eq!(app.count("app_redirect_uris").await, 3);
}

#[tokio::test]
async fn members_cannot_see_or_use_the_store_app_pages_but_can_read_an_app() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let member = app.member().await;
    assert_eq!(
        member.get("/apps/store-apps").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(member.get(NEW).await.status(), StatusCode::FORBIDDEN);
    let token = member.csrf("/apps/connected-apps").await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(store_form("SNEAKY"));
    assert_eq!(
        member.post(NEW, &form).await.status(),
        StatusCode::FORBIDDEN
    );
    let nav = member.page("/apps/connected-apps").await;
    assert!(select(&nav, "a[href='/apps/store-apps']").is_empty());

    let page = member
        .page(&format!("/apps/connected-apps/{client_id}"))
        .await;
    assert_eq!(text(&page, "#app-require-pkce").as_deref(), Some("Yes"));
    assert!(select(&page, "a[href$='/edit']").is_empty());
    assert_eq!(app.count("apps").await, 1);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = admin.post(NEW, &store_form("NO_TOKEN")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut forged = vec![("csrf_token", "forged")];
    forged.extend(store_form("NO_TOKEN"));
    assert_eq!(
        admin.post(NEW, &forged).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn a_client_code_is_unique_across_custom_and_store_apps() {
    let app = TestApp::spawn().await;
    app.register_app("SHARED", &["setup.read"]).await;
    let admin = app.admin().await;
    let r = post_store_app(&admin, &store_form("shared")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert_eq!(
        text(&page, "#client_code-error").as_deref(),
        Some("This client code is already taken")
    );
    assert_eq!(
        input_value(&page, "#client_code").as_deref(),
        Some("shared")
    );
    assert_eq!(app.count("apps").await, 1);

    // And the other way round.
    register_store_app(&app, "STORE_FIRST").await;
    let r = admin.create_app(&app_form("store_first")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("apps").await, 2);
}

#[tokio::test]
async fn the_token_endpoint_refuses_client_credentials_to_a_store_app() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = register_store_app(&app, "helper").await;
    let r = bare_client()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");

    // A wrong secret is still an authentication failure, telling nothing about the kind.
    let r = bare_client()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn custom_apps_can_neither_see_nor_be_granted_the_openid_connect_scopes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let form = admin.page("/apps/connected-apps/create").await;
    assert!(select(&form, "input[value=openid]").is_empty());
    let mut fields = app_form("SNEAKY");
    fields.push(("scopes", "openid"));
    let r = admin.create_app(&fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("apps").await, 0);

    let (client_id, _) = app.register_app("CUSTOM", &["setup.read"]).await;
    let edit = format!("/apps/connected-apps/{client_id}/edit");
    let r = admin
        .post_with_token(
            &edit,
            &edit,
            &[
                ("client_name", "X"),
                ("pii_mode", "Retrieve"),
                ("scopes", "offline_access"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// A store app's page sits under My store apps for an admin (breadcrumb and the side menu's current
/// page), and under Connected apps for a member, who has no My store apps.
#[tokio::test]
async fn a_store_apps_page_sits_under_my_store_apps_for_admins() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let url = format!("/apps/connected-apps/{client_id}");
    for (person, crumb, href) in [
        (app.admin().await, "My store apps", "/apps/store-apps"),
        (app.member().await, "Connected apps", "/apps/connected-apps"),
    ] {
        let page = person.page(&url).await;
        let link = select(&page, "nav.crumbs a");
        assert_eq!(link.len(), 1);
        assert_eq!(link[0].text().collect::<String>(), crumb);
        assert_eq!(link[0].value().attr("href"), Some(href));
        let current = select(&page, "nav.sidenav a[aria-current='page']");
        assert_eq!(current[0].value().attr("href"), Some(href));
    }
    // A custom app stays under Connected apps.
    let (custom, _) = app.register_app("PLAIN", &["setup.read"]).await;
    let page = app
        .admin()
        .await
        .page(&format!("/apps/connected-apps/{custom}"))
        .await;
    assert_eq!(
        select(&page, "nav.crumbs a")[0].value().attr("href"),
        Some("/apps/connected-apps")
    );
}
