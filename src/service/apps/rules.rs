//! The rules a new app's fields and a secret follow, in the form's words: the dashboard's forms, the
//! command line, the seed file and the API all check with these, so a message reads the same everywhere.

use crate::domain::{
    AllowedAddresses, AppKind, ClientCode, ScopeCatalog, SecretValue, single_line,
};

use super::{FieldError, NewAppInput};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// A client code is unique within the account, across custom and store apps.
pub const TAKEN: &str = "This client code is already taken";
pub const TOO_MANY: &str =
    "This app already has 10 secrets, the most allowed. Delete one before adding another.";

/// A secret value given from outside (a seed file) must be as hard to guess as a generated one and need
/// no encoding anywhere it travels: RFC 3986's unreserved characters pass HTTP Basic's form-encoding,
/// shells and JSON as they are. Its first `SecretValue::LOOKUP_LEN` characters are its lookup id.
pub const MIN_SECRET_CHARS: usize = 32;
pub const MAX_SECRET_CHARS: usize = 128;
pub const SECRET_RULE: &str = "Use 32 to 128 characters, each a letter, a digit or one of - . _ ~";
pub const SECRET_LOOKUP_TAKEN: &str =
    "Another secret of this app begins with the same 8 characters; use another value";

/// The app's checked fields, ready to store.
#[derive(Debug, Clone)]
pub struct CheckedApp {
    pub client_code: ClientCode,
    pub client_name: String,
    pub pii_mode: crate::domain::PiiMode,
    pub scopes: Vec<String>,
    pub secret_description: String,
    /// When the first secret stops working, fixed to a moment when it is stored.
    pub secret_expires: crate::domain::SecretExpiry,
}

pub fn client_name(raw: &str) -> Result<String, &'static str> {
    single_line(
        raw,
        MAX_NAME_CHARS,
        "Enter a client name",
        "Use at most 100 characters",
    )
}

pub fn secret_description(raw: &str) -> Result<String, &'static str> {
    single_line(
        raw,
        MAX_DESCRIPTION_CHARS,
        "Enter a secret description",
        "Use at most 200 characters",
    )
}

/// A custom app may be granted API scopes only, a store app the OpenID Connect scopes as well.
pub fn scopes(
    kind: AppKind,
    catalog: &ScopeCatalog,
    requested: &[String],
) -> Result<Vec<String>, &'static str> {
    let requested = requested.iter().map(String::as_str);
    match kind {
        AppKind::Custom => catalog.parse_selection(requested),
        AppKind::Store => catalog.parse_store_selection(requested),
    }
}

/// A secret value given from outside (see `MIN_SECRET_CHARS`).
pub fn given_secret(secret: &SecretValue) -> Result<(), &'static str> {
    let value = secret.expose();
    let safe = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if safe && (MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&value.len()) {
        Ok(())
    } else {
        Err(SECRET_RULE)
    }
}

/// The least an app's own access-token lifetime may be, in seconds (the most is the server's).
pub const MIN_TOKEN_LIFETIME: i64 = 60;
pub const LIFETIME_NOT_A_NUMBER: &str =
    "Enter a whole number of seconds, or leave it empty for the server's default";

/// An app's own access-token lifetime: `None` is the server's; otherwise 60 up to `max` seconds.
pub fn token_lifetime(seconds: Option<i64>, max: i64) -> Result<Option<i64>, String> {
    match seconds {
        None => Ok(None),
        Some(s) if (MIN_TOKEN_LIFETIME..=max.max(MIN_TOKEN_LIFETIME)).contains(&s) => Ok(Some(s)),
        Some(_) => Err(format!(
            "Use {MIN_TOKEN_LIFETIME} to {max} seconds, or leave it empty for the server's {max}"
        )),
    }
}

/// The lifetime as typed in a form or on the command line: empty (or `default`) is the server's.
pub fn token_lifetime_text(raw: &str, max: i64) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    let seconds = raw
        .parse::<i64>()
        .map_err(|_| LIFETIME_NOT_A_NUMBER.to_owned())?;
    token_lifetime(Some(seconds), max)
}

/// Allowed addresses as entries (the API, the command line) or typed lines (the form).
pub fn allowed_addresses<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> Result<AllowedAddresses, String> {
    AllowedAddresses::parse_entries(entries.into_iter().flat_map(|e| e.split(['\n', ','])))
}

pub(super) fn field(field: &'static str, message: &str) -> FieldError {
    FieldError {
        field,
        message: message.to_owned(),
    }
}

