//! Each front door answers in its own format, always, even for errors raised by the layers both share
//! (body limit, method routing, unknown addresses), and every response carries the security headers.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Response, StatusCode};

use crate::helpers::*;

const FORM: &str = "application/x-www-form-urlencoded";

/// The headers every response must carry, whichever door and whatever went wrong.
fn assert_hardened(headers: &HeaderMap, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(
            headers.get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{what}: {name}"
        );
    }
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(headers.contains_key("x-request-id"), "{what}: x-request-id");
}

/// An OAuth error: RFC 6749 JSON with `invalid_request`, never cached.
async fn assert_oauth_error(r: Response, status: StatusCode, what: &str) -> serde_json::Value {
    assert_eq!(r.status(), status, "{what}");
    assert_hardened(r.headers(), what);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json", "{what}");
    assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["error"], "invalid_request", "{what}: {json}");
    assert!(
        json["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{what}: {json}"
    );
    json
}

/// The dashboard's HTML error page with `status` and a heading.
async fn assert_error_page(r: Response, status: StatusCode, what: &str) -> String {
    assert_eq!(r.status(), status, "{what}");
    assert_hardened(r.headers(), what);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{what}"
    );
    let page = html(r).await;
    let heading = text(&page, "h1").unwrap_or_default();
    assert!(!heading.is_empty(), "{what}: no heading");
    heading
}

#[tokio::test]
async fn oversized_bodies_to_the_identity_endpoints_answer_oauth_json() {
    let app = TestApp::spawn().await;
    let client = bare_client();
    let body = format!("grant_type=client_credentials&x={}", "y".repeat(100 * 1024));
    for path in [
        "/connect/token",
        "/connect/introspect",
        "/connect/revocation",
        "/connect/userinfo",
    ] {
        // With a Content-Length (refused before the body is read) ...
        let r = client
            .post(format!("{}{path}", app.base))
            .basic_auth("DEMO-SP-NOPE", Some("whatever"))
            .header(CONTENT_TYPE, FORM)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let json = assert_oauth_error(r, StatusCode::PAYLOAD_TOO_LARGE, path).await;
        assert!(
            json["error_description"]
                .as_str()
                .unwrap()
                .contains("64 KiB"),
            "{json}"
        );
        // ... and streamed in chunks without one (refused while reading).
        let (status, content_type, body_text) = chunked_post(&app.base, path, &body).await;
        assert_eq!(status, 413, "{path} chunked: {body_text}");
        assert_eq!(content_type, "application/json", "{path} chunked");
        let json: serde_json::Value = serde_json::from_str(&body_text).unwrap();
        assert_eq!(json["error"], "invalid_request", "{path} chunked");
    }
}

/// POSTs `body` with `Transfer-Encoding: chunked` (no Content-Length) over a raw connection; returns
/// the status, the content type and the body.
async fn chunked_post(base: &str, path: &str, body: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {FORM}\r\n\
         Authorization: Basic REVNTy1TUC1OT1BFOng=\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    for chunk in body.as_bytes().chunks(16 * 1024) {
        request.push_str(&format!("{:x}\r\n", chunk.len()));
        request.push_str(std::str::from_utf8(chunk).unwrap());
        request.push_str("\r\n");
    }
    request.push_str("0\r\n\r\n");
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    // The body may itself be chunked: keep only the JSON object.
    let json = rest
        .find('{')
        .and_then(|start| rest.rfind('}').map(|end| rest[start..=end].to_owned()))
        .unwrap_or_default();
    (status, content_type, json)
}

#[tokio::test]
async fn wrong_methods_and_unknown_addresses_under_the_identity_door_answer_oauth_json() {
    let app = TestApp::spawn().await;
    let client = bare_client();
    for path in [
        "/connect/token",
        "/connect/introspect",
        "/connect/revocation",
    ] {
        let r = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let allow = r.headers()["allow"].to_str().unwrap().to_owned();
        assert_oauth_error(r, StatusCode::METHOD_NOT_ALLOWED, path).await;
        assert!(allow.contains("POST"), "{path}: allow {allow}");
    }
    let r = client
        .put(format!("{}/connect/userinfo", app.base))
        .send()
        .await
        .unwrap();
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    assert_oauth_error(r, StatusCode::METHOD_NOT_ALLOWED, "PUT userinfo").await;
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "userinfo: allow {allow}"
    );
    let r = client
        .post(format!(
            "{}/.well-known/openid-configuration/jwks",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_oauth_error(r, StatusCode::METHOD_NOT_ALLOWED, "POST jwks").await;
    for path in [
        "/connect/authorize-nothing",
        "/connect/",
        "/.well-known/nothing",
    ] {
        let r = client
            .post(format!("{}{path}", app.base))
            .header(CONTENT_TYPE, FORM)
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_oauth_error(r, StatusCode::NOT_FOUND, path).await;
    }
}

#[tokio::test]
async fn the_dashboard_answers_the_same_failures_with_its_html_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csrf = admin.csrf("/apps/connected-apps/create").await;
    let big = "y".repeat(100 * 1024);
    let r = admin
        .post(
            "/apps/connected-apps/create",
            &[("csrf_token", &csrf), ("client_name", &big)],
        )
        .await;
    let heading = assert_error_page(r, StatusCode::PAYLOAD_TOO_LARGE, "big form").await;
    assert_eq!(heading, "Request too large");
    let r = admin.get("/no/such/page").await;
    assert_eq!(
        assert_error_page(r, StatusCode::NOT_FOUND, "unknown page").await,
        "Page not found"
    );
    let r = admin.post("/activity", &[("csrf_token", &csrf)]).await;
    assert_error_page(r, StatusCode::METHOD_NOT_ALLOWED, "POST to a page").await;
    assert_eq!(app.count("apps").await, 0);
}

#[tokio::test]
async fn successful_answers_of_both_doors_and_health_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("HEADERS", &["setup.read"]).await;
    let client = bare_client();
    let r = client
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&id, Some(&secret))
        .header(CONTENT_TYPE, FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_hardened(r.headers(), "token");
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration/jwks",
        "/login",
        "/healthz",
        "/readyz",
        "/static/app.css",
    ] {
        let r = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_hardened(r.headers(), path);
    }
}
