//! Access tokens: RS256 JWTs, signed directly with the parsed aws-lc-rs key (constant-time RSA; parsing
//! the key once instead of per token is what makes the token endpoint fast) and verified with jsonwebtoken.

use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use super::keys::{KeySet, SigningKey};

/// The claims of an access token, in the shape the hosted service uses (`scope` as a JSON array).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub client_id: String,
    pub aud: Vec<String>,
    pub scope: Vec<String>,
    pub account_code: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// Signs `claims` as a compact JWS.
pub fn sign(key: &SigningKey, claims: &AccessClaims) -> anyhow::Result<String> {
    let header = serde_json::to_vec(&Header {
        alg: "RS256",
        // RFC 9068: a JWT access token.
        typ: "at+jwt",
        kid: &key.kid,
    })?;
    let payload = serde_json::to_vec(claims)?;
    let mut token = String::with_capacity(800);
    URL_SAFE_NO_PAD.encode_string(&header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let mut signature = vec![0; key.pair.public_modulus_len()];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &key.rng,
            token.as_bytes(),
            &mut signature,
        )
        .map_err(|e| anyhow::anyhow!("signing a token: {e}"))?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
    Ok(token)
}

/// The claims of `token` if one of the published keys signed it, it names `issuer`, and it is within
/// its validity period at `now` (Unix seconds, from the server's `Clock`, as when it was signed).
/// Anything else (malformed, foreign, expired, not yet valid) is `None`.
pub fn verify(keys: &KeySet, token: &str, issuer: &str, now: i64) -> Option<AccessClaims> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    let key = keys.find(header.kid.as_deref()?)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    // Checked below against `now`, not the library's reading of the system clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
        .ok()?
        .claims;
    (claims.nbf <= now && now < claims.exp).then_some(claims)
}
