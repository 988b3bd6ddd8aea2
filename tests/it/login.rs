//! Signing in and out, and where an anonymous visitor is sent.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::helpers::*;

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_anonymous_visit_goes_to_sign_in_and_returns_to_the_page_asked_for() {
    let app = TestApp::spawn().await;
    let person = app.person();

    let r = person
        .get("/apps/connected-apps/create?clientCode=ABC")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_login = location(&r);
    assert_eq!(
        to_login,
        "/login?next=%2Fapps%2Fconnected-apps%2Fcreate%3FclientCode%3DABC"
    );

    let page = person.page(&to_login).await;
    assert_eq!(
        input_value(&page, "input[name=next]").as_deref(),
        Some("/apps/connected-apps/create?clientCode=ABC")
    );
    let token = input_value(&page, "input[name=csrf_token]").unwrap();
    let r = person
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "/apps/connected-apps/create?clientCode=ABC"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/apps/connected-apps/create?clientCode=ABC");
    let form = person
        .page("/apps/connected-apps/create?clientCode=ABC")
        .await;
    assert_eq!(text(&form, "h1").as_deref(), Some("New custom app"));
}

#[tokio::test]
async fn every_dashboard_page_needs_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let person = app.person();
    for path in [
        "/apps/connected-apps",
        "/apps/connected-apps/new",
        "/apps/connected-apps/create",
        "/",
    ] {
        let r = person.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login") || path == "/", "{path}");
    }
    let r = person
        .post("/apps/connected-apps/create", &app_form("ANON"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("apps").await, 0);
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::spawn().await;
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let person = app.person();
        let token = person.csrf("/login").await;
        let r = person
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/apps/connected-apps", "next={next}");
    }
}

#[tokio::test]
async fn the_login_page_has_the_labelled_fields_and_button() {
    let app = TestApp::spawn().await;
    let page = app.person().page("/login").await;
    assert_eq!(
        labelled(&page, "Email").unwrap().value().attr("type"),
        Some("email")
    );
    assert_eq!(
        labelled(&page, "Password").unwrap().value().attr("type"),
        Some("password")
    );
    assert_eq!(
        text(&page, "form[action='/login'] button[type=submit]").as_deref(),
        Some("Sign in")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_generic_message() {
    let app = TestApp::spawn().await;
    let mut messages = Vec::new();
    for (email, password) in [
        (ADMIN_EMAIL, "not the password"),
        ("nobody@example.com", ADMIN_PASSWORD),
        ("", ""),
    ] {
        let person = app.person();
        let r = person.try_sign_in(email, password).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = html(r).await;
        messages.push(text(&page, "[role=alert]").unwrap());
        // Still anonymous.
        assert_eq!(
            person.get("/apps/connected-apps").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(messages[0], "Incorrect email or password.");
    assert_eq!(messages[1], messages[0]);
    // What cannot be an email address at all is said plainly (it tells nothing about any account).
    assert_eq!(
        messages[2],
        "Enter the email address you sign in with, such as name@example.com."
    );
}

#[tokio::test]
async fn sign_in_ignores_the_case_of_the_email() {
    let app = TestApp::spawn().await;
    let person = app.person();
    person.sign_in("ADMIN@Example.com", ADMIN_PASSWORD).await;
    assert_eq!(
        person.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_header_shows_who_is_signed_in_and_the_apps_navigation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin.page("/apps/connected-apps").await;
    assert_eq!(text(&page, ".brand").as_deref(), Some("frontdesk"));
    assert!(text(&page, "header .who").unwrap().contains(ADMIN_EMAIL));
    assert_eq!(
        text(&page, "form[action='/logout'] button").as_deref(),
        Some("Sign out")
    );
    assert_eq!(
        text(&page, "nav[aria-label=Main] h2").as_deref(),
        Some("Apps")
    );
    assert_eq!(
        text(&page, "nav[aria-label=Main] a[aria-current=page]").as_deref(),
        Some("Connected apps")
    );
}

#[tokio::test]
async fn sign_out_is_a_post_that_ends_the_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.csrf("/apps/connected-apps").await;

    let r = admin.get("/logout").await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );

    let r = admin.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = TestApp::spawn().await;
    let person = app.person();
    let r = person.get("/login").await;
    let before = session_cookie(&r).expect("an anonymous session for the CSRF token");
    let token = input_value(&html(r).await, "input[name=csrf_token]").unwrap();
    let r = person
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    let after = session_cookie(&r).expect("a new session cookie at sign-in");
    assert_ne!(before, after);

    // Session fixation: whoever planted or saw the id from before sign-in holds an anonymous nothing.
    let attacker = bare_client();
    let as_cookie = |c: &str| {
        attacker
            .get(format!("{}/apps/connected-apps", app.base))
            .header("cookie", c.to_owned())
            .send()
    };
    assert_eq!(
        as_cookie(&before).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(as_cookie(&after).await.unwrap().status(), StatusCode::OK);
}

pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("frontdesk_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let app = app.restart().await;
    // Cookies are not scoped by port, so the same client carries its session to the new server.
    let admin = Person {
        base: app.base.clone(),
        client: admin.client,
    };
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.person().get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER
    );
}
