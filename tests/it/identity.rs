//! The identity side: registered apps trade their credentials for signed tokens, with a third-party OAuth
//! client library, and the tokens verify against the JWKS with a JWT library.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use frontdesk::signing::jwt::{self, AccessClaims};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use crate::helpers::*;

const SCOPES: [&str; 3] = [
    "reservations.read",
    "setup.read",
    "payment:transactions.read",
];

async fn oauth2_token(
    app: &TestApp,
    id: &str,
    secret: &str,
    auth: AuthType,
    scopes: &[&str],
) -> oauth2::basic::BasicTokenResponse {
    let client = BasicClient::new(ClientId::new(id.to_owned()))
        .set_client_secret(ClientSecret::new(secret.to_owned()))
        .set_token_uri(TokenUrl::new(format!("{}/connect/token", app.base)).unwrap())
        .set_auth_type(auth);
    let http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.exchange_client_credentials();
    for s in scopes {
        request = request.add_scope(Scope::new((*s).to_owned()));
    }
    request.request_async(&http).await.unwrap()
}

/// Verifies `token` against the served JWKS, as a resource server would.
async fn verify_with_jwks(app: &TestApp, token: &str) -> AccessClaims {
    let jwks: JwkSet = served_jwks(app).await;
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("a kid header");
    let jwk = jwks.find(&kid).expect("the token's key in the JWKS");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&app.base]);
    validation.set_audience(&["api"]);
    jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .unwrap()
        .claims
}

/// A raw token request: (status, headers, JSON body).
async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    content_type: &str,
    body: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    post_raw(app, "/connect/token", basic, content_type, body).await
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    basic: Option<(&str, &str)>,
    content_type: &str,
    body: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, headers, json)
}

const FORM: &str = "application/x-www-form-urlencoded";

