//! The New store app form's field errors (each redirect-URI trick refused with its message, nothing
//! written), and editing a store app's URIs.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::store_apps::{post_store_app, register_store_app, with};

#[tokio::test]
async fn every_field_error_is_shown_with_the_values_kept_and_nothing_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let long = format!("https://e.com/{}", "a".repeat(2048));
    let eleven = (0..11)
        .map(|i| format!("https://e.com/{i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<(&str, Option<&str>, &str, &str)> = vec![
        (
            "redirect_uris",
            None,
            "redirect_uris",
            "Enter at least one redirect URI",
        ),
        (
            "redirect_uris",
            Some("https://a.com/cb#x"),
            "redirect_uris",
            "A redirect URI cannot contain a fragment (#)",
        ),
        (
            "redirect_uris",
            Some("https://user:pass@a.com/cb"),
            "redirect_uris",
            "A redirect URI cannot contain a user name or password (user:pass@)",
        ),
        (
            "redirect_uris",
            Some("https://example.com@evil.com"),
            "redirect_uris",
            "A redirect URI cannot contain a user name or password (user:pass@)",
        ),
        (
            "redirect_uris",
            Some("https://evil.com\\@example.com"),
            "redirect_uris",
            "A redirect URI cannot contain a backslash (\\)",
        ),
        (
            "redirect_uris",
            Some("http://a.com/cb"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("http://localhost.evil.com/cb"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("http://127.0.0.1.nip.io/cb"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("HTTP://LOCALHOST/cb"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("javascript:alert(1)"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("data:text/html,x"),
            "redirect_uris",
            "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])",
        ),
        (
            "redirect_uris",
            Some("https://a.com/c b"),
            "redirect_uris",
            "A redirect URI cannot contain spaces or control characters",
        ),
        (
            "redirect_uris",
            Some(&long),
            "redirect_uris",
            "Keep each redirect URI to at most 2048 characters",
        ),
        (
            "redirect_uris",
            Some(&eleven),
            "redirect_uris",
            "Enter at most 10 redirect URIs",
        ),
        (
            "redirect_uris",
            Some("https://a.com/cb\nhttps://a.com/cb"),
            "redirect_uris",
            "Each redirect URI may be listed only once",
        ),
        (
            "post_logout_redirect_uris",
            Some("https://a.com/#bye"),
            "post_logout_redirect_uris",
            "A redirect URI cannot contain a fragment (#)",
        ),
        (
            "logo_url",
            Some("http://cdn.example.com/logo.png"),
            "logo_url",
            "The logo URL must start with https://",
        ),
        (
            "logo_url",
            Some(&long),
            "logo_url",
            "Keep the logo URL to at most 2048 characters",
        ),
        (
            "client_code",
            Some("no-dash"),
            "client_code",
            "Use only letters, digits and underscores (_)",
        ),
        (
            "client_name",
            Some(" "),
            "client_name",
            "Enter a client name",
        ),
        (
            "secret_description",
            Some(""),
            "secret_description",
            "Enter a secret description",
        ),
        (
            "pii_mode",
            Some("Sometimes"),
            "pii_mode",
            "Choose whether the app may retrieve personal data",
        ),
        (
            "scopes",
            Some("email"),
            "scopes",
            "Choose scopes from the list only",
        ),
    ];
    for (field, value, id, message) in cases {
        let r = post_store_app(&admin, &with("HELPER", field, value)).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        let page = html(r).await;
        let shown = text(&page, &format!("#{id}-error"));
        if id == "pii_mode" {
            assert!(shown.is_some(), "{field}={value:?}");
        } else {
            assert_eq!(shown.as_deref(), Some(message), "{field}={value:?}");
        }
        // The values are kept.
        assert_eq!(
            input_value(&page, "#client_code").as_deref(),
            Some(if field == "client_code" {
                value.unwrap()
            } else {
                "HELPER"
            })
        );
        if field != "redirect_uris" {
            assert!(
                text(&page, "#redirect_uris")
                    .unwrap()
                    .contains("https://app.example.com/callback")
            );
        } else if let Some(value) = value {
            assert_eq!(
                select(&page, "#redirect_uris")[0]
                    .text()
                    .collect::<String>(),
                value
            );
        }
        assert_eq!(select(&page, "#require_pkce[checked]").len(), 1);
    }
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
    assert_eq!(app.count("app_redirect_uris").await, 0);
}

#[tokio::test]
async fn the_sandbox_loopback_hosts_are_accepted_over_http() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let uris = "http://localhost\nhttp://127.0.0.1:8080/cb\nhttp://[::1]:3000/cb?x=1";
    let r = post_store_app(&admin, &with("SANDBOX", "redirect_uris", Some(uris))).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.count("app_redirect_uris").await, 4);
}

#[tokio::test]
async fn an_admin_edits_a_store_apps_redirect_uris_with_the_same_rules() {
    let app = TestApp::spawn().await;
    let (client_id, _) = register_store_app(&app, "helper").await;
    let admin = app.admin().await;
    let edit = format!("/apps/connected-apps/{client_id}/edit");
    let page = admin.page(&edit).await;
    assert_eq!(
        select(&page, "#redirect_uris")[0]
            .text()
            .collect::<String>(),
        "https://app.example.com/callback\nhttp://localhost:3000/cb"
    );
    assert_eq!(
        input_value(&page, "#logo_url").as_deref(),
        Some("https://cdn.example.com/logo.png")
    );
    assert_eq!(select(&page, "input[value=openid][checked]").len(), 1);

    let fields = |uris: &'static str| {
        vec![
            ("client_name", "Hotel helper"),
            ("pii_mode", "DontRetrieve"),
            ("scopes", "reservations.read"),
            ("scopes", "openid"),
            ("redirect_uris", uris),
            ("logo_url", ""),
        ]
    };
    let r = admin
        .post_with_token(&edit, &edit, &fields("https://a.com/cb#frag"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert_eq!(
        text(&page, "#redirect_uris-error").as_deref(),
        Some("A redirect URI cannot contain a fragment (#)")
    );
    assert_eq!(app.count("app_redirect_uris").await, 3);

    let r = admin
        .post_with_token(&edit, &edit, &fields("https://new.example.com/cb"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .page(&format!("/apps/connected-apps/{client_id}"))
        .await;
    assert_eq!(
        text(&page, "#app-redirect-uris").as_deref(),
        Some("https://new.example.com/cb")
    );
    assert_eq!(text(&page, "#app-logo-url").as_deref(), Some("None"));
    assert_eq!(text(&page, "#app-require-pkce").as_deref(), Some("No"));
    assert!(!text(&page, ".granted").unwrap().contains("offline_access"));
    assert_eq!(app.count("app_redirect_uris").await, 1);
    // Created, then edited: two audit rows.
    assert_eq!(app.app_events().await, 2);

    // Deleting the app takes its URIs with it.
    let delete = format!("/apps/connected-apps/{client_id}/delete");
    let r = admin.post_with_token(&delete, &delete, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("app_redirect_uris").await, 0);
}
