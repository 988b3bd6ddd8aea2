//! People and privileges: users, invitations, account admins, passwords and safe sign-in.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION, RETRY_AFTER};
use time::Duration;

use crate::helpers::*;

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_by_email(email).await.unwrap().unwrap().id
}

/// The admin invites someone; returns the link's path.
async fn invite(app: &TestApp, admin: &Person, email: &str, as_admin: bool) -> String {
    let mut fields = vec![("email", email), ("name", "New Person")];
    if as_admin {
        fields.push(("is_admin", "yes"));
    }
    let r = admin
        .post_with_token("/users/invite", "/users/invite", &fields)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let page = html(r).await;
    let link = input_value(&page, "#single-use-link").unwrap();
    assert!(
        link.starts_with(&format!("{}/invitations/", app.base)),
        "{link}"
    );
    link[app.base.len()..].to_owned()
}

async fn choose_password(
    p: &Person,
    path: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    p.post_with_token(path, path, &[("password", password), ("confirm", confirm)])
        .await
}

#[tokio::test]
async fn the_users_page_lists_everyone_for_admins_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin.page("/users").await;
    assert_eq!(text(&page, "main h1").as_deref(), Some("Users"));
    let headers: Vec<String> = select(&page, "table thead th")
        .iter()
        .map(|h| h.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(
        headers[..5],
        ["Email", "Name", "Account admin", "Enabled", "Last sign-in"]
    );
    let rows = text(&page, "table tbody").unwrap();
    assert!(
        rows.contains(ADMIN_EMAIL) && rows.contains(MEMBER_EMAIL),
        "{rows}"
    );

    let member = app.member().await;
    for path in [
        "/users",
        "/users/invite",
        &format!("/users/{}/edit", user_id(&app, ADMIN_EMAIL).await),
    ] {
        assert_eq!(
            member.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Members reach their own profile.
    let profile = member.page("/profile").await;
    assert!(text(&profile, "dl.facts").unwrap().contains("Member"));
}

#[tokio::test]
async fn an_invitation_works_once_and_signs_the_person_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let link = invite(&app, &admin, "new@example.com", true).await;

    let invitee = app.person();
    let page = invitee.page(&link).await;
    assert_eq!(
        input_value(&page, "#email").as_deref(),
        Some("new@example.com")
    );
    let r = choose_password(
        &invitee,
        &link,
        "a fine new passphrase",
        "a fine new passphrase",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/apps/connected-apps");
    let list = invitee.page("/apps/connected-apps").await;
    assert!(
        text(&list, "header .who")
            .unwrap()
            .contains("new@example.com")
    );
    assert_eq!(
        select(&list, "a[data-opens-dialog]").len(),
        1,
        "invited as an account admin"
    );

    // Used: a clear page, for the same person or anyone else.
    let r = app.person().get(&link).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        text(&html(r).await, "h1").as_deref(),
        Some("This link has already been used")
    );
    // And the new person signs in with the chosen password.
    app.person()
        .sign_in("new@example.com", "a fine new passphrase")
        .await;
}

#[tokio::test]
async fn an_invitation_expires_after_72_hours() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let link = invite(&app, &admin, "late@example.com", false).await;
    let invitee = app.person();
    let token = invitee.csrf(&link).await;

    app.core.clock.advance(Duration::hours(71));
    assert_eq!(
        invitee.get(&link).await.status(),
        StatusCode::OK,
        "still valid at 71 h"
    );
    app.core.clock.advance(Duration::hours(2));
    let r = invitee.get(&link).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        text(&html(r).await, "h1").as_deref(),
        Some("This link has expired")
    );
    let r = invitee
        .post(
            &link,
            &[
                ("csrf_token", &token),
                ("password", "a fine new passphrase"),
                ("confirm", "a fine new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(
        app.store
            .user_by_email("late@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // An unknown token is just not valid.
    assert_eq!(
        invitee.get("/invitations/nonsense").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_invitation_for_an_email_that_got_an_account_meanwhile_says_sign_in_instead() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let link = invite(&app, &admin, "twice@example.com", false).await;
    app.add_user("twice@example.com", "another long passphrase", false)
        .await;

    let invitee = app.person();
    let r = choose_password(
        &invitee,
        &link,
        "a fine new passphrase",
        "a fine new passphrase",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        text(&html(r).await, "main p:not(.brand)").as_deref(),
        Some("A user with this email already exists. Sign in instead.")
    );
    // Nothing changed: the account keeps its password, and the link was not used up.
    app.person()
        .sign_in("twice@example.com", "another long passphrase")
        .await;
    assert_eq!(invitee.get(&link).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_chosen_password_must_be_long_not_the_email_and_not_common() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let link = invite(&app, &admin, "careful@example.com", false).await;
    let invitee = app.person();
    for (password, confirm, message) in [
        ("short", "short", "Use at least 12 characters"),
        (
            "careful@example.com",
            "careful@example.com",
            "Do not use your email address as the password",
        ),
        (
            "Password1234",
            "Password1234",
            "This password is on a list of common passwords; choose another",
        ),
        (
            "a fine new passphrase",
            "a different one!",
            "The two passwords differ",
        ),
    ] {
        let r = choose_password(&invitee, &link, password, confirm).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(
            text(&html(r).await, "#password-error").as_deref(),
            Some(message)
        );
    }
    assert!(
        app.store
            .user_by_email("careful@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // Still usable after the refusals.
    let r = choose_password(
        &invitee,
        &link,
        "a fine new passphrase",
        "a fine new passphrase",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_member_promoted_to_admin_can_register_an_app_on_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let early = member
        .post_with_token(
            "/apps/connected-apps",
            "/apps/connected-apps/create",
            &app_form("TOO_EARLY"),
        )
        .await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);

    let edit = format!("/users/{}/edit", user_id(&app, MEMBER_EMAIL).await);
    let r = admin
        .post_with_token(
            &edit,
            &edit,
            &[
                ("name", "Promoted"),
                ("is_admin", "yes"),
                ("enabled", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Same session, no new sign-in.
    let r = member.create_app(&app_form("NOW_ALLOWED")).await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = admin
        .post_with_token(&edit, &edit, &[("name", "Demoted"), ("enabled", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        member.get("/apps/connected-apps/create").await.status(),
        StatusCode::FORBIDDEN
    );
    let activity = text(&admin.page("/activity").await, "ol.events").unwrap();
    assert!(
        activity.contains("Account admin: no → yes")
            && activity.contains("Account admin: yes → no"),
        "{activity}"
    );
}

#[tokio::test]
async fn a_disabled_users_open_session_is_refused_on_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let member = app.member().await;
    assert_eq!(
        member.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );

    let edit = format!("/users/{}/edit", user_id(&app, MEMBER_EMAIL).await);
    let r = admin
        .post_with_token(&edit, &edit, &[("name", "Gone")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let r = member.get("/apps/connected-apps").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let r = app
        .person()
        .try_sign_in(MEMBER_EMAIL, MEMBER_PASSWORD)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a disabled user cannot sign in"
    );
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_demote_disable_or_delete_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let me = user_id(&app, ADMIN_EMAIL).await;
    let edit = format!("/users/{me}/edit");
    for fields in [
        vec![("name", "Me"), ("enabled", "yes")],
        vec![("name", "Me"), ("is_admin", "yes")],
    ] {
        let r = admin.post_with_token(&edit, &edit, &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text(&html(r).await, "[role=alert]")
                .unwrap()
                .contains("last enabled account admin")
        );
    }
    let delete = format!("/users/{me}/delete");
    let r = admin.post_with_token(&delete, &delete, &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let user = app.store.user_by_id(me).await.unwrap().unwrap();
    assert!(user.is_admin && user.enabled);
    assert_eq!(admin.get("/users").await.status(), StatusCode::OK);

    // With a second admin, the first may step down.
    app.add_user("deputy@example.com", "deputy password 1", true)
        .await;
    let r = admin
        .post_with_token(&edit, &edit, &[("name", "Me"), ("enabled", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/users").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let here = app.member().await;
    let elsewhere = app.member().await;

    let r = here
        .post_with_token(
            "/profile",
            "/profile/password",
            &[
                ("current_password", "not it"),
                ("new_password", "a brand new secret"),
                ("confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text(&html(r).await, "#current_password-error").as_deref(),
        Some("The current password is not right")
    );

    let r = here
        .post_with_token(
            "/profile",
            "/profile/password",
            &[
                ("current_password", MEMBER_PASSWORD),
                ("new_password", "a brand new secret"),
                ("confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        here.get("/apps/connected-apps").await.status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        elsewhere.get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER,
        "others end"
    );
    assert_eq!(
        app.person()
            .try_sign_in(MEMBER_EMAIL, MEMBER_PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.person()
        .sign_in(MEMBER_EMAIL, "a brand new secret")
        .await;
}

#[tokio::test]
async fn an_admin_reset_link_sets_a_new_password_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let member_session = app.member().await;
    let edit = format!("/users/{}/edit", user_id(&app, MEMBER_EMAIL).await);
    let reset = format!("/users/{}/reset-link", user_id(&app, MEMBER_EMAIL).await);
    let r = admin.post_with_token(&edit, &reset, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let link = input_value(&html(r).await, "#single-use-link").unwrap();
    let path = link[app.base.len()..].to_owned();
    assert!(path.starts_with("/password-reset/"));

    let member = app.person();
    let r = choose_password(
        &member,
        &path,
        "reset to something new",
        "reset to something new",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        member.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        member_session.get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.person().get(&path).await.status(), StatusCode::GONE);
    app.person()
        .sign_in(MEMBER_EMAIL, "reset to something new")
        .await;
}

#[tokio::test]
async fn every_people_action_is_refused_for_members_and_without_a_csrf_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let target = user_id(&app, ADMIN_EMAIL).await;
    let posts = [
        "/users/invite".to_owned(),
        format!("/users/{target}/edit"),
        format!("/users/{target}/delete"),
        format!("/users/{target}/reset-link"),
    ];
    let before = (app.count("users").await, app.count("user_links").await);
    let token = member.csrf("/profile").await;
    for path in &posts {
        let mut fields = fields_for(path);
        fields[0].1 = &token;
        assert_eq!(
            member.post(path, &fields).await.status(),
            StatusCode::FORBIDDEN,
            "member {path}"
        );
        assert_eq!(
            admin.post(path, &fields_for(path)[1..]).await.status(),
            StatusCode::FORBIDDEN,
            "no token {path}"
        );
    }
    assert_eq!(
        member
            .post(
                "/profile/password",
                &[
                    ("current_password", MEMBER_PASSWORD),
                    ("new_password", "x y z w v u t s"),
                    ("confirm", "x y z w v u t s")
                ]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        (app.count("users").await, app.count("user_links").await),
        before
    );
    assert!(
        app.store
            .user_by_id(target)
            .await
            .unwrap()
            .unwrap()
            .is_admin
    );
}

#[tokio::test]
async fn repeated_failures_for_one_email_are_refused_the_same_whether_it_exists_or_not() {
    let app = TestApp::spawn().await;
    let mut answers = Vec::new();
    for email in [ADMIN_EMAIL, "nobody@example.com"] {
        let mut statuses = Vec::new();
        let mut last = None;
        for _ in 0..6 {
            let r = app.person().try_sign_in(email, "wrong password!").await;
            statuses.push(r.status());
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                assert!(
                    r.headers()[RETRY_AFTER]
                        .to_str()
                        .unwrap()
                        .parse::<u64>()
                        .unwrap()
                        > 0
                );
                // Everything but the request id, which differs for every request.
                let page = text(&html(r).await, "main").unwrap();
                last = Some(page.split(" Request id:").next().unwrap().to_owned());
            }
        }
        answers.push((statuses, last));
    }
    assert_eq!(
        answers[0], answers[1],
        "nothing tells whether the email exists"
    );
    let (statuses, message) = &answers[0];
    assert!(
        statuses[..5]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    assert!(message.as_ref().unwrap().contains("Wait 5 minutes"));

    // Even the right password waits out the lock...
    let r = app.person().try_sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...which ends.
    app.core.clock.advance(Duration::minutes(6));
    app.person().sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_count() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        app.person()
            .try_sign_in(MEMBER_EMAIL, "wrong password!")
            .await;
    }
    app.person().sign_in(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    for _ in 0..4 {
        let r = app
            .person()
            .try_sign_in(MEMBER_EMAIL, "wrong password!")
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_refused_across_emails() {
    let app = TestApp::spawn().await;
    let mut refused_at = None;
    for i in 0..25 {
        let r = app
            .person()
            .try_sign_in(&format!("guess{i}@example.com"), "wrong password!")
            .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(i);
            break;
        }
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(refused_at, Some(20));
}

#[tokio::test]
async fn sign_ins_and_failures_are_audited_with_the_source_address() {
    let app = TestApp::spawn().await;
    app.person()
        .try_sign_in(MEMBER_EMAIL, "wrong password!")
        .await;
    let admin = app.admin().await;
    let events = text(&admin.page("/activity").await, "ol.events").unwrap();
    assert!(events.contains("Signed in"), "{events}");
    assert!(
        events.contains("Sign-in failed") && events.contains(MEMBER_EMAIL),
        "{events}"
    );
    assert!(events.contains("from 127.0.0.1"));
    let users = admin.page("/users").await;
    let admin_row = select(&users, "table tbody tr")
        .into_iter()
        .map(|r| r.text().collect::<Vec<_>>().join(" "))
        .find(|t| t.contains(ADMIN_EMAIL))
        .unwrap();
    assert!(
        !admin_row.contains("Never"),
        "last sign-in recorded: {admin_row}"
    );
}

/// The fields of the people form at `path` (each form takes only its own), the CSRF token first.
fn fields_for(path: &str) -> Vec<(&'static str, &str)> {
    let mut fields = vec![("csrf_token", "")];
    if path == "/users/invite" {
        fields.extend([("email", "x@example.com"), ("name", "X")]);
    } else if path.ends_with("/edit") {
        fields.extend([("name", "X"), ("is_admin", "yes"), ("enabled", "yes")]);
    }
    fields
}
