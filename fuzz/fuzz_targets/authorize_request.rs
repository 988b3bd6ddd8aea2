//! The authorization request (`GET /connect/authorize`): `Params::from_pairs` on an arbitrary query,
//! `client_id` and `check` against a store app with two redirect URIs (requiring PKCE when the input's
//! first byte is odd), and the refusal as the browser gets it. Whatever the input: a code is only ever
//! meant for a registered redirect URI with scopes the app holds; an error goes back only to a
//! registered redirect URI, with the request's own `state`; everything else is our error page.

#![no_main]

use std::sync::LazyLock;

use axum::http::header;
use frontdesk::domain::{AppKind, PiiMode, ScopeCatalog, StoreSettings};
use frontdesk::store::AppDetail;
use frontdesk::web::connect::{Params, Refusal, check, client_id};
use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<ScopeCatalog> =
    LazyLock::new(|| ScopeCatalog::builtin().expect("the built-in scope catalog loads"));

const CLIENT_ID: &str = "ACME-AC-HELPER";
const REGISTERED: [&str; 2] = ["https://app.example.com/cb", "http://localhost:3000/cb?x=1"];
const ISSUER: &str = "https://id.example.com";

fn app(require_pkce: bool) -> AppDetail {
    AppDetail {
        id: 1,
        client_id: CLIENT_ID.to_owned(),
        client_code: "HELPER".to_owned(),
        client_name: "Helper".to_owned(),
        pii_mode: PiiMode::DontRetrieve,
        scopes: ["reservations.read", "openid", "offline_access"]
            .map(String::from)
            .to_vec(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        created_by: None,
        secrets: Vec::new(),
        kind: AppKind::Store,
        store: Some(StoreSettings {
            logo_url: None,
            redirect_uris: REGISTERED.map(String::from).to_vec(),
            post_logout_redirect_uris: Vec::new(),
            require_pkce,
        }),
        suspended_at: None,
        tokens_not_before: None,
        token_lifetime_seconds: None,
        allowed_addresses: String::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let require_pkce = data.first().is_some_and(|b| b % 2 == 1);
    let Ok(pairs) = frontdesk::http::urlencoded::decode(data.get(1..).unwrap_or_default()) else {
        return;
    };
    let params = Params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let refusal = match client_id(&params) {
        Err(refusal) => refusal,
        Ok(id) => {
            let app = (id == CLIENT_ID).then(|| app(require_pkce));
            match check(&params, app, &CATALOG) {
                Ok((app, checked)) => {
                    assert!(REGISTERED.contains(&checked.redirect_uri.as_str()));
                    assert!(!checked.scopes.is_empty());
                    assert!(checked.scopes.iter().all(|s| app.scopes.contains(s)));
                    let mut unique = checked.scopes.clone();
                    unique.dedup();
                    assert_eq!(unique, checked.scopes, "scopes are listed once each");
                    assert_eq!(params.get("response_type"), Some("code"));
                    if let Some(challenge) = &checked.code_challenge {
                        assert_eq!(challenge.len(), 43);
                        assert_eq!(params.get("code_challenge_method"), Some("S256"));
                    } else {
                        assert!(!require_pkce, "PKCE is required");
                    }
                    assert_eq!(checked.state.as_deref(), params.get("state"));
                    return;
                }
                Err(refusal) => refusal,
            }
        }
    };
    match &refusal {
        Refusal::Page { error, description } => {
            assert!(
                ["unauthorized_client", "invalid_request"].contains(error),
                "{error}"
            );
            assert!(!description.is_empty());
        }
        Refusal::Redirect {
            redirect_uri,
            error,
            state,
            ..
        } => {
            assert!(
                REGISTERED.contains(&redirect_uri.as_str()),
                "{redirect_uri}"
            );
            assert!(params.get("client_id") == Some(CLIENT_ID));
            if let Some(state) = state {
                assert_eq!(Some(state.as_str()), params.get("state"));
                assert!(state.chars().count() <= 1024);
            }
            assert!(
                [
                    "invalid_request",
                    "unsupported_response_type",
                    "invalid_scope",
                    "request_not_supported",
                    "request_uri_not_supported",
                ]
                .contains(error),
                "{error}"
            );
        }
    }
    // As the browser gets it: a redirect goes to the registered URI (its own query kept) with the
    // error and the state, and nothing the request sent can add a parameter or change where it goes.
    let expected = refusal.clone();
    let response = refusal.respond(ISSUER);
    let location = response.headers().get(header::LOCATION);
    match expected {
        Refusal::Page { .. } => assert!(location.is_none()),
        Refusal::Redirect {
            redirect_uri,
            error,
            state,
            ..
        } => {
            let location = location.expect("a redirect").to_str().expect("ASCII");
            let (base, query) = redirect_uri.split_once('?').unwrap_or((&redirect_uri, ""));
            let rest = location.strip_prefix(base).expect("the registered URI");
            let query_got: Vec<(String, String)> =
                form_urlencoded::parse(rest.strip_prefix('?').expect("a query").as_bytes())
                    .into_owned()
                    .collect();
            let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(query_got[..kept.len()], kept[..]);
            let value = |name: &str| {
                query_got
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(value("error"), [error.to_owned()]);
            assert_eq!(value("state"), state.into_iter().collect::<Vec<_>>());
            assert_eq!(value("iss"), [ISSUER.to_owned()]);
            assert!(value("code").is_empty());
        }
    }
});
