//! The authorization-code exchange at `/connect/token` (RFC 6749 §4.1.3, RFC 7636): codes are made
//! here directly in the store, as `/connect/authorize` makes them, then exchanged over HTTP.

use frontdesk::domain::token_hash;
use frontdesk::signing::jwt::{self, AccessClaims, IdClaims};
use frontdesk::store::NewAuthorizationCode;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use serde_json::Value;

use crate::helpers::*;
use crate::store_apps::{post_store_app, register_store_app, store_form};

pub const REDIRECT: &str = "https://app.example.com/callback";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A registered store app's credentials.
pub struct Client {
    pub id: String,
    pub secret: String,
}

/// Registers a store app granted reservations.read, openid, profile and offline_access.
pub async fn store_client(app: &TestApp, code: &str) -> Client {
    let mut form = store_form(code);
    form.push(("scopes", "profile"));
    let r = post_store_app(&app.admin().await, &form).await;
    assert_eq!(r.status(), StatusCode::OK, "registering {code}");
    let page = html(r).await;
    Client {
        id: input_value(&page, "#client-id").unwrap(),
        secret: input_value(&page, "#client-secret").unwrap(),
    }
}

/// What an authorization request asked for, as the code remembers it.
pub struct CodeFor<'a> {
    pub scopes: &'a [&'a str],
    pub redirect_uri_sent: bool,
    pub nonce: Option<&'a str>,
    pub challenge: Option<&'a str>,
}

impl Default for CodeFor<'_> {
    fn default() -> Self {
        Self {
            scopes: &["reservations.read", "openid", "profile", "offline_access"],
            redirect_uri_sent: true,
            nonce: Some("n-0S6_WzA2Mj"),
            challenge: Some(CHALLENGE),
        }
    }
}

pub async fn id_of(app: &TestApp, sql: &str, key: &str) -> i64 {
    frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar(sql).bind(key).fetch_one(p).await)
        .unwrap()
}

/// The admin's `sub`.
pub async fn admin_subject(app: &TestApp) -> String {
    frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT subject FROM users WHERE email = $1").bind(ADMIN_EMAIL).fetch_one(p).await)
        .unwrap()
}

/// Stores a fresh code for `client` and the admin, five minutes long; returns its value.
pub async fn issue_code(app: &TestApp, client: &Client, how: CodeFor<'_>) -> String {
    let app_id = id_of(app, "SELECT id FROM apps WHERE client_id = $1", &client.id).await;
    let user_id = id_of(app, "SELECT id FROM users WHERE email = $1", ADMIN_EMAIL).await;
    let code = frontdesk::domain::random_token();
    let hash = token_hash(&code);
    let scopes: Vec<String> = how.scopes.iter().map(|s| (*s).to_owned()).collect();
    let now = app.core.clock.now();
    app.store
        .add_authorization_code(&NewAuthorizationCode {
            code_hash: &hash,
            app_id,
            user_id,
            scopes: &scopes,
            redirect_uri: REDIRECT,
            redirect_uri_sent: how.redirect_uri_sent,
            nonce: how.nonce,
            code_challenge: how.challenge,
            auth_time: now - time::Duration::minutes(2),
            expires_at: now + time::Duration::minutes(5),
        })
        .await
        .unwrap();
    code
}

