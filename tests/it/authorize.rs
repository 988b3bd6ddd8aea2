//! `/connect/authorize` and the consent screen, and `/connect/endsession`, as a browser meets them:
//! sign-in on the way, consent asked and remembered, every refusal either on our own error page (no
//! trusted place to go back to) or sent back to the app with `state`.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, X_FRAME_OPTIONS};
use url::Url;

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, MEMBER_EMAIL, Person, TestApp, html, input_value, select, text,
};
use crate::store_apps::{post_store_app, register_store_app, with};

pub const CALLBACK: &str = "https://app.example.com/callback";
/// A valid S256 challenge (of the verifier in RFC 7636 Appendix B).
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM";

/// The query of an authorization request for `client_id`, with `extra` added and any parameter
/// named in `without` left out.
pub fn authorize_path(client_id: &str, extra: &[(&str, &str)], without: &[&str]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "openid reservations.read offline_access"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    params.retain(|(k, _)| !without.contains(k) && !extra.iter().any(|(e, _)| e == k));
    params.extend_from_slice(extra);
    format!(
        "/connect/authorize?{}",
        serde_urlencoded::to_string(&params).unwrap()
    )
}

/// Where a 303 sends the browser, parsed.
pub fn location(r: &reqwest::Response) -> Url {
    let raw = r.headers()[LOCATION].to_str().unwrap();
    Url::parse(raw).unwrap_or_else(|_| Url::parse("http://local").unwrap().join(raw).unwrap())
}

/// One query parameter of `url`.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Sends the consent form on the page at `path` with `decision`.
pub async fn decide(person: &Person, path: &str, decision: &str) -> reqwest::Response {
    let page = person.page(path).await;
    let mut form: Vec<(String, String)> = select(&page, "form[action='/connect/authorize'] input")
        .iter()
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    form.push(("decision".into(), decision.into()));
    person
        .client
        .post(person.url("/connect/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_out_admin_signs_in_consents_and_the_app_gets_a_code_with_its_state() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let path = authorize_path(&client_id, &[], &[]);
    let browser = Person::at(&app.base);

    let r = browser.get(&path).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_login = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        to_login.starts_with("/login?next=%2Fconnect%2Fauthorize%3F"),
        "{to_login}"
    );
    // The sign-in page's form may end at the app's redirect URI (a remembered consent): its policy
    // allows that, or the browser would stop the redirect.
    let login = browser.get(&to_login).await;
    let policy = login.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("form-action 'self' https://app.example.com;"),
        "{policy}"
    );
    let login = html(login).await;
    let next = input_value(&login, "input[name=next]").unwrap();
    assert_eq!(next, path);
    let token = input_value(&login, "input[name=csrf_token]").unwrap();
    let r = browser
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(r.headers()[LOCATION].to_str().unwrap(), path);

    let r = browser.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[X_FRAME_OPTIONS], "DENY");
    let policy = r.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("form-action 'self' https://app.example.com;"),
        "{policy}"
    );
    assert!(
        policy.contains("img-src 'self' data: https://cdn.example.com;"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = html(r).await;
    assert_eq!(text(&page, "h1").unwrap(), "Authorize Hotel helper");
    assert_eq!(
        select(&page, "img.app-logo")[0].value().attr("src"),
        Some("https://cdn.example.com/logo.png")
    );
    let body = text(&page, "main").unwrap();
    assert!(body.contains(&client_id), "{body}");
    let groups: Vec<String> = select(&page, ".scope-group h3")
        .iter()
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(groups, ["Core API", "OpenID Connect"]);
    let scopes = text(&page, ".scope-group").unwrap();
    assert!(scopes.contains("reservations.read"), "{scopes}");
    let buttons: Vec<String> = select(&page, "form button")
        .iter()
        .map(|b| b.text().collect())
        .collect();
    assert_eq!(buttons, ["Authorize", "Cancel"]);

    let r = decide(&browser, &path, "authorize").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let back = location(&r);
    assert_eq!(
        back.origin().ascii_serialization(),
        "https://app.example.com"
    );
    assert_eq!(back.path(), "/callback");
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&back, "iss").as_deref(), Some(app.base.as_str()));
    assert_eq!(param(&back, "code").unwrap().len(), 43);
    assert_eq!(app.count("consents").await, 1);
    assert_eq!(app.count("authorization_codes").await, 1);

    // Activity records the connection.
    let activity = app.admin().await.page("/activity").await;
    assert!(text(&activity, "main").unwrap().contains("App connected"));
}

