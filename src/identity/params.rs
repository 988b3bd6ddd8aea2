//! Reading `application/x-www-form-urlencoded` bodies the way RFC 6749 asks: each parameter at most once,
//! an empty value the same as an absent one (§3.1).

use axum::http::{HeaderMap, header};

use super::error::OAuthError;

pub struct Params(Vec<(String, String)>);

/// Whether the request says its body is `application/x-www-form-urlencoded`.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

impl Params {
    /// Parses the body; anything but a form body is `invalid_request`.
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        if !is_form(headers) {
            return Err(OAuthError::InvalidRequest(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        crate::http::urlencoded::decode(body)
            .map(Self)
            .map_err(|_| OAuthError::InvalidRequest("the body is not valid UTF-8"))
    }

    /// The parameter's value; `invalid_request` when it is repeated.
    pub fn single(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut values = self.0.iter().filter(|(k, v)| k == name && !v.is_empty());
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() || self.0.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(OAuthError::InvalidRequest(match name {
                "grant_type" => "grant_type is repeated",
                "scope" => "scope is repeated",
                "client_id" => "client_id is repeated",
                "client_secret" => "client_secret is repeated",
                "token" => "token is repeated",
                "code" => "code is repeated",
                "redirect_uri" => "redirect_uri is repeated",
                "code_verifier" => "code_verifier is repeated",
                "refresh_token" => "refresh_token is repeated",
                "access_token" => "access_token is repeated",
                _ => "a parameter is repeated",
            }));
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8"
                .parse()
                .unwrap(),
        );
        h
    }

    #[test]
    fn reads_single_values_and_treats_empty_as_absent() {
        let p =
            Params::from_form(&form(), b"grant_type=client_credentials&scope=&x=a+b%21").unwrap();
        assert_eq!(p.single("grant_type").unwrap(), Some("client_credentials"));
        assert_eq!(p.single("scope").unwrap(), None);
        assert_eq!(p.single("x").unwrap(), Some("a b!"));
        assert_eq!(p.single("missing").unwrap(), None);
    }

    #[test]
    fn refuses_repeats_other_content_types_and_bad_utf8() {
        let p = Params::from_form(&form(), b"scope=a&scope=b").unwrap();
        assert!(p.single("scope").is_err());
        let p = Params::from_form(&form(), b"scope=a&scope=").unwrap();
        assert!(p.single("scope").is_err());
        assert!(Params::from_form(&HeaderMap::new(), b"a=b").is_err());
        assert!(Params::from_form(&form(), b"a=\xff").is_err());
        assert!(Params::from_form(&form(), b"client_secret=%FF").is_err());
    }
}