/// `POST /connect/token` with HTTP Basic as `client`: (status, JSON body); asserts `no-store`.
pub async fn token(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = bare_client()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(&client.id, Some(&client.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    (status, r.json().await.unwrap())
}

/// Exchanges `code` with the redirect URI and the RFC's verifier.
pub async fn exchange(app: &TestApp, client: &Client, code: &str) -> (StatusCode, Value) {
    token(
        app,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

/// `POST /connect/introspect` as `client`: the JSON answer.
pub async fn introspect(app: &TestApp, client: &Client, token: &str) -> Value {
    let r = bare_client()
        .post(format!("{}/connect/introspect", app.base))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// `body`'s `error`, asserting status 400.
pub fn refused(status: StatusCode, body: &Value) -> String {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

/// Verifies a JWT against the served JWKS with `validation`; returns its claims and `typ`.
pub async fn verified<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    validation: &Validation,
) -> (T, Option<String>) {
    let jwks: JwkSet = served_jwks(app).await;
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks.find(&header.kid.unwrap()).unwrap();
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let data = jsonwebtoken::decode::<T>(token, &key, validation).unwrap();
    (data.claims, header.typ)
}

pub async fn id_token_claims(app: &TestApp, client: &Client, token: &str) -> IdClaims {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[&app.base]);
    v.set_audience(&[&client.id]);
    v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    let (claims, typ) = verified::<IdClaims>(app, token, &v).await;
    assert_eq!(typ.as_deref(), Some("JWT"));
    claims
}

#[tokio::test]
async fn a_store_app_exchanges_a_code_with_pkce_for_verified_tokens() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let code = issue_code(&app, &client, CodeFor::default()).await;

    let (status, body) = exchange(&app, &client, &code).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["scope"],
        "reservations.read openid profile offline_access"
    );
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(refresh.len(), 43);
    let access = body["access_token"].as_str().unwrap();
    let subject = admin_subject(&app).await;

    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[&app.base]);
    v.set_audience(&["api"]);
    let (claims, typ) = verified::<AccessClaims>(&app, access, &v).await;
    assert_eq!(typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims.sub, subject);
    assert_eq!(claims.client_id, client.id);
    assert_eq!(
        claims.scope,
        ["reservations.read", "openid", "profile", "offline_access"]
    );
    assert!(claims.jti.starts_with('g'), "{}", claims.jti);

    let id = id_token_claims(&app, &client, body["id_token"].as_str().unwrap()).await;
    assert_eq!(id.sub, subject);
    assert_eq!(id.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(id.at_hash, jwt::at_hash(access));
    let now = app.core.clock.now().unix_timestamp();
    assert!(
        (now - 125..=now - 115).contains(&id.auth_time),
        "{}",
        id.auth_time
    );
    assert_eq!(id.name.as_deref(), Some(ADMIN_EMAIL));
    assert!(id.preferred_username.is_some());
    assert!(!id.account_code.is_empty());

    let seen = introspect(&app, &client, access).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["sub"], subject.as_str());
    assert_eq!(seen["client_id"], client.id.as_str());
    // A refresh token is no access token: introspection does not call it active.
    assert_eq!(introspect(&app, &client, refresh).await["active"], false);
}

#[tokio::test]
async fn a_code_works_once_and_its_second_use_revokes_what_the_first_issued() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let code = issue_code(&app, &client, CodeFor::default()).await;
    let (status, first) = exchange(&app, &client, &code).await;
    assert_eq!(status, StatusCode::OK);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], true);

    let (status, again) = exchange(&app, &client, &code).await;

    assert_eq!(refused(status, &again), "invalid_grant");
    assert_eq!(introspect(&app, &client, access).await["active"], false);
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, body) = token(
        &app,
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(refused(status, &body), "invalid_grant");
}

#[tokio::test]
async fn an_expired_or_unknown_code_is_an_invalid_grant() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let code = issue_code(&app, &client, CodeFor::default()).await;
    app.core.clock.advance(time::Duration::minutes(5));

    let (status, body) = exchange(&app, &client, &code).await;
    assert_eq!(refused(status, &body), "invalid_grant");
    assert_eq!(
        body["error_description"],
        "the authorization code has expired"
    );

    let (status, body) = exchange(&app, &client, "no-such-code").await;
    assert_eq!(refused(status, &body), "invalid_grant");
    let (status, body) = token(&app, &client, &[("grant_type", "authorization_code")]).await;
    assert_eq!(refused(status, &body), "invalid_request");
}

