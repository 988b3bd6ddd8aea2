//! The domain types' parsers, on arbitrary text: what they accept must be well-formed and parse again to
//! itself, and what they refuse gets a message a person can read.

#![no_main]

use std::sync::LazyLock;

use frontdesk::domain::{
    AccountCode, ClientCode, ClientId, PiiMode, ScopeCatalog, SecretValue, check_new_password,
    hides_text, parse_email, single_line,
};
use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<ScopeCatalog> =
    LazyLock::new(|| ScopeCatalog::builtin().expect("the built-in scope catalog loads"));

fn client_code(raw: &str) -> Option<ClientCode> {
    match ClientCode::parse(raw) {
        Ok(code) => {
            let s = code.as_str();
            assert!((1..=ClientCode::MAX_LEN).contains(&s.len()), "{s:?}");
            assert!(
                s.bytes()
                    .all(|b| matches!(b, b'A'..=b'Z' | b'0'..=b'9' | b'_')),
                "{s:?}"
            );
            assert!(s.eq_ignore_ascii_case(raw.trim()), "{raw:?} became {s:?}");
            assert_eq!(ClientCode::parse(s).as_ref(), Ok(&code));
            Some(code)
        }
        Err(why) => {
            assert!(!why.is_empty());
            None
        }
    }
}

fn account_code(raw: &str) -> Option<AccountCode> {
    match AccountCode::parse(raw) {
        Ok(code) => {
            assert_eq!(code.as_str(), raw);
            assert_eq!(code.to_string(), raw);
            assert_eq!(AccountCode::parse(code.as_str()).as_ref(), Ok(&code));
            Some(code)
        }
        Err(why) => {
            assert!(!why.is_empty());
            None
        }
    }
}

fn pii_mode(raw: &str) {
    match PiiMode::parse(raw) {
        Ok(mode) => {
            assert_eq!(PiiMode::parse(mode.as_str()), Ok(mode));
            assert!(!mode.label().is_empty());
        }
        Err(why) => assert!(!why.is_empty()),
    }
}

fn email(raw: &str) {
    match parse_email(raw) {
        Ok(email) => {
            assert_eq!(email.matches('@').count(), 1, "{email:?}");
            assert!(
                !email.starts_with('@') && !email.ends_with('@'),
                "{email:?}"
            );
            assert!(email.len() <= 254);
            assert!(!email.chars().any(|c| c.is_whitespace() || hides_text(c)));
            assert_eq!(email.to_lowercase(), email);
            assert_eq!(parse_email(&email).as_ref(), Ok(&email), "not idempotent");
        }
        Err(why) => assert!(!why.is_empty()),
    }
}

fn password(password: &str, email: &str) {
    match check_new_password(password, email) {
        Ok(()) => {
            let n = password.chars().count();
            assert!((12..=1024).contains(&n), "{n} characters accepted");
            assert!(!password.chars().any(hides_text));
            assert_ne!(password.trim().to_lowercase(), email.to_lowercase());
        }
        Err(why) => assert!(!why.sentence().is_empty() && !why.field_message().is_empty()),
    }
}

/// The rule for free-text fields (client names, secret descriptions, display names).
fn free_text(raw: &str, max: usize) {
    match single_line(raw, max, "empty", "too long") {
        Ok(line) => {
            assert_eq!(line, raw.trim());
            assert!(!line.is_empty() && line.chars().count() <= max);
            assert!(!line.chars().any(hides_text), "{line:?}");
            assert_eq!(
                single_line(&line, max, "empty", "too long"),
                Ok(line.clone())
            );
        }
        Err(why) => assert!(!why.is_empty()),
    }
}

fn scopes<'a>(requested: impl Iterator<Item = &'a str> + Clone) {
    match CATALOG.parse_selection(requested.clone()) {
        Ok(selected) => {
            assert!(!selected.is_empty());
            // Catalog order, no repeats, every requested scope kept and nothing else added.
            let positions: Vec<_> = selected.iter().map(|s| CATALOG.position(s)).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{selected:?}");
            for asked in requested {
                assert!(
                    selected.iter().any(|s| s == asked.trim()),
                    "{asked:?} dropped"
                );
            }
        }
        Err(why) => {
            assert!(!why.is_empty());
            let mut requested = requested;
            let all_known = requested.clone().all(|s| CATALOG.contains(s.trim()));
            assert!(!all_known || requested.next().is_none(), "refused: {why}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // every parser takes text
    };
    let code = client_code(text);
    let account = account_code(text);
    if let (Some(account), Some(code)) = (account, code) {
        let id = ClientId::custom_app(&account, &code);
        assert_eq!(id.as_str(), format!("{account}-SP-{}", code.as_str()));
    }
    pii_mode(text);
    email(text);
    free_text(text, 100);
    free_text(text, 8);

    // Two-part input: a password and the email of the person choosing it.
    let (first, second) = text.split_once('\n').unwrap_or((text, ""));
    password(first, second);
    if let (Some(a), Some(c)) = (account_code(first), client_code(second)) {
        assert!(ClientId::custom_app(&a, &c).as_str().contains("-SP-"));
    }

    // A selection of scopes, one per line (as the form sends them) and space-separated.
    scopes(text.lines());
    scopes(text.split(' '));

    let secret = SecretValue::from_presented(text.to_owned());
    assert!(text.starts_with(secret.lookup_id()));
    let _ = ScopeCatalog::from_json(text);
});