async fn token_for(app: &TestApp, id: &str, secret: &str) -> String {
    let (status, _, body) = token_request(
        app,
        Some((id, secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn introspect(app: &TestApp, caller: (&str, &str), token: &str) -> Value {
    let body = format!("token={}", urlencode(token));
    let (status, headers, json) =
        post_raw(app, "/connect/introspect", Some(caller), FORM, &body).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    json
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn an_oauth2_client_gets_a_verifiable_token_with_http_basic() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("VOICEHIVE", &SCOPES).await;

    let token = oauth2_token(&app, &id, &secret, AuthType::BasicAuth, &[]).await;
    assert_eq!(token.token_type(), &oauth2::basic::BasicTokenType::Bearer);
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);
    assert!(token.refresh_token().is_none());
    let granted: Vec<String> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(granted, SCOPES);

    let claims = verify_with_jwks(&app, token.access_token().secret()).await;
    assert_eq!(claims.iss, app.base);
    assert_eq!(claims.sub, "DEMO-SP-VOICEHIVE");
    assert_eq!(claims.client_id, "DEMO-SP-VOICEHIVE");
    assert_eq!(
        claims.aud,
        [format!("{}/resources", app.base), "api".to_owned()]
    );
    assert_eq!(claims.scope, SCOPES);
    assert_eq!(claims.account_code, "DEMO");
    assert_eq!(claims.exp - claims.iat, 3600);
    assert_eq!(claims.nbf, claims.iat);
    assert!(!claims.jti.is_empty());

    // The raw payload carries scope as a JSON array, as the hosted service does.
    let payload = token.access_token().secret().split('.').nth(1).unwrap();
    let raw: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert!(raw["scope"].is_array());
}

#[tokio::test]
async fn an_oauth2_client_gets_a_narrower_token_with_client_secret_post() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("POSTER", &SCOPES).await;
    let token = oauth2_token(&app, &id, &secret, AuthType::RequestBody, &["setup.read"]).await;
    let claims = verify_with_jwks(&app, token.access_token().secret()).await;
    assert_eq!(claims.scope, ["setup.read"]);
    assert_eq!(claims.client_id, id);
}

#[tokio::test]
async fn success_responses_are_never_cached_and_each_token_is_unique() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("FRESH", &SCOPES).await;
    let (status, headers, body) = token_request(
        &app,
        Some((&id, &secret)),
        FORM,
        "grant_type=client_credentials&scope=setup.read+reservations.read",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[PRAGMA], "no-cache");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    // Catalog order, space-delimited.
    assert_eq!(body["scope"], "reservations.read setup.read");
    let again = token_for(&app, &id, &secret).await;
    assert_ne!(body["access_token"].as_str().unwrap(), again);
}

#[tokio::test]
async fn basic_credentials_are_form_decoded_as_rfc_6749_asks() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("ENC_ODED", &SCOPES).await;
    // "_" written as %5F: decoded before the id is compared.
    let encoded_id = id.replace('_', "%5F");
    let (status, _, body) = token_request(
        &app,
        Some((&encoded_id, &secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn each_token_error_has_its_rfc_6749_code_status_and_headers() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("ERRORS", &["setup.read"]).await;
    let good = Some((id.as_str(), secret.as_str()));
    let wrong_post =
        format!("grant_type=client_credentials&client_id={id}&client_secret=wrong{secret}");
    let both = format!("grant_type=client_credentials&client_secret={secret}");
    let wrong_secret = format!("x{secret}");

    /// (case, Basic credentials, content type, body, status, error code)
    type Case<'a> = (
        &'a str,
        Option<(&'a str, &'a str)>,
        &'a str,
        &'a str,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "JSON body",
            good,
            "application/json",
            r#"{"grant_type":"client_credentials"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "no content type",
            good,
            "text/plain",
            "grant_type=client_credentials",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "missing grant_type",
            good,
            FORM,
            "scope=setup.read",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "repeated grant_type",
            good,
            FORM,
            "grant_type=client_credentials&grant_type=client_credentials",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "repeated scope",
            good,
            FORM,
            "grant_type=client_credentials&scope=setup.read&scope=setup.read",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "both methods",
            good,
            FORM,
            &both,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        // RFC 6749 §5.2: "no client authentication included" is invalid_client, 401 with a challenge.
        (
            "no authentication",
            None,
            FORM,
            "grant_type=client_credentials",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "client_id without a secret",
            None,
            FORM,
            "grant_type=client_credentials&client_id=DEMO-SP-NOPE",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "client_secret without a client_id",
            None,
            FORM,
            "grant_type=client_credentials&client_secret=whatever",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "unknown client (Basic)",
            Some(("DEMO-SP-NOBODY", secret.as_str())),
            FORM,
            "grant_type=client_credentials",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "wrong secret (Basic)",
            Some((id.as_str(), wrong_secret.as_str())),
            FORM,
            "grant_type=client_credentials",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "wrong secret (post)",
            None,
            FORM,
            &wrong_post,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "authorization code grant from a custom app",
            good,
            FORM,
            "grant_type=authorization_code&code=x",
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            "password grant",
            good,
            FORM,
            "grant_type=password&username=a&password=b",
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "scope not granted",
            good,
            FORM,
            "grant_type=client_credentials&scope=setup.read+setup.manage",
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            "scope not in catalog",
            good,
            FORM,
            "grant_type=client_credentials&scope=openid",
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
    ];
    for (name, basic, content_type, body, status, error) in cases {
        let (got, headers, json) = token_request(&app, basic, content_type, body).await;
        assert_eq!(got, status, "{name}: {json}");
        assert_eq!(json["error"], error, "{name}");
        assert!(json["error_description"].is_string(), "{name}");
        assert_eq!(headers[CACHE_CONTROL], "no-store", "{name}");
        assert_eq!(
            headers.get(WWW_AUTHENTICATE).is_some(),
            status == StatusCode::UNAUTHORIZED,
            "{name}"
        );
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                headers[WWW_AUTHENTICATE]
                    .to_str()
                    .unwrap()
                    .starts_with("Basic")
            );
        }
    }
}

#[tokio::test]
async fn errors_never_tell_whether_the_client_id_exists() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("EXISTS", &["setup.read"]).await;
    // The last character changed (to one it is not: a secret ending in x would otherwise be right).
    let last = if secret.ends_with('x') { "y" } else { "x" };
    let wrong = format!("{}{last}", &secret[..secret.len() - 1]);
    let (s1, _, known) = token_request(
        &app,
        Some((&id, &wrong)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    let (s2, _, unknown) = token_request(
        &app,
        Some(("DEMO-SP-NOPE", &secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(known, unknown);
}

#[tokio::test]
async fn a_deleted_secret_gets_no_token_and_its_tokens_become_inactive() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("ROTATED", &SCOPES).await;
    let (other_id, other_secret) = app.register_app("OTHER", &SCOPES).await;
    let token = token_for(&app, &id, &secret).await;
    assert_eq!(
        introspect(&app, (&other_id, &other_secret), &token).await["active"],
        true
    );

    // As the dashboard's secret deletion will: the row goes, the app stays.
    frontdesk::on_db!(app.store.pool(), p => sqlx::query(
        "DELETE FROM app_secrets WHERE app_id = (SELECT id FROM apps WHERE client_id = $1)",
    )
    .bind(&id).execute(p).await.map(|_| ()))
    .unwrap();

    let (status, _, json) = token_request(
        &app,
        Some((&id, &secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert_eq!(
        introspect(&app, (&other_id, &other_secret), &token).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn a_deleted_app_gets_no_token_and_its_tokens_become_inactive() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("GONE", &SCOPES).await;
    let (other_id, other_secret) = app.register_app("WITNESS", &SCOPES).await;
    let token = token_for(&app, &id, &secret).await;
    frontdesk::on_db!(app.store.pool(), p => sqlx::query("DELETE FROM apps WHERE client_id = $1")
        .bind(&id).execute(p).await.map(|_| ()))
    .unwrap();
    let (status, _, _) = token_request(
        &app,
        Some((&id, &secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, (&other_id, &other_secret), &token).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn introspection_returns_the_claims_of_an_active_token() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("SUBJECT", &SCOPES).await;
    let (rs_id, rs_secret) = app.register_app("RESOURCE", &["setup.read"]).await;
    let token = token_for(&app, &id, &secret).await;

    let answer = introspect(&app, (&rs_id, &rs_secret), &token).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], id);
    assert_eq!(answer["sub"], id);
    assert_eq!(answer["scope"], SCOPES.join(" "));
    assert_eq!(answer["iss"], app.base);
    assert_eq!(answer["account_code"], "DEMO");
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer["exp"].as_i64().unwrap() > answer["iat"].as_i64().unwrap());
    assert!(answer["jti"].is_string());

    // client_secret_post works here too.
    let body = format!("token={token}&client_id={rs_id}&client_secret={rs_secret}");
    let (status, _, json) = post_raw(&app, "/connect/introspect", None, FORM, &body).await;
    assert_eq!(
        (status, json["active"].as_bool()),
        (StatusCode::OK, Some(true))
    );
}

#[tokio::test]
async fn expired_malformed_and_foreign_tokens_are_inactive() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("CALLER", &SCOPES).await;
    let token = token_for(&app, &id, &secret).await;
    let mut claims = verify_with_jwks(&app, &token).await;

    // Signed by our own key, but expired.
    claims.iat -= 7200;
    claims.nbf -= 7200;
    claims.exp = claims.iat + 3600;
    let expired = jwt::sign(
        app.identity.keys.current().signing(app.core.clock.now()),
        &claims,
    )
    .unwrap();
    // Signed by another frontdesk's key.
    let elsewhere = TestApp::spawn().await;
    let foreign_claims = AccessClaims {
        exp: claims.exp + 7200,
        ..claims.clone()
    };
    let foreign = jwt::sign(
        elsewhere
            .identity
            .keys
            .current()
            .signing(app.core.clock.now()),
        &foreign_claims,
    )
    .unwrap();
    // Our signature over changed claims.
    let mut parts: Vec<&str> = token.split('.').collect();
    let tampered_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&AccessClaims {
            scope: vec!["account.manage".into()],
            ..foreign_claims.clone()
        })
        .unwrap(),
    );
    parts[1] = &tampered_payload;
    let tampered = parts.join(".");

    for (name, t) in [
        ("expired", expired.as_str()),
        ("foreign", foreign.as_str()),
        ("tampered", tampered.as_str()),
        ("malformed", "not.a.jwt"),
        ("garbage", "%%%"),
    ] {
        assert_eq!(
            introspect(&app, (&id, &secret), t).await,
            json!({"active": false}),
            "{name}"
        );
    }
}

#[tokio::test]
async fn introspection_and_revocation_need_an_authenticated_app() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("GUARDED", &SCOPES).await;
    let token = token_for(&app, &id, &secret).await;
    for path in ["/connect/introspect", "/connect/revocation"] {
        let body = format!("token={token}");
        // No client authentication at all: invalid_client with a Basic challenge (RFC 6749 §5.2).
        let (status, headers, json) = post_raw(&app, path, None, FORM, &body).await;
        assert_eq!(
            (status, json["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{path}"
        );
        assert!(
            headers[WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Basic"),
            "{path}"
        );
        let (status, headers, json) = post_raw(&app, path, Some((&id, "wrong")), FORM, &body).await;
        assert_eq!(
            (status, json["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{path}"
        );
        assert!(headers.contains_key(WWW_AUTHENTICATE));
        let (status, _, json) = post_raw(&app, path, Some((&id, &secret)), FORM, "").await;
        assert_eq!(
            (status, json["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{path}: no token"
        );
    }
}

#[tokio::test]
async fn an_app_revokes_its_own_token_and_it_introspects_inactive() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("REVOKER", &SCOPES).await;
    let (other_id, other_secret) = app.register_app("BYSTANDER", &SCOPES).await;
    let token = token_for(&app, &id, &secret).await;
    let kept = token_for(&app, &id, &secret).await;
    let others = token_for(&app, &other_id, &other_secret).await;

    // Not its token: refused, and the token stays active.
    let (status, _, json) = post_raw(
        &app,
        "/connect/revocation",
        Some((&id, &secret)),
        FORM,
        &format!("token={others}"),
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
    assert_eq!(
        introspect(&app, (&id, &secret), &others).await["active"],
        true
    );

    let (status, headers, _) = post_raw(
        &app,
        "/connect/revocation",
        Some((&id, &secret)),
        FORM,
        &format!("token={token}&token_type_hint=access_token"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(
        introspect(&app, (&other_id, &other_secret), &token).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&app, (&other_id, &other_secret), &kept).await["active"],
        true
    );

    // Revoking again, or an unknown token, still answers 200.
    for t in [token.as_str(), "unknown-token"] {
        let (status, _, _) = post_raw(
            &app,
            "/connect/revocation",
            Some((&id, &secret)),
            FORM,
            &format!("token={t}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn key_rotation_publishes_the_new_key_before_it_signs_and_keeps_earlier_tokens_verifiable() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("ROTATE", &SCOPES).await;
    let before = token_for(&app, &id, &secret).await;
    let kid_of = |t: &str| jsonwebtoken::decode_header(t).unwrap().kid.unwrap();

    let activation = std::time::Duration::from_secs(300);
    let (new_kid, _) =
        frontdesk::signing::keys::rotate(&app.store, app.core.clock.now(), activation)
            .await
            .unwrap();
    app.identity
        .keys
        .reload_if_rotated(&app.store, app.core.clock.now())
        .await
        .unwrap();
    let jwks_url = format!("{}/.well-known/openid-configuration/jwks", app.base);
    let response = reqwest::get(&jwks_url).await.unwrap();
    // Cached no longer than keys take to activate.
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let published: Value = response.json().await.unwrap();
    assert!(published.to_string().contains(&new_kid));
    // Published, but not signing yet: tokens still carry the old kid until the activation time.
    let during = token_for(&app, &id, &secret).await;
    assert_eq!(kid_of(&during), kid_of(&before));
    app.core.clock.advance(time::Duration::seconds(299));
    assert_eq!(
        kid_of(&token_for(&app, &id, &secret).await),
        kid_of(&before)
    );
    app.core.clock.advance(time::Duration::seconds(2));

    let after = token_for(&app, &id, &secret).await;
    assert_eq!(kid_of(&after), new_kid);
    assert_ne!(kid_of(&before), new_kid);

    let jwks: Value = reqwest::get(&jwks_url).await.unwrap().json().await.unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&kid_of(&before).as_str()) && kids.contains(&new_kid.as_str()));
    for k in jwks["keys"].as_array().unwrap() {
        assert_eq!(
            (k["kty"].as_str(), k["alg"].as_str(), k["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
    }

    verify_with_jwks(&app, &before).await;
    verify_with_jwks(&app, &after).await;
    assert_eq!(
        introspect(&app, (&id, &secret), &before).await["active"],
        true
    );
}

#[tokio::test]
async fn retired_keys_drop_out_once_their_tokens_have_expired() {
    let app = TestApp::spawn().await;
    frontdesk::signing::keys::rotate(&app.store, app.core.clock.now(), Default::default())
        .await
        .unwrap();
    // Pretend the first key was retired two hours ago: every token it signed (1 h) has expired.
    frontdesk::on_db!(app.store.pool(), p => sqlx::query(
        "UPDATE signing_keys SET retired_at = '2000-01-01T00:00:00Z' WHERE retired_at IS NOT NULL",
    ).execute(p).await.map(|_| ()))
    .unwrap();
    app.identity
        .keys
        .reload(&app.store, app.core.clock.now())
        .await
        .unwrap();
    let jwks: Value = served_jwks(&app).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn discovery_documents_describe_the_endpoints() {
    let app = TestApp::spawn().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let doc: Value = reqwest::get(format!("{}{path}", app.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let base = &app.base;
        assert_eq!(doc["issuer"], *base, "{path}");
        assert_eq!(doc["token_endpoint"], format!("{base}/connect/token"));
        assert_eq!(
            doc["jwks_uri"],
            format!("{base}/.well-known/openid-configuration/jwks")
        );
        assert_eq!(
            doc["introspection_endpoint"],
            format!("{base}/connect/introspect")
        );
        assert_eq!(
            doc["revocation_endpoint"],
            format!("{base}/connect/revocation")
        );
        assert_eq!(
            doc["grant_types_supported"],
            json!(["authorization_code", "refresh_token", "client_credentials"])
        );
        for (field, path) in [
            ("authorization_endpoint", "/connect/authorize"),
            ("userinfo_endpoint", "/connect/userinfo"),
            ("end_session_endpoint", "/connect/endsession"),
        ] {
            assert_eq!(doc[field], format!("{base}{path}"), "{field}");
        }
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert_eq!(doc["response_modes_supported"], json!(["query"]));
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
        assert_eq!(doc["subject_types_supported"], json!(["public"]));
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        for field in [
            "token_endpoint_auth_methods_supported",
            "introspection_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_methods_supported",
        ] {
            assert_eq!(
                doc[field],
                json!(["client_secret_basic", "client_secret_post"]),
                "{field}"
            );
        }
        let claims = doc["claims_supported"].as_array().unwrap();
        for claim in [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "name",
            "email",
            "preferred_username",
            "account_code",
            "role",
        ] {
            assert!(claims.contains(&json!(claim)), "{claim}");
        }
        let scopes = doc["scopes_supported"].as_array().unwrap();
        assert_eq!(
            scopes.len(),
            frontdesk::domain::ScopeCatalog::builtin()
                .unwrap()
                .names()
                .count()
                + 3
        );
        for scope in ["folios.read", "openid", "profile", "offline_access"] {
            assert!(scopes.contains(&json!(scope)), "{scope}");
        }
    }
}

#[tokio::test]
async fn repeated_failures_are_limited_per_client_id_with_retry_after() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("TARGET", &SCOPES).await;
    // The app itself has obtained a token before the attack: its verified secret is cached.
    token_for(&app, &id, &secret).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, headers, _) = token_request(
            &app,
            Some((&id, "guess-guess-guess")),
            FORM,
            "grant_type=client_credentials",
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                headers[RETRY_AFTER]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    >= 1
            );
        }
        statuses.push(status);
    }
    assert!(
        statuses[..9].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
    // Guessing does not lock the real app out: its cached secret still works...
    token_for(&app, &id, &secret).await;
    // ...and other clients are not limited by this client's failures.
    let (other_id, other_secret) = app.register_app("UNHARMED", &SCOPES).await;
    token_for(&app, &other_id, &other_secret).await;
}

#[tokio::test]
async fn repeated_failures_are_limited_per_source_address() {
    let app = TestApp::spawn().await;
    let mut limited = false;
    // Different (unknown) client IDs from one address: only the address limit can apply.
    for i in 0..40 {
        let (status, _, json) = token_request(
            &app,
            Some((&format!("DEMO-SP-GUESS{i}"), "guess-guess-guess")),
            FORM,
            "grant_type=client_credentials",
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(json["error"], "temporarily_unavailable");
            limited = true;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(limited);
}

#[tokio::test]
async fn last_used_is_recorded_in_batches() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("USED", &SCOPES).await;
    token_for(&app, &id, &secret).await;
    token_for(&app, &id, &secret).await;
    let before: Option<String> = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT last_used_at FROM app_secrets").fetch_one(p).await)
        .unwrap();
    assert_eq!(before, None, "no write per request");
    app.identity
        .authenticator
        .flush_last_used(&app.store)
        .await
        .unwrap();
    let after: Option<String> = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT last_used_at FROM app_secrets").fetch_one(p).await)
        .unwrap();
    assert!(after.is_some());
}

#[tokio::test]
async fn the_credentials_page_shows_a_working_curl_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = admin.create_app(&app_form("CURLED")).await;
    let page = html(r).await;
    let secret = input_value(&page, "#client-secret").unwrap();
    let curl = text(&page, "#token-curl").unwrap();
    assert!(
        curl.contains(&format!("'{}/connect/token'", app.base)),
        "{curl}"
    );
    assert!(
        curl.contains(&format!("-u 'DEMO-SP-CURLED:{secret}'")),
        "{curl}"
    );
    assert!(curl.contains("-d grant_type=client_credentials"));
    // What that command sends, sent.
    let auth = format!(
        "Basic {}",
        STANDARD.encode(format!("DEMO-SP-CURLED:{secret}"))
    );
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .header("authorization", auth)
        .header("content-type", FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_burst_of_first_requests_from_a_real_client_is_never_refused() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.register_app("BURSTY", &SCOPES).await;
    // 30 concurrent requests before the secret was ever verified: they wait for one argon2 run
    // instead of each running one and using up the client's allowance.
    let requests = (0..30).map(|_| {
        token_request(
            &app,
            Some((&id, &secret)),
            FORM,
            "grant_type=client_credentials",
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}
