//! What the introspection and revocation endpoints read: the request (`parse_token_request`) and the
//! token in it (`jwt::verify`, with a real key set made once). The first byte of the input picks a mode:
//!
//! - `F`: the rest is a request (format in `src/lib.rs`); its token is then verified.
//! - `S`: a token signed with our key, for claims drawn from the input, then mutated: the valid one must
//!   verify to its claims, an expired, premature or foreign one must not, and no mutation may verify.
//! - `H`: `header JSON \n payload JSON \n signature`, each base64url-encoded into a token; `$KID` in the
//!   header becomes our key's id, so verification gets past the key lookup.
//! - anything else: the rest is the token, verbatim.

#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontdesk::identity::KeyRing;
use frontdesk::identity::OAuthError;
use frontdesk::identity::introspect::parse_token_request;
use frontdesk::signing::jwt::{self, AccessClaims};
use frontdesk::signing::keys::KeySet;
use frontdesk::store::Store;
use frontdesk_fuzz::{form_request, split_line};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://frontdesk.example";

/// Tokens whose `nbf` or `exp` is this close to now may go either way.
const MARGIN: i64 = 30;

/// A key set as the server loads it: the first key generated into a fresh database. Generating an RSA
/// key takes a while, so once per process.
static KEYS: LazyLock<Arc<KeySet>> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let store = Store::open("sqlite::memory:")
            .await
            .expect("an in-memory database");
        let ring = KeyRing::load(
            &store,
            Duration::from_secs(3600),
            frontdesk::clock::Clock::default().now(),
        )
        .await
        .expect("a signing key");
        store.pool().close().await;
        ring.current()
    })
});

/// The one key of the in-memory database, which signs from its creation.
fn signing() -> &'static frontdesk::signing::keys::SigningKey {
    KEYS.signing(frontdesk::clock::Clock::default().now())
}

fn now() -> i64 {
    frontdesk::clock::Clock::default().now().unix_timestamp()
}

fn never_verifies(token: &str) {
    assert!(
        jwt::verify(&KEYS, token, ISSUER, now()).is_none(),
        "{token:?} verified"
    );
}

fn request(data: &[u8]) {
    let Some((headers, body)) = form_request(data) else {
        return;
    };
    match parse_token_request(&headers, body) {
        Ok(request) => {
            assert!(!request.credentials.client_id.is_empty() || request.credentials.basic);
            if let Some(token) = request.token {
                assert!(!token.is_empty(), "an empty token is no token");
                never_verifies(&token);
            }
        }
        Err(OAuthError::InvalidRequest(why)) => assert!(!why.is_empty()),
        Err(OAuthError::InvalidClient { basic }) => assert!(basic),
        Err(OAuthError::NoClientAuthentication) => {
            assert!(!headers.contains_key(axum::http::header::AUTHORIZATION));
        }
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fn signed(data: &[u8]) {
    let [flags, nbf_hi, nbf_lo, exp_hi, exp_lo, rest @ ..] = data else {
        return;
    };
    let nbf_offset = i64::from(i16::from_be_bytes([*nbf_hi, *nbf_lo]));
    let exp_offset = i64::from(i16::from_be_bytes([*exp_hi, *exp_lo]));
    let (subject, mutations) = split_line(rest);
    let subject = String::from_utf8_lossy(subject).into_owned();
    let foreign = flags & 1 == 1;
    let now = now();
    let claims = AccessClaims {
        iss: if foreign {
            format!("{ISSUER}/other")
        } else {
            ISSUER.to_owned()
        },
        sub: subject.clone(),
        client_id: subject,
        aud: vec!["frontdesk".to_owned()],
        scope: vec!["setup.read".to_owned()],
        account_code: "DEMO".to_owned(),
        iat: now,
        nbf: now + nbf_offset,
        exp: now + exp_offset,
        jti: "1f.0123456789abcdef0123456789abcdef".to_owned(),
    };
    let token = jwt::sign(signing(), &claims).expect("signing works");
    let verified = jwt::verify(&KEYS, &token, ISSUER, now);
    if !foreign && nbf_offset <= -MARGIN && exp_offset >= MARGIN {
        assert_eq!(
            verified.as_ref(),
            Some(&claims),
            "a valid token was refused"
        );
    }
    if foreign || nbf_offset >= MARGIN || exp_offset <= -MARGIN {
        assert!(verified.is_none(), "{claims:?} verified");
    }
    assert!(jwt::verify(&KEYS, &token, "https://elsewhere.example", now).is_none());

    // Each mutation: an operation byte and a position; whatever comes of them must not verify.
    const ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let mut mutated = token.clone().into_bytes();
    for m in mutations.chunks_exact(3) {
        let at = usize::from(u16::from_be_bytes([m[1], m[2]])) % (mutated.len() + 1);
        let c = ALPHABET[usize::from(m[0] >> 2) % ALPHABET.len()];
        match m[0] & 3 {
            0 if at < mutated.len() => mutated[at] = c,
            1 if at < mutated.len() => {
                mutated.remove(at);
            }
            2 => mutated.insert(at, c),
            _ => mutated.truncate(at),
        }
    }
    let mutated = String::from_utf8(mutated).expect("ASCII stays ASCII");
    if mutated != token {
        never_verifies(&mutated);
    }
}

fn crafted(data: &[u8]) {
    let (header, rest) = split_line(data);
    let (payload, signature) = split_line(rest);
    let header = String::from_utf8_lossy(header).replace("$KID", &signing().kid);
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    );
    never_verifies(&token);
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((b'F', rest)) => request(rest),
        Some((b'S', rest)) => signed(rest),
        Some((b'H', rest)) => crafted(rest),
        Some((_, rest)) => never_verifies(&String::from_utf8_lossy(rest)),
        None => {}
    }
});
