//! The admin API under `/api/v1`: apps calling with tokens they obtained with client credentials.
//! `reads` and `writes` drive each operation, its errors and its scope checks; `document` checks the
//! OpenAPI document against the router.

mod document;
mod reads;
mod writes;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, IF_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

pub const READ: &str = "frontdesk:apps.read";
pub const MANAGE: &str = "frontdesk:apps.manage";

/// An app's view of the API: its base URL and an access token.
pub struct Api {
    pub base: String,
    pub client_id: String,
    pub secret: String,
    pub token: String,
    http: reqwest::Client,
}

/// An answer: status, headers, and the body as JSON (`Null` when empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem document with `status` and returns its `type`.
    pub fn problem(&self, status: StatusCode) -> &str {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], status.as_u16());
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        self.body["type"].as_str().unwrap()
    }
}

/// A client-credentials access token for `client_id`.
pub async fn token_for(app: &TestApp, client_id: &str, secret: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Registers app `code` with `scopes` on the dashboard and gets it a token.
pub async fn api_as(app: &TestApp, code: &str, scopes: &[&str]) -> Api {
    let (client_id, secret) = app.register_app(code, scopes).await;
    let token = token_for(app, &client_id, &secret).await;
    Api {
        base: app.base.clone(),
        client_id,
        secret,
        token,
        http: reqwest::Client::new(),
    }
}

impl Api {
    /// Sends `method path` with this app's token, a JSON `body` and `If-Match` when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        answer(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    /// The app's ETag, as `GET /api/v1/apps/{client_id}` gives it.
    pub async fn etag(&self, client_id: &str) -> String {
        let r = self.get(&format!("/api/v1/apps/{client_id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.header("etag").to_owned()
    }
}

pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}
