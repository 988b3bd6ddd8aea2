//! Access tokens' ids (`jti`) say where each token came from, so introspection can tell whether that
//! source still stands: `{secret_id:x}.{random}` for a custom app's secret (deleting the secret
//! deactivates it), `g{grant_id:x}.{random}` for a person's grant (revoking the grant does).

use rand::Rng;

/// 128 random bits, so no two tokens share an id.
fn random() -> u128 {
    rand::thread_rng().r#gen()
}

/// The id of a token obtained with secret `secret_id` (client credentials).
pub fn for_secret(secret_id: i64) -> String {
    format!("{secret_id:x}.{:032x}", random())
}

/// The id of a token issued from grant `grant_id` (authorization code or refresh).
pub fn for_grant(grant_id: i64) -> String {
    format!("g{grant_id:x}.{:032x}", random())
}

/// `id` in lowercase hex (no sign: `from_str_radix` alone would read `+1f` and `-1f`).
fn hex_id(id: &str) -> Option<i64> {
    id.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        .then_some(())?;
    i64::from_str_radix(id, 16).ok()
}

fn split(jti: &str) -> Option<&str> {
    let (id, random) = jti.split_once('.')?;
    (random.len() == 32).then_some(id)
}

/// The secret id a client-credentials `jti` names; `None` for a grant's token or anything else.
pub fn secret_id_of(jti: &str) -> Option<i64> {
    hex_id(split(jti)?)
}

/// The grant id a person's token's `jti` names; `None` for a secret's token or anything else.
pub fn grant_id_of(jti: &str) -> Option<i64> {
    hex_id(split(jti)?.strip_prefix('g')?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jtis_name_their_secret_or_their_grant_never_both() {
        let jti = for_secret(42);
        assert_eq!(secret_id_of(&jti), Some(42));
        assert_eq!(grant_id_of(&jti), None);
        assert_ne!(for_secret(42), jti);
        let jti = for_grant(42);
        assert!(jti.starts_with("g2a."), "{jti}");
        assert_eq!(grant_id_of(&jti), Some(42));
        assert_eq!(secret_id_of(&jti), None);
        for nonsense in [
            "nonsense",
            "2a.short",
            "g2a.short",
            "+2a.0123456789abcdef0123456789abcdef",
            "g-2a.0123456789abcdef0123456789abcdef",
            "gg2a.0123456789abcdef0123456789abcdef",
            ".0123456789abcdef0123456789abcdef",
            "g.0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(
                (secret_id_of(nonsense), grant_id_of(nonsense)),
                (None, None),
                "{nonsense}"
            );
        }
    }
}
