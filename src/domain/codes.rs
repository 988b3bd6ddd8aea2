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

/// Which OAuth flow an app uses: custom apps the client-credentials grant, store apps the authorization
/// code. Stored in `apps.kind` as `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    #[default]
    Custom,
    Store,
}

impl AppKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Custom => "custom",
            Self::Store => "store",
        }
    }

    /// The stored text back. The schema allows only the two; were anything else read, it would be
    /// treated as a store app, the kind the client-credentials grant refuses (failing closed).
    pub fn from_stored(s: &str) -> Self {
        if s == "custom" {
            Self::Custom
        } else {
            Self::Store
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Custom => "Custom app (client credentials)",
            Self::Store => "Store app (authorization code)",
        }
    }
}

/// What a program sends as `client_id`: `{ACCOUNT_CODE}-SP-{CLIENT_CODE}` for custom (client-credentials)
/// apps, `{ACCOUNT_CODE}-AC-{CLIENT_CODE}` for store (authorization-code) apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn custom_app(account: &AccountCode, code: &ClientCode) -> Self {
        Self::of(AppKind::Custom, account, code)
    }

    pub fn of(kind: AppKind, account: &AccountCode, code: &ClientCode) -> Self {
        let infix = match kind {
            AppKind::Custom => "SP",
            AppKind::Store => "AC",
        };
        Self(format!("{}-{infix}-{}", account.as_str(), code.as_str()))
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
    fn store_app_client_ids_say_ac() {
        let account = AccountCode::parse("SDXE").unwrap();
        let code = ClientCode::parse("myapp").unwrap();
        assert_eq!(
            ClientId::of(AppKind::Store, &account, &code).as_str(),
            "SDXE-AC-MYAPP"
        );
        assert_eq!(AppKind::from_stored("store"), AppKind::Store);
        assert_eq!(AppKind::from_stored("custom"), AppKind::Custom);
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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// What parses is stored upper-case and parses again to itself.
        #[test]
        fn client_codes_round_trip(raw in "[A-Za-z0-9_]{1,32}") {
            let code = ClientCode::parse(&raw).unwrap();
            prop_assert_eq!(code.as_str(), raw.to_ascii_uppercase());
            prop_assert_eq!(ClientCode::parse(code.as_str()).unwrap(), code);
        }

        /// Anything with a character outside [A-Za-z0-9_] (after trimming) is refused with a message.
        #[test]
        fn client_codes_refuse_foreign_characters(
            prefix in "[A-Za-z0-9_]{0,10}",
            bad in "[^A-Za-z0-9_\\s]",
            suffix in "[A-Za-z0-9_]{0,10}",
        ) {
            let raw = format!("{prefix}{bad}{suffix}");
            prop_assert!(ClientCode::parse(&raw).is_err());
        }

        #[test]
        fn client_codes_refuse_more_than_32_characters(raw in "[A-Z0-9_]{33,64}") {
            prop_assert_eq!(ClientCode::parse(&raw), Err("Use at most 32 characters"));
        }

        /// The client ID is always ACCOUNT-SP-CODE and carries both parts unchanged.
        #[test]
        fn client_ids_are_account_sp_code(account in "[A-Z0-9]{2,10}", code in "[A-Z0-9_]{1,32}") {
            let a = AccountCode::parse(&account).unwrap();
            let c = ClientCode::parse(&code).unwrap();
            let id = ClientId::custom_app(&a, &c);
            prop_assert_eq!(id.as_str(), format!("{account}-SP-{code}"));
        }

        #[test]
        fn account_codes_refuse_lower_case(raw in "[a-z][a-z0-9]{1,9}") {
            prop_assert!(AccountCode::parse(&raw).is_err());
        }

        /// No input makes the parsers panic.
        #[test]
        fn parsers_never_panic(raw in "\\PC*") {
            let _ = ClientCode::parse(&raw);
            let _ = AccountCode::parse(&raw);
            let _ = crate::domain::PiiMode::parse(&raw);
            let _ = crate::domain::parse_email(&raw);
        }
    }
}