#[tokio::test]
async fn the_redirect_uri_must_be_the_one_the_code_was_sent_to() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let exchange_with = |code: String, uri: Option<&'static str>| {
        let (app, client) = (&app, &client);
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("code_verifier", VERIFIER),
            ];
            form.extend(uri.map(|u| ("redirect_uri", u)));
            token(app, client, &form).await
        }
    };
    let sent = || CodeFor::default();
    let not_sent = || CodeFor {
        redirect_uri_sent: false,
        ..CodeFor::default()
    };

    for (how, uri, expected) in [
        (
            sent(),
            Some("https://app.example.com/callback/"),
            "invalid_grant",
        ),
        (sent(), Some("http://localhost:3000/cb"), "invalid_grant"),
        (sent(), None, "invalid_grant"),
        (
            not_sent(),
            Some("https://evil.example/callback"),
            "invalid_grant",
        ),
    ] {
        let code = issue_code(&app, &client, how).await;
        let (status, body) = exchange_with(code, uri).await;
        assert_eq!(refused(status, &body), expected, "{uri:?}");
    }
    // Not named in the request: the exchange may leave it out, or name the same one.
    for uri in [None, Some(REDIRECT)] {
        let code = issue_code(&app, &client, not_sent()).await;
        let (status, body) = exchange_with(code, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri:?}: {body}");
    }
}

#[tokio::test]
async fn pkce_verifiers_must_match_and_must_not_come_without_a_challenge() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    let short = &VERIFIER[..42];
    let with_challenge = || CodeFor::default();
    let without = || CodeFor {
        challenge: None,
        ..CodeFor::default()
    };
    for (how, verifier, why) in [
        (with_challenge(), Some(wrong), "does not match"),
        (with_challenge(), None, "is required"),
        (with_challenge(), Some(short), "43 to 128"),
        (without(), Some(VERIFIER), "without a code_challenge"),
    ] {
        let code = issue_code(&app, &client, how).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ];
        form.extend(verifier.map(|v| ("code_verifier", v)));
        let (status, body) = token(&app, &client, &form).await;
        assert_eq!(refused(status, &body), "invalid_grant", "{verifier:?}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(why), "{description}");
    }
    // Without a challenge and without a verifier (older clients): accepted.
    let code = issue_code(&app, &client, without()).await;
    let (status, body) = token(
        &app,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn another_clients_code_is_refused_and_spent() {
    let app = TestApp::spawn().await;
    let owner = store_client(&app, "helper").await;
    let (id, secret) = register_store_app(&app, "intruder").await;
    let intruder = Client { id, secret };
    let code = issue_code(&app, &owner, CodeFor::default()).await;

    let (status, body) = exchange(&app, &intruder, &code).await;

    assert_eq!(refused(status, &body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another client")
    );
    // A code presented by the wrong client is spent all the same: it may have leaked.
    let (status, body) = exchange(&app, &owner, &code).await;
    assert_eq!(refused(status, &body), "invalid_grant");
}

#[tokio::test]
async fn custom_apps_may_use_neither_the_code_nor_the_refresh_grant() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("voice", &["setup.read"]).await;
    let custom = Client { id, secret };
    for form in [
        [("grant_type", "authorization_code"), ("code", "x")],
        [("grant_type", "refresh_token"), ("refresh_token", "x")],
    ] {
        let (status, body) = token(&app, &custom, &form).await;
        assert_eq!(refused(status, &body), "unauthorized_client", "{form:?}");
    }
}

#[tokio::test]
async fn without_offline_access_or_openid_there_is_no_refresh_token_or_id_token() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let code = issue_code(
        &app,
        &client,
        CodeFor {
            scopes: &["reservations.read"],
            ..CodeFor::default()
        },
    )
    .await;

    let (status, body) = exchange(&app, &client, &code).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "reservations.read");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], true);
    // Without offline_access the grant ends with its access token.
    app.core.clock.advance(time::Duration::seconds(3601));
    assert_eq!(introspect(&app, &client, access).await["active"], false);
}

#[tokio::test]
async fn scopes_the_app_has_lost_since_the_consent_are_not_issued() {
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    // The code holds a scope the app was never granted (as after an edit removed it).
    let code = issue_code(
        &app,
        &client,
        CodeFor {
            scopes: &["reservations.read", "setup.read", "openid"],
            ..CodeFor::default()
        },
    )
    .await;
    let (status, body) = exchange(&app, &client, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "reservations.read openid");
}
