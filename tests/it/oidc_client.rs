//! The whole authorization-code flow as a third-party relying party runs it: the `openidconnect` crate
//! finds every endpoint through discovery, verifies the id_token against the JWKS (signature, issuer,
//! audience, nonce, at_hash), reads userinfo, refreshes with rotation, and sees reuse and Disconnect
//! end the family. The person's part (sign-in, consent) is a cookie-keeping client on the real pages.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenIntrospectionResponse,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IntrospectionUrl, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenIntrospectionResponse, TokenResponse,
};
use reqwest::StatusCode;

use crate::authorize::{decide, location, param};
use crate::helpers::{ADMIN_EMAIL, Person, TestApp, html, input_value};
use crate::store_apps::{post_store_app, store_form};

const CALLBACK: &str = "https://app.example.com/callback";

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        // The oauth2 crates ask for this: a token endpoint's redirect must never be followed.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A store app with `profile` too; returns (client ID, secret).
async fn register(app: &TestApp) -> (String, String) {
    let mut form = store_form("rp");
    form.push(("scopes", "profile"));
    let r = post_store_app(&app.admin().await, &form).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = html(r).await;
    (
        input_value(&page, "#client-id").unwrap(),
        input_value(&page, "#client-secret").unwrap(),
    )
}

/// The relying party's client, configured from discovery alone.
async fn client(app: &TestApp, id: &str, secret: &str) -> Client {
    let issuer = IssuerUrl::new(app.base.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http())
        .await
        .expect("discovery");
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(id.to_owned()),
        Some(ClientSecret::new(secret.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
    // Discovery's standard fields do not name the introspection endpoint (RFC 8414 does).
    .set_introspection_url(
        IntrospectionUrl::new(format!("{}/connect/introspect", app.base)).unwrap(),
    )
}

/// Sends `person` through the authorization URL the client built and returns the code, checking the
/// state came back.
async fn code_for(person: &Person, url: &url::Url, csrf: &CsrfToken) -> String {
    let path = &url.as_str()[person.base.len()..];
    let r = person.get(path).await;
    let back = if r.status() == StatusCode::OK {
        location(&decide(person, path, "authorize").await)
    } else {
        location(&r)
    };
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    param(&back, "code").expect("a code")
}

#[tokio::test]
async fn a_relying_party_signs_a_person_in_through_discovery_and_keeps_them_with_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (id, secret) = register(&app).await;
    let rp = client(&app, &id, &secret).await;
    let http = http();
    let admin = app.admin().await;

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("reservations.read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let code = code_for(&admin, &url, &csrf).await;

    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    // The id_token: signed by a key of the JWKS, for this client, with our nonce and the access
    // token's hash.
    let id_token = tokens.id_token().expect("an id_token");
    let id_verifier = rp.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("a valid id_token");
    assert_eq!(claims.issuer().as_str(), app.base);
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    assert!(claims.auth_time().is_some());
    let mut scopes: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.sort();
    assert_eq!(
        scopes,
        ["offline_access", "openid", "profile", "reservations.read"]
    );

    // userinfo: the same person.
    let info: CoreUserInfoClaims = rp
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(ADMIN_EMAIL));
    assert!(info.preferred_username().is_some());

    // Refresh with rotation: a new refresh token each time; the used one, shown again, ends the family.
    let first = tokens.refresh_token().unwrap().clone();
    let refreshed = rp
        .exchange_refresh_token(&first)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let second = refreshed.refresh_token().unwrap().clone();
    assert_ne!(first.secret(), second.secret());
    assert!(active(&rp, refreshed.access_token()).await);
    let reuse = rp
        .exchange_refresh_token(&first)
        .unwrap()
        .request_async(&http)
        .await;
    assert_invalid_grant(reuse);
    let after = rp
        .exchange_refresh_token(&second)
        .unwrap()
        .request_async(&http)
        .await;
    assert_invalid_grant(after);
    assert!(!active(&rp, refreshed.access_token()).await);
    assert!(!active(&rp, tokens.access_token()).await);
}

#[tokio::test]
async fn disconnect_ends_every_token_of_the_connection() {
    let app = TestApp::spawn().await;
    let (id, secret) = register(&app).await;
    let rp = client(&app, &id, &secret).await;
    let http = http();
    let admin = app.admin().await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, _) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let code = code_for(&admin, &url, &csrf).await;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    assert!(active(&rp, tokens.access_token()).await);

    let path = format!("/apps/connected-apps/{id}/disconnect");
    let r = admin.post_with_token(&path, &path, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert!(!active(&rp, tokens.access_token()).await);
    let refresh: &RefreshToken = tokens.refresh_token().unwrap();
    assert_invalid_grant(
        rp.exchange_refresh_token(refresh)
            .unwrap()
            .request_async(&http)
            .await,
    );
    let userinfo = rp
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async::<openidconnect::EmptyAdditionalClaims, _, openidconnect::core::CoreGenderClaim>(&http)
        .await;
    assert!(userinfo.is_err(), "userinfo after disconnect");
    // The next authorization asks for consent again.
    let (url, _, _) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(PkceCodeChallenge::new_random_sha256().0)
        .url();
    let r = admin.get(&url.as_str()[admin.base.len()..]).await;
    assert_eq!(r.status(), StatusCode::OK, "the consent page again");
}

/// Whether introspection (authenticated as the app itself) says the token is active.
async fn active(rp: &Client, token: &openidconnect::AccessToken) -> bool {
    let response: CoreTokenIntrospectionResponse = rp
        .introspect(token)
        .request_async(&http())
        .await
        .expect("introspection");
    response.active()
}

fn assert_invalid_grant<T: std::fmt::Debug>(
    result: Result<
        T,
        openidconnect::RequestTokenError<
            openidconnect::HttpClientError<openidconnect::reqwest::Error>,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
        >,
    >,
) {
    match result {
        Err(openidconnect::RequestTokenError::ServerResponse(e)) => assert_eq!(
            *e.error(),
            openidconnect::core::CoreErrorResponseType::InvalidGrant,
            "{e:?}"
        ),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}