#[tokio::test]
async fn consent_is_remembered_and_asked_again_only_for_new_scopes() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let narrow = authorize_path(&client_id, &[("scope", "openid")], &[]);
    let r = decide(&admin, &narrow, "authorize").await;
    assert!(param(&location(&r), "code").is_some());

    // The same scopes again: straight back with a new code, no page.
    let r = admin.get(&narrow).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(param(&location(&r), "code").is_some());

    // More scopes: asked again, the new one marked.
    let wider = authorize_path(&client_id, &[("scope", "openid reservations.read")], &[]);
    let page = admin.page(&wider).await;
    let new: Vec<String> = select(&page, ".scope-group li")
        .iter()
        .filter(|li| !select_in(li, ".badge").is_empty())
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(new.len(), 1);
    assert!(new[0].contains("reservations.read"), "{new:?}");
    // prompt=consent asks even for what was given.
    let again = authorize_path(
        &client_id,
        &[("scope", "openid"), ("prompt", "consent")],
        &[],
    );
    assert_eq!(admin.get(&again).await.status(), StatusCode::OK);
}

fn select_in<'a>(element: &scraper::ElementRef<'a>, css: &str) -> Vec<scraper::ElementRef<'a>> {
    element
        .select(&scraper::Selector::parse(css).unwrap())
        .collect()
}

#[tokio::test]
async fn cancel_sends_access_denied_with_the_state() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let r = decide(&admin, &authorize_path(&client_id, &[], &[]), "cancel").await;
    let back = location(&r);
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    assert!(param(&back, "code").is_none());
    assert_eq!(app.count("consents").await, 0);
}

#[tokio::test]
async fn requests_without_a_trusted_client_and_redirect_uri_get_the_error_page_never_a_redirect() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let (custom_id, _) = app.register_app("custom", &["setup.read"]).await;
    let admin = app.admin().await;
    let cases: Vec<(String, &str)> = vec![
        (
            authorize_path("ACME-AC-NOPE", &[], &[]),
            "unauthorized_client",
        ),
        (authorize_path(&custom_id, &[], &[]), "unauthorized_client"),
        (
            authorize_path(
                &client_id,
                &[("redirect_uri", "https://app.example.com/callback/")],
                &[],
            ),
            "unauthorized_client",
        ),
        (
            authorize_path(
                &client_id,
                &[("redirect_uri", "https://evil.example.com/callback")],
                &[],
            ),
            "unauthorized_client",
        ),
        (
            authorize_path(
                &client_id,
                &[("redirect_uri", "https://app.example.com.evil.com/callback")],
                &[],
            ),
            "unauthorized_client",
        ),
        (
            authorize_path(&client_id, &[("redirect_uri", "javascript:alert(1)")], &[]),
            "unauthorized_client",
        ),
        // Two registered URIs: which one is meant must be said.
        (
            authorize_path(&client_id, &[], &["redirect_uri"]),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[], &["client_id"]),
            "invalid_request",
        ),
        (
            format!(
                "{}&client_id={client_id}",
                authorize_path(&client_id, &[], &[])
            ),
            "invalid_request",
        ),
        (
            format!(
                "{}&redirect_uri={CALLBACK}",
                authorize_path(&client_id, &[], &[])
            ),
            "invalid_request",
        ),
    ];
    for (path, error) in cases {
        for person in [&admin, &Person::at(&app.base)] {
            let r = person.get(&path).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
            assert!(r.headers().get(LOCATION).is_none(), "{path}");
            let page = html(r).await;
            assert_eq!(text(&page, "h1").unwrap(), "Something went wrong");
            let facts = text(&page, "dl.facts").unwrap();
            assert!(facts.contains(error), "{path}: {facts}");
            assert!(facts.contains("Request Id"), "{path}: {facts}");
        }
    }
    assert_eq!(app.count("authorization_codes").await, 0);
}

