//! Access tokens and id_tokens: RS256 JWTs, signed directly with the parsed aws-lc-rs key (constant-time RSA; parsing
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

/// The claims of an OpenID Connect id_token (Core §2), with the hosted service's `account_code`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    /// The client ID.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `at_hash` of the access token issued with it.
    pub at_hash: String,
    pub account_code: String,
    /// With `profile`: the email, as the hosted service puts it in `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// With `profile`: the display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

/// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

/// The `typ` header of access tokens (RFC 9068); id_tokens say `JWT`.
const ACCESS_TOKEN_TYP: &str = "at+jwt";
const ID_TOKEN_TYP: &str = "JWT";

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// Signs access token `claims` as a compact JWS.
pub fn sign(key: &SigningKey, claims: &AccessClaims) -> anyhow::Result<String> {
    sign_as(key, ACCESS_TOKEN_TYP, claims)
}

/// Signs id_token `claims` as a compact JWS.
pub fn sign_id_token(key: &SigningKey, claims: &IdClaims) -> anyhow::Result<String> {
    sign_as(key, ID_TOKEN_TYP, claims)
}

fn sign_as(key: &SigningKey, typ: &'static str, claims: &impl Serialize) -> anyhow::Result<String> {
    let header = serde_json::to_vec(&Header {
        alg: "RS256",
        typ,
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

/// Decodes `token` as a JWT of type `typ` with claims `C`, if one of the published keys signed it and it
/// names `issuer` and carries `required`. Times are not checked here: the callers decide against the
/// server's `Clock`, not the library's reading of the system clock.
fn decode<C: serde::de::DeserializeOwned>(
    keys: &KeySet,
    token: &str,
    typ: &str,
    issuer: &str,
    required: &[&str],
) -> Option<C> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    // Access tokens and id_tokens are signed by the same keys: neither passes for the other.
    (header.typ.as_deref() == Some(typ)).then_some(())?;
    let key = keys.find(header.kid.as_deref()?)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    validation.set_required_spec_claims(required);
    jsonwebtoken::decode::<C>(token, &key.decoding, &validation)
        .ok()
        .map(|data| data.claims)
}

/// The claims of `token` if one of the published keys signed it, it names `issuer`, and it is within
/// its validity period at `now` (Unix seconds, from the server's `Clock`, as when it was signed).
/// Anything else (malformed, foreign, expired, not yet valid) is `None`.
pub fn verify(keys: &KeySet, token: &str, issuer: &str, now: i64) -> Option<AccessClaims> {
    let required = ["exp", "nbf", "iss", "sub"];
    let claims: AccessClaims = decode(keys, token, ACCESS_TOKEN_TYP, issuer, &required)?;
    (claims.nbf <= now && now < claims.exp).then_some(claims)
}

/// The claims of an id_token this server issued (signature and issuer checked, expiry not: OpenID
/// Connect RP-Initiated Logout accepts an expired `id_token_hint`). Anything else is `None`.
pub fn verify_id_token_hint(keys: &KeySet, token: &str, issuer: &str) -> Option<IdClaims> {
    decode(keys, token, ID_TOKEN_TYP, issuer, &["iss", "sub", "aud"])
}

/// Whether `token` names a `kid` that is not among `keys`: signed by a key another instance has just
/// started with, before this one reloaded its keys (the callers then reload once and verify again).
pub fn unknown_kid(keys: &KeySet, token: &str) -> bool {
    jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|header| header.kid)
        .is_some_and(|kid| keys.find(&kid).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_sha256_in_base64url() {
        // The example of OpenID Connect Core, Appendix A.3.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
