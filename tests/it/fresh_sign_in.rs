//! `prompt=login` and `max_age` (OpenID Connect Core §3.1.2.1): a signed-in person types their password
//! again before the app gets a code, and the code remembers the new sign-in's time (the id_token's
//! `auth_time`), so the app can see it happened.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::authorize::{authorize_path, decide, location, param};
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, Person, TestApp, input_value, text};
use crate::store_apps::register_store_app;

/// The latest `auth_time` any code remembers (RFC 3339 text sorts by time).
async fn newest_auth_time(app: &TestApp) -> String {
    frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar(
        "SELECT MAX(auth_time) FROM authorization_codes"
    ).fetch_one(p).await)
    .unwrap()
}

/// Follows the sign-in form at `to_login` with the admin's password; returns where it sends the browser.
async fn sign_in_again(person: &Person, to_login: &str) -> String {
    let page = person.page(to_login).await;
    assert_eq!(
        input_value(&page, "input[name=email]").as_deref(),
        Some(ADMIN_EMAIL),
        "the signed-in person's email is filled in"
    );
    assert!(text(&page, "#login-again").is_some(), "the page says why");
    let next = input_value(&page, "input[name=next]").unwrap();
    let token = input_value(&page, "input[name=csrf_token]").unwrap();
    let r = person
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
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn prompt_login_and_an_exceeded_max_age_ask_for_the_password_again() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let plain = authorize_path(&client_id, &[], &[]);
    let r = decide(&admin, &plain, "authorize").await;
    assert!(param(&location(&r), "code").is_some());
    let first_sign_in = newest_auth_time(&app).await;

    // Consent is remembered, so without prompt=login the code comes straight back.
    let r = admin.get(&plain).await;
    assert!(param(&location(&r), "code").is_some());

    app.core.clock.advance(time::Duration::minutes(10));
    let login = authorize_path(&client_id, &[("prompt", "login consent")], &[]);
    let r = admin.get(&login).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_login = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    // The way back asks for consent still, but no longer for a sign-in (or it would loop).
    let back = sign_in_again(&admin, &to_login).await;
    assert!(back.starts_with("/connect/authorize?"), "{back}");
    assert!(back.contains("prompt=consent"), "{back}");
    assert!(!back.contains("login"), "{back}");
    let r = decide(&admin, &back, "authorize").await;
    assert!(param(&location(&r), "code").is_some());
    let second_sign_in = newest_auth_time(&app).await;
    assert!(
        second_sign_in > first_sign_in,
        "{second_sign_in} after {first_sign_in}"
    );

    // max_age: a sign-in 2 minutes old is fresh enough for 600 s, not for 60 s.
    app.core.clock.advance(time::Duration::minutes(2));
    let r = admin
        .get(&authorize_path(&client_id, &[("max_age", "600")], &[]))
        .await;
    assert!(param(&location(&r), "code").is_some());
    assert_eq!(newest_auth_time(&app).await, second_sign_in);
    let r = admin
        .get(&authorize_path(&client_id, &[("max_age", "60")], &[]))
        .await;
    let to_login = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    let back = sign_in_again(&admin, &to_login).await;
    assert!(!back.contains("max_age"), "{back}");
    let r = admin.get(&back).await;
    assert!(param(&location(&r), "code").is_some());
    assert!(newest_auth_time(&app).await > second_sign_in);

    // prompt=none cannot show the form: login_required, back to the app.
    app.core.clock.advance(time::Duration::minutes(2));
    let r = admin
        .get(&authorize_path(
            &client_id,
            &[("max_age", "60"), ("prompt", "none")],
            &[],
        ))
        .await;
    let back = location(&r);
    assert_eq!(param(&back, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));

    // A max_age that is not a number of seconds is the app's mistake.
    for bad in ["-1", "soon", "1e3", "99999999999"] {
        let r = admin
            .get(&authorize_path(&client_id, &[("max_age", bad)], &[]))
            .await;
        assert_eq!(
            param(&location(&r), "error").as_deref(),
            Some("invalid_request"),
            "max_age={bad}"
        );
    }
}

#[tokio::test]
async fn the_sign_in_form_is_shown_again_only_when_asked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Signed in, /login without `again` goes on to `next` as before.
    let r = admin.get("/login?next=%2Fapps%2Fconnected-apps").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/apps/connected-apps");
    // A wrong password while signed in changes nothing: still signed in as before.
    let page = admin
        .page("/login?next=%2Fapps%2Fconnected-apps&again=1")
        .await;
    let token = input_value(&page, "input[name=csrf_token]").unwrap();
    let r = admin
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", "not the password"),
                ("next", "/apps/connected-apps"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
}