#[tokio::test]
async fn other_errors_go_back_to_the_app_with_error_description_and_state() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let cases: Vec<(String, &str)> = vec![
        (
            authorize_path(&client_id, &[], &["response_type"]),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[("response_type", "token")], &[]),
            "unsupported_response_type",
        ),
        (
            authorize_path(&client_id, &[("response_type", "code id_token")], &[]),
            "unsupported_response_type",
        ),
        (
            authorize_path(&client_id, &[("scope", "openid setup.manage")], &[]),
            "invalid_scope",
        ),
        (
            authorize_path(&client_id, &[("scope", "profile")], &[]),
            "invalid_scope",
        ),
        (authorize_path(&client_id, &[], &["scope"]), "invalid_scope"),
        (
            authorize_path(&client_id, &[("code_challenge_method", "plain")], &[]),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[], &["code_challenge_method"]),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[("code_challenge", "short")], &[]),
            "invalid_request",
        ),
        // The app requires PKCE.
        (
            authorize_path(
                &client_id,
                &[],
                &["code_challenge", "code_challenge_method"],
            ),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[("response_mode", "fragment")], &[]),
            "invalid_request",
        ),
        (
            authorize_path(&client_id, &[("request", "eyJ")], &[]),
            "request_not_supported",
        ),
        (
            authorize_path(&client_id, &[("prompt", "none login")], &[]),
            "invalid_request",
        ),
        (
            format!("{}&scope=openid", authorize_path(&client_id, &[], &[])),
            "invalid_request",
        ),
    ];
    for (path, error) in cases {
        let r = admin.get(&path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let back = location(&r);
        assert_eq!(
            back.origin().ascii_serialization(),
            "https://app.example.com",
            "{path}"
        );
        assert_eq!(param(&back, "error").as_deref(), Some(error), "{path}");
        assert!(param(&back, "error_description").is_some(), "{path}");
        assert_eq!(param(&back, "state").as_deref(), Some("st-123"), "{path}");
        assert!(param(&back, "code").is_none(), "{path}");
    }
    assert_eq!(app.count("authorization_codes").await, 0);
}

#[tokio::test]
async fn an_app_with_one_redirect_uri_and_no_pkce_requirement_may_leave_both_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut form = with("single", "redirect_uris", Some("http://localhost:8123/cb"));
    form.retain(|(k, _)| *k != "require_pkce");
    let r = post_store_app(&admin, &form).await;
    assert_eq!(r.status(), StatusCode::OK);
    let client_id = input_value(&html(r).await, "#client-id").unwrap();
    let path = authorize_path(
        &client_id,
        &[],
        &["redirect_uri", "code_challenge", "code_challenge_method"],
    );
    let r = decide(&admin, &path, "authorize").await;
    let back = location(&r);
    assert_eq!(
        back.as_str().split('?').next(),
        Some("http://localhost:8123/cb")
    );
    assert!(param(&back, "code").is_some());
}

#[tokio::test]
async fn prompt_none_answers_without_a_page() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let path = authorize_path(&client_id, &[("prompt", "none")], &[]);
    let r = Person::at(&app.base).get(&path).await;
    assert_eq!(
        param(&location(&r), "error").as_deref(),
        Some("login_required")
    );
    let r = app.admin().await.get(&path).await;
    assert_eq!(
        param(&location(&r), "error").as_deref(),
        Some("consent_required")
    );
}

#[tokio::test]
async fn a_member_sees_whom_to_ask_and_cannot_authorize() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let member = app.member().await;
    let path = authorize_path(&client_id, &[], &[]);
    let page = member.page(&path).await;
    assert_eq!(
        text(&page, "h1").unwrap(),
        "Ask an account admin to connect Hotel helper"
    );
    assert!(text(&page, "main ul").unwrap().contains(ADMIN_EMAIL));
    assert!(!text(&page, "main ul").unwrap().contains(MEMBER_EMAIL));
    let r = decide(&member, &path, "authorize").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("consents").await, 0);
    assert_eq!(app.count("authorization_codes").await, 0);
    let r = decide(&member, &path, "cancel").await;
    assert_eq!(
        param(&location(&r), "error").as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn the_consent_form_needs_its_csrf_token_and_is_checked_again_when_sent() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let path = authorize_path(&client_id, &[], &[]);
    admin.page(&path).await;
    let fields = [
        ("decision", "authorize"),
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let r = admin.post("/connect/authorize", &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A copy of the form changed by hand is checked like a new request.
    let mut tampered = fields.to_vec();
    tampered[3] = ("redirect_uri", "https://evil.example.com/cb");
    let r = admin
        .post_with_token(&path, "/connect/authorize", &tampered)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get(LOCATION).is_none());
    assert_eq!(app.count("authorization_codes").await, 0);
}

#[tokio::test]
async fn endsession_asks_then_signs_out_and_returns_only_to_a_registered_uri() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let bye = "https://app.example.com/bye";
    let q = |uri: &str| {
        format!(
            "/connect/endsession?{}",
            serde_urlencoded::to_string([
                ("client_id", client_id.as_str()),
                ("post_logout_redirect_uri", uri),
                ("state", "s-1"),
            ])
            .unwrap()
        )
    };
    for wrong in [
        "https://app.example.com/bye/",
        "https://evil.example.com/bye",
        CALLBACK,
    ] {
        let r = admin.get(&q(wrong)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{wrong}");
        assert!(r.headers().get(LOCATION).is_none());
    }
    // Without proof of who is signed out, the person is asked.
    let page = admin.page(&q(bye)).await;
    assert_eq!(text(&page, "h1").unwrap(), "Sign out of frontdesk?");
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
    let token = input_value(&page, "input[name=csrf_token]").unwrap();
    let mut form: Vec<(String, String)> = select(&page, "form input")
        .iter()
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap().to_owned(),
            )
        })
        .collect();
    assert!(form.iter().any(|(_, v)| *v == token));
    form.retain(|(k, _)| k != "nothing");
    let r = admin
        .client
        .post(admin.url("/connect/endsession"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = location(&r);
    assert_eq!(back.as_str(), "https://app.example.com/bye?state=s-1");
    // Signed out.
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER
    );
    // Signed out already: straight back.
    let r = admin.get(&q(bye)).await;
    assert_eq!(
        location(&r).as_str(),
        "https://app.example.com/bye?state=s-1"
    );
}

