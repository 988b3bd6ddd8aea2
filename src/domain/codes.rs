//! Account codes, client codes and the client IDs made from them.

use std::fmt;

/// The tenant's code, e.g. `DEMO` or `KNXY`: 2 to 10 upper-case ASCII letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCode(String);

impl AccountCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = (2..=10).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "must be 2 to 10 upper-case letters or digits, got {raw:?}"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The app's unique key within the account, stored upper-case: letters, digits and underscore, at most 32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCode(String);

impl ClientCode {
    pub const MAX_LEN: usize = 32;

    /// Parses what a person typed; the message is meant to be shown next to the field.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("Enter a client code");
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err("Use only letters, digits and underscores (_)");
        }
        if raw.len() > Self::MAX_LEN {
            return Err("Use at most 32 characters");
        }
        Ok(Self(raw.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a program sends as `client_id`: `{ACCOUNT_CODE}-SP-{CLIENT_CODE}` for custom (client-credentials) apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn custom_app(account: &AccountCode, code: &ClientCode) -> Self {
        Self(format!("{}-SP-{}", account.as_str(), code.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_codes_are_short_upper_case_words() {
        assert!(AccountCode::parse("DEMO").is_ok());
        assert!(AccountCode::parse("KNXY2").is_ok());
        for bad in ["", "D", "demo", "TOOLONGCODE1", "DE-MO", "DÉMO"] {
            assert!(AccountCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn client_codes_are_trimmed_and_upper_cased() {
        assert_eq!(
            ClientCode::parse("  my_app2 ").map(|c| c.0),
            Ok("MY_APP2".into())
        );
    }

    #[test]
    fn client_codes_reject_empty_foreign_and_long_input() {
        assert_eq!(ClientCode::parse("   "), Err("Enter a client code"));
        assert!(ClientCode::parse("MY-APP").is_err());
        assert!(ClientCode::parse("ÄPP").is_err());
        assert!(ClientCode::parse("A\0B").is_err());
        assert!(ClientCode::parse(&"A".repeat(32)).is_ok());
        assert_eq!(
            ClientCode::parse(&"A".repeat(33)),
            Err("Use at most 32 characters")
        );
    }

    #[test]
    fn client_ids_follow_the_custom_app_pattern() {
        let account = AccountCode::parse("KNXY").unwrap();
        let code = ClientCode::parse("voicehive").unwrap();
        assert_eq!(
            ClientId::custom_app(&account, &code).as_str(),
            "KNXY-SP-VOICEHIVE"
        );
    }
}