/// The new app's fields checked for an app of `kind`: the checked app, or every field's problem.
pub fn check_new_app_of(
    kind: AppKind,
    catalog: &ScopeCatalog,
    input: &NewAppInput,
) -> Result<CheckedApp, Vec<FieldError>> {
    let code = ClientCode::parse(&input.client_code).map_err(|e| field("client_code", e));
    let name = client_name(&input.client_name).map_err(|e| field("client_name", e));
    let scopes = scopes(kind, catalog, &input.scopes).map_err(|e| field("scopes", e));
    let description =
        secret_description(&input.secret_description).map_err(|e| field("secret_description", e));
    match (code, name, scopes, description) {
        (Ok(client_code), Ok(client_name), Ok(scopes), Ok(secret_description)) => Ok(CheckedApp {
            client_code,
            client_name,
            pii_mode: input.pii_mode,
            scopes,
            secret_description,
            secret_expires: input.secret_expires,
        }),
        (code, name, scopes, description) => {
            Err([code.err(), name.err(), scopes.err(), description.err()]
                .into_iter()
                .flatten()
                .collect())
        }
    }
}

/// The New custom app form's rules and messages, every problem at once (a taken client code needs the
/// database: `create_app` reports it with these).
pub fn check_new_app(catalog: &ScopeCatalog, input: &NewAppInput) -> Result<(), Vec<FieldError>> {
    check_new_app_of(AppKind::Custom, catalog, input).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PiiMode;

    fn input() -> NewAppInput {
        NewAppInput {
            client_code: "my_app".into(),
            client_name: "  My app ".into(),
            pii_mode: PiiMode::DontRetrieve,
            scopes: vec!["setup.read".into()],
            secret_description: "Production".into(),
            secret_expires: crate::domain::SecretExpiry::Never,
        }
    }

    fn messages(input: &NewAppInput) -> Vec<(&'static str, String)> {
        let catalog = ScopeCatalog::builtin().unwrap();
        check_new_app(&catalog, input)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn a_good_app_passes_and_is_normalised() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let checked = check_new_app_of(AppKind::Custom, &catalog, &input()).unwrap();
        assert_eq!(checked.client_code.as_str(), "MY_APP");
        assert_eq!(checked.client_name, "My app");
        assert!(messages(&input()).is_empty());
    }

    #[test]
    fn every_field_reports_its_problem_in_the_forms_words() {
        let bad = NewAppInput {
            client_code: "no-dash".into(),
            client_name: "x".repeat(101),
            pii_mode: PiiMode::Retrieve,
            scopes: vec![],
            secret_description: " ".into(),
            secret_expires: crate::domain::SecretExpiry::Never,
        };
        let found = messages(&bad);
        let fields: Vec<_> = found.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["client_code", "client_name", "scopes", "secret_description"]
        );
        assert_eq!(found[0].1, "Use only letters, digits and underscores (_)");
        assert_eq!(found[1].1, "Use at most 100 characters");
        assert_eq!(found[3].1, "Enter a secret description");
    }

    #[test]
    fn unknown_and_openid_scopes_are_refused_for_a_custom_app() {
        for scope in ["nope.read", "openid"] {
            let bad = NewAppInput {
                scopes: vec![scope.into()],
                ..input()
            };
            let found = messages(&bad);
            assert_eq!(found.len(), 1, "{scope}");
            assert_eq!(found[0].0, "scopes");
        }
    }

    #[test]
    fn empty_code_name_and_control_characters_are_refused() {
        let bad = NewAppInput {
            client_code: " ".into(),
            client_name: "My\u{0}app".into(),
            ..input()
        };
        let found = messages(&bad);
        assert_eq!(found[0], ("client_code", "Enter a client code".to_owned()));
        assert_eq!(found[1].0, "client_name");
    }

    #[test]
    fn a_lifetime_is_the_servers_or_60_up_to_its_maximum() {
        assert_eq!(token_lifetime_text(" ", 3600), Ok(None));
        assert_eq!(token_lifetime_text("default", 3600), Ok(None));
        assert_eq!(token_lifetime_text("60", 3600), Ok(Some(60)));
        assert_eq!(token_lifetime_text("3600", 3600), Ok(Some(3600)));
        assert!(token_lifetime_text("59", 3600).is_err());
        assert!(token_lifetime_text("3601", 3600).is_err());
        assert_eq!(
            token_lifetime_text("ten", 3600),
            Err(LIFETIME_NOT_A_NUMBER.to_owned())
        );
    }

    #[test]
    fn a_given_secret_must_be_long_and_of_the_safe_alphabet() {
        let ok = |s: &str| given_secret(&SecretValue::from_presented(s.to_owned())).is_ok();
        assert!(ok(&"a".repeat(32)));
        assert!(ok(&format!("{}-._~", "Z9".repeat(20))));
        assert!(ok(&"a".repeat(128)));
        assert!(!ok(&"a".repeat(31)));
        assert!(!ok(&"a".repeat(129)));
        assert!(!ok(&format!("{}+", "a".repeat(40))));
        assert!(!ok(&format!("{} ", "a".repeat(40))));
        assert!(ok(SecretValue::generate().expose()));
    }
}
