//! Headers, cookies and limits that protect every page.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, SET_COOKIE};

use crate::helpers::*;

#[tokio::test]
async fn every_page_sends_the_security_headers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/login",
        "/apps/connected-apps",
        "/apps/connected-apps/create",
        "/no-such-page",
    ] {
        let r = admin.get(path).await;
        let h = r.headers();
        let csp = h[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        // Clickjacking: no page may be framed, by the CSP and by the older header alike.
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn a_session_cookie_from_another_frontdesk_is_refused() {
    let one = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    let person = one.person();
    let cookie = person.sign_in_cookie(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = person.csrf("/apps/connected-apps").await;
    let client = bare_client();
    let get = |base: &str| {
        client
            .get(format!("{base}/apps/connected-apps"))
            .header("cookie", &cookie)
            .send()
    };
    // The cookie works where it was issued, and nowhere else, though both have the same admin.
    assert_eq!(get(&one.base).await.unwrap().status(), StatusCode::OK);
    let r = get(&other.base).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // Nor can it post there: the form is refused before anything is read.
    let r = client
        .post(format!("{}/apps/connected-apps/create", other.base))
        .header("cookie", &cookie)
        .form(&[("csrf_token", token.as_str()), ("client_code", "X")])
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::SEE_OTHER);
    assert_eq!(other.app_tables().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn pages_have_no_inline_scripts_or_styles() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/login",
        "/apps/connected-apps",
        "/apps/connected-apps/create",
        "/apps/connected-apps/new",
    ] {
        let page = if path == "/login" {
            app.person().page(path).await
        } else {
            admin.page(path).await
        };
        assert!(select(&page, "script:not([src])").is_empty(), "{path}");
        assert!(select(&page, "style, [style]").is_empty(), "{path}");
        assert!(
            select(&page, "[onclick], [onload], [onsubmit]").is_empty(),
            "{path}"
        );
    }
    let r = admin.get("/static/app.js").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(admin.get("/static/app.css").await.status(), StatusCode::OK);
    assert_eq!(
        admin.get("/static/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    let r = app.person().get("/login").await;
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("frontdesk_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    // Served over plain http in tests: Secure would make the browser drop it.
    assert!(!cookie.contains("Secure"));
}

#[tokio::test]
async fn an_unknown_page_gets_the_site_404() {
    let app = TestApp::spawn().await;
    let r = app.admin().await.get("/apps/nowhere").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        text(&html(r).await, "h1").as_deref(),
        Some("Page not found")
    );
}

#[tokio::test]
async fn a_body_over_64_kib_gets_413_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.csrf("/apps/connected-apps/create").await;
    let padding = "x".repeat(65 * 1024);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(app_form("BIG"));
    form.push(("client_name", &padding));
    let r = admin.post("/apps/connected-apps/create", &form).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));

    // Just under the limit is read (and refused for its over-long name, with 422).
    let padding = "x".repeat(60 * 1024);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(
        app_form("BIG")
            .into_iter()
            .filter(|(k, _)| *k != "client_name"),
    );
    form.push(("client_name", &padding));
    let r = admin.post("/apps/connected-apps/create", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_json_body_where_a_form_is_expected_is_refused_clearly() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = admin
        .client
        .post(admin.url("/apps/connected-apps/create"))
        .json(&serde_json::json!({"client_code": "JSON"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        text(&html(r).await, "main")
            .unwrap()
            .contains("nothing was changed")
    );
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn html_typed_into_fields_is_shown_escaped() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut form = app_form("ESCAPE");
    form[1] = ("client_name", "<script>alert(1)</script>");
    assert_eq!(admin.create_app(&form).await.status(), StatusCode::OK);
    let body = admin
        .get("/apps/connected-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || body.contains("&#60;script&#62;")
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_valid_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.csrf("/apps/connected-apps/create").await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(app_form("CROSS_SITE"));
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = admin
            .client
            .post(admin.url("/apps/connected-apps/create"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{header}");
    }
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
    // The same form from our own origin goes through.
    let r = admin
        .client
        .post(admin.url("/apps/connected-apps/create"))
        .header("origin", app.base.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_id_is_worthless_after_sign_out() {
    let app = TestApp::spawn().await;
    let person = app.person();
    let cookie = person.sign_in_cookie(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = person.csrf("/apps/connected-apps").await;
    person.post("/logout", &[("csrf_token", &token)]).await;

    // Someone who copied the cookie before sign-out tries it now.
    let thief = bare_client();
    let r = thief
        .get(format!("{}/apps/connected-apps", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // And a cookie made up or taken from another frontdesk is just as useless.
    let r = thief
        .get(format!("{}/apps/connected-apps", app.base))
        .header("cookie", "frontdesk_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// Slowloris: connections that say nothing, stop halfway through their headers, or sit idle after a
/// request are closed after the idle timeout, and the server keeps answering everyone else meanwhile.
#[tokio::test]
async fn silent_half_sent_and_idle_connections_are_closed() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let idle = Duration::from_secs(1);
    let app =
        TestApp::spawn_with_idle(std::sync::Arc::new(tempfile::tempdir().unwrap()), idle).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let connect = || TcpStream::connect(addr.clone());

    let mut silent = connect().await.unwrap();
    let mut half = connect().await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut kept = connect().await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = kept.read(&mut answer).await.unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );

    // Meanwhile everyone else is served.
    assert_eq!(app.person().get("/healthz").await.status(), StatusCode::OK);

    let started = Instant::now();
    for (name, stream) in [
        ("silent", &mut silent),
        ("half-sent", &mut half),
        ("idle keep-alive", &mut kept),
    ] {
        let mut rest = Vec::new();
        // Closed means end of file (or a reset); a generous bound, the timeout is 1 s.
        let closed =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "{name} connection still open after 10 s");
    }
    assert!(started.elapsed() >= idle / 2, "closed before the timeout");
}