#[tokio::test]
async fn hostile_authorization_and_logout_requests_are_refused_clearly_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let before = crate::hostile::dump(&app).await;
    let script = "<script>alert(1)</script>";
    let long = "s".repeat(2000);
    // (path, whether it may go back to the app): never anywhere but the registered URI.
    let mut cases: Vec<(String, bool)> = [
        "https://app.example.com@evil.example.com/callback",
        "https://app.example.com/callback#fragment",
        "https://app.example.com/callback?extra=1",
        "//evil.example.com/callback",
        "https:/\\evil.example.com/callback",
        "https://APP.example.com/callback",
        "https://app.example.com/callback%00",
        "https://app.example.com/%2e%2e/callback",
        "data:text/html,hi",
        "javascript://app.example.com/callback%0aalert(1)",
    ]
    .iter()
    .map(|uri| {
        (
            authorize_path(&client_id, &[("redirect_uri", uri)], &[]),
            false,
        )
    })
    .collect();
    cases.extend([
        (authorize_path(&format!("{client_id}%00"), &[], &[]), false),
        (authorize_path("' OR 1=1 --", &[], &[]), false),
        (authorize_path(script, &[], &[]), false),
        (
            format!("{}&x=%FF", authorize_path(&client_id, &[], &[])),
            false,
        ),
        (
            authorize_path(&client_id, &[("scope", "openid\u{0}setup.read")], &[]),
            true,
        ),
        (authorize_path(&client_id, &[("scope", script)], &[]), true),
        (authorize_path(&client_id, &[("state", &long)], &[]), true),
        (authorize_path(&client_id, &[("nonce", &long)], &[]), true),
        (
            authorize_path(&client_id, &[("code_challenge", &"é".repeat(43))], &[]),
            true,
        ),
        (authorize_path(&client_id, &[("prompt", script)], &[]), true),
    ]);
    for (path, goes_back) in &cases {
        let r = admin.get(path).await;
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        assert!(!body.contains("<script>alert"), "{path}: not escaped");
        match location {
            Some(to) => {
                assert!(*goes_back, "{path} redirected to {to}");
                assert_eq!(status, StatusCode::SEE_OTHER);
                assert!(
                    to.starts_with("https://app.example.com/callback?error="),
                    "{path}: {to}"
                );
                assert!(!to.contains("code="), "{path}: {to}");
                assert!(!to.contains(&long), "an over-long value is not echoed");
            }
            None => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
                assert!(!goes_back, "{path} should have gone back to the app");
            }
        }
    }
    for path in [
        "/connect/endsession?id_token_hint=not.a.token".to_owned(),
        format!(
            "/connect/endsession?client_id={client_id}&post_logout_redirect_uri=javascript:alert(1)"
        ),
        "/connect/endsession?post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye"
            .to_owned(),
        "/connect/endsession?client_id=%FF".to_owned(),
        format!("/connect/endsession?client_id={client_id}&client_id={client_id}"),
    ] {
        let r = admin.get(&path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(r.headers().get(LOCATION).is_none(), "{path}");
    }
    // Still signed in: nothing above signed anyone out.
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
    assert_eq!(before, crate::hostile::dump(&app).await);
}
