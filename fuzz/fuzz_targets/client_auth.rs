//! Client authentication: `Params::from_form` and `client_auth::credentials` on an arbitrary
//! Authorization header, Content-Type and body (the input format is described in `src/lib.rs`); and
//! the code exchange's `code_verifier` through `pkce::check`.

#![no_main]

use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use frontdesk::identity::OAuthError;
use frontdesk::identity::client_auth::credentials;
use frontdesk::identity::params::Params;
use frontdesk::identity::pkce;
use frontdesk_fuzz::{form_decode_lossy, form_request, is_form};
use libfuzzer_sys::fuzz_target;

/// The parameters the identity endpoints read.
const NAMES: [&str; 11] = [
    "grant_type",
    "scope",
    "client_id",
    "client_secret",
    "token",
    "token_type_hint",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "access_token",
];

/// A verifier passes against its own S256 challenge exactly when it has RFC 7636's shape, and never
/// against another challenge or none.
fn verifier_checks(verifier: &str) {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let own = pkce::s256(verifier);
    assert_eq!(
        pkce::check(Some(&own), Some(verifier)).is_ok(),
        well_formed,
        "{verifier:?}"
    );
    assert!(pkce::check(None, Some(verifier)).is_err());
    let other = pkce::s256(&format!("{verifier}x"));
    assert!(pkce::check(Some(&other), Some(verifier)).is_err());
}

fn is_invalid_request(e: &OAuthError) -> bool {
    matches!(e, OAuthError::InvalidRequest(why) if !why.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let Some((headers, body)) = form_request(data) else {
        return;
    };
    let params = match Params::from_form(&headers, body) {
        Ok(params) => params,
        Err(e) => {
            assert!(is_invalid_request(&e), "{e:?}");
            return;
        }
    };
    assert!(is_form(&headers), "a body that is not a form was read");
    // What frontdesk read agrees with the WHATWG parser (lossy, but equal once strict decoding passed):
    // a parameter sent more than once is refused, and an empty value is the same as none.
    let whatwg: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for name in NAMES {
        let values: Vec<&str> = whatwg
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        match (params.single(name), values.as_slice()) {
            (Ok(None), [] | [""]) => {}
            (Ok(Some(value)), [only]) => assert_eq!(value, *only),
            (Err(e), [_, _, ..]) => assert!(is_invalid_request(&e), "{e:?}"),
            (read, _) => panic!("{name}: frontdesk read {read:?}, the form holds {values:?}"),
        }
    }

    if let Ok(Some(verifier)) = params.single("code_verifier") {
        verifier_checks(verifier);
    }

    let authorization = headers.get(header::AUTHORIZATION);
    match credentials(&headers, &params) {
        Ok(c) if c.basic => {
            // The header is `Basic base64(id:secret)` and id and secret are its form-decoded halves.
            let value = authorization.and_then(|v| v.to_str().ok()).unwrap();
            let (scheme, encoded) = value.split_once(' ').unwrap();
            assert!(scheme.eq_ignore_ascii_case("basic"), "{value:?}");
            let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).unwrap()).unwrap();
            let (id, secret) = decoded.split_once(':').unwrap();
            assert_eq!(c.client_id, form_decode_lossy(id), "{decoded:?}");
            assert_eq!(c.secret.expose(), form_decode_lossy(secret), "{decoded:?}");
            // Only one method, and a client_id in the body must name the same client.
            assert_eq!(params.single("client_secret").unwrap(), None);
            if let Some(body_id) = params.single("client_id").unwrap() {
                assert_eq!(body_id, c.client_id);
            }
            assert!(c.secret.expose().starts_with(c.secret.lookup_id()));
        }
        Ok(c) => {
            assert!(authorization.is_none());
            assert_eq!(params.single("client_id").unwrap(), Some(&*c.client_id));
            assert_eq!(
                params.single("client_secret").unwrap(),
                Some(c.secret.expose())
            );
            assert!(c.secret.expose().starts_with(c.secret.lookup_id()));
        }
        // Only a Basic header that cannot be read is an authentication failure here.
        Err(OAuthError::InvalidClient { basic }) => assert!(basic && authorization.is_some()),
        // No client authentication at all (RFC 6749 §5.2): no Authorization header, and not both
        // client_id and client_secret in the body.
        Err(OAuthError::NoClientAuthentication) => {
            assert!(authorization.is_none());
            assert!(
                params.single("client_id").unwrap().is_none()
                    || params.single("client_secret").unwrap().is_none()
            );
        }
        Err(e) => assert!(is_invalid_request(&e), "{e:?}"),
    }
});
