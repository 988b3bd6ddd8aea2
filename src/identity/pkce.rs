//! PKCE at the code exchange (RFC 7636 §4.6): the verifier the client sends must hash to the
//! challenge the authorization request stored. Only S256 is accepted anywhere, so there is one method.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// Why a code exchange fails PKCE; each is `invalid_grant` with its own description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceFailure {
    /// The code was issued with a challenge and no verifier came.
    VerifierMissing,
    /// Not 43–128 characters of `[A-Za-z0-9-._~]` (§4.1).
    VerifierMalformed,
    /// A well-formed verifier that does not hash to the challenge.
    Mismatch,
    /// A verifier for a code issued without a challenge: RFC 9700 §2.1.1 asks to refuse it, or an
    /// attacker who injected a code without PKCE could pass a victim's verifier along.
    VerifierWithoutChallenge,
}

impl PkceFailure {
    pub fn description(self) -> &'static str {
        match self {
            Self::VerifierMissing => {
                "code_verifier is required: the code was issued with a code_challenge"
            }
            Self::VerifierMalformed => {
                "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'"
            }
            Self::Mismatch => "code_verifier does not match the code_challenge",
            Self::VerifierWithoutChallenge => {
                "code_verifier was sent but the code was issued without a code_challenge"
            }
        }
    }
}

/// Whether `verifier` has the shape RFC 7636 §4.1 gives it.
fn well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// BASE64URL(SHA256(verifier)), the S256 transformation.
pub fn s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Checks the exchange's `code_verifier` against the code's stored `challenge`.
pub fn check(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), PkceFailure> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceFailure::VerifierWithoutChallenge),
        (Some(_), None) => Err(PkceFailure::VerifierMissing),
        (Some(_), Some(v)) if !well_formed(v) => Err(PkceFailure::VerifierMalformed),
        (Some(challenge), Some(v)) => {
            // Constant time: the challenge is not secret, but nothing here should teach a guesser
            // how many leading characters of its hash were right.
            let equal = s256(v).as_bytes().ct_eq(challenge.as_bytes());
            if bool::from(equal) {
                Ok(())
            } else {
                Err(PkceFailure::Mismatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_example_verifies() {
        assert_eq!(s256(VERIFIER), CHALLENGE);
        assert_eq!(check(Some(CHALLENGE), Some(VERIFIER)), Ok(()));
    }

    #[test]
    fn every_failure_has_its_reason() {
        assert_eq!(check(None, None), Ok(()));
        assert_eq!(
            check(None, Some(VERIFIER)),
            Err(PkceFailure::VerifierWithoutChallenge)
        );
        assert_eq!(
            check(Some(CHALLENGE), None),
            Err(PkceFailure::VerifierMissing)
        );
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
        assert_eq!(
            check(Some(CHALLENGE), Some(other)),
            Err(PkceFailure::Mismatch)
        );
        for bad in [
            &VERIFIER[..42],
            &"a".repeat(129),
            "dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "dBjftJeZ4CVP mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "dBjftJeZ4CVPémJ0DxRnrRGEZjoqk4eMVZwJ4dGJ-2",
        ] {
            assert_eq!(
                check(Some(CHALLENGE), Some(bad)),
                Err(PkceFailure::VerifierMalformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(Some(&s256(&"~".repeat(128))), Some(&"~".repeat(128))),
            Ok(())
        );
        assert_eq!(
            check(Some(&s256(&"a".repeat(43))), Some(&"a".repeat(43))),
            Ok(())
        );
    }
}
