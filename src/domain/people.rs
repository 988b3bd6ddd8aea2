//! Rules for the people who sign in: email addresses, passwords, and the single-use links that let
//! someone in.

/// Lower-cases and checks an email address; the message names what is wrong.
pub fn parse_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return Err("must be an email address such as name@example.com");
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || email.len() > 254
        || email
            .chars()
            .any(|c| c.is_whitespace() || super::hides_text(c))
    {
        return Err("must be an email address such as name@example.com");
    }
    Ok(email)
}

/// Minimum password length, in characters.
const MIN_PASSWORD_CHARS: usize = 12;

/// Why a chosen password is refused. `sentence` reads after a name ("FRONTDESK_ADMIN_PASSWORD: ..."),
/// `field_message` sits next to a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    HiddenCharacters,
    IsEmail,
    OneCharacter,
    Common,
}

impl PasswordProblem {
    pub fn sentence(self) -> &'static str {
        match self {
            Self::TooShort => "the password must have at least 12 characters",
            Self::TooLong => "the password must have at most 1024 characters",
            Self::HiddenCharacters => {
                "the password must not contain control or invisible characters (tabs, line breaks, text-direction marks)"
            }
            Self::IsEmail => "the password must not be your email address",
            Self::OneCharacter => "the password must not repeat a single character",
            Self::Common => "this password is on a list of common passwords; choose another",
        }
    }

    pub fn field_message(self) -> &'static str {
        match self {
            Self::TooShort => "Use at least 12 characters",
            Self::TooLong => "Use at most 1024 characters",
            Self::HiddenCharacters => {
                "Remove control or invisible characters (tabs, line breaks, text-direction marks)"
            }
            Self::IsEmail => "Do not use your email address as the password",
            Self::OneCharacter => "Do not repeat a single character",
            Self::Common => "This password is on a list of common passwords; choose another",
        }
    }
}

impl std::fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sentence())
    }
}

fn check_password_strength(password: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > 1024 {
        return Err(PasswordProblem::TooLong);
    }
    if password.chars().any(super::hides_text) {
        return Err(PasswordProblem::HiddenCharacters);
    }
    Ok(())
}

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// The rules for a password someone chooses: long enough, nothing hidden, not their email, not a
/// well-known password.
pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    check_password_strength(password)?;
    let folded = password.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or(email);
    if folded == email.to_lowercase()
        || (local_part.len() >= 4 && folded == local_part.to_lowercase())
    {
        return Err(PasswordProblem::IsEmail);
    }
    let mut chars = folded.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return Err(PasswordProblem::OneCharacter);
    }
    let common = COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == folded);
    if common {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// What a single-use link does; stored in `user_links.kind` as `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Creates the invited person's account, with the password they choose.
    Invitation,
    /// Sets a new password for an existing person.
    PasswordReset,
}

impl LinkKind {
    pub const ALL: [Self; 2] = [Self::Invitation, Self::PasswordReset];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// A stored link kind this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown link kind {0:?}")]
pub struct UnknownLinkKind(pub String);

impl std::str::FromStr for LinkKind {
    type Err = UnknownLinkKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownLinkKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_kinds_keep_their_stored_text() {
        assert_eq!(LinkKind::Invitation.as_str(), "invitation");
        assert_eq!(LinkKind::PasswordReset.as_str(), "password_reset");
        for kind in LinkKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert_eq!(
            "Invitation".parse::<LinkKind>(),
            Err(UnknownLinkKind("Invitation".into()))
        );
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            parse_email(" Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        assert_eq!(
            parse_email("admin@localhost").as_deref(),
            Ok("admin@localhost")
        );
        for bad in ["", "ada", "@x", "ada@", "a@b@c", "a b@c"] {
            assert!(parse_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_passwords_are_not_the_email_or_common() {
        assert!(check_new_password("correct horse battery", "ada@example.com").is_ok());
        assert!(check_new_password("ada@example.com", "ada@example.com").is_err());
        assert!(check_new_password("Password1234", "ada@example.com").is_err());
        assert!(check_new_password("aaaaaaaaaaaaaa", "ada@example.com").is_err());
        assert!(check_new_password("short", "ada@example.com").is_err());
        assert_eq!(
            check_new_password("correct horse\u{202E}", "ada@example.com"),
            Err(PasswordProblem::HiddenCharacters)
        );
        assert_eq!(
            check_new_password("correct\thorse", "ada@example.com"),
            Err(PasswordProblem::HiddenCharacters)
        );
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(check_password_strength("elevenchars").is_err());
        assert!(check_password_strength("twelve chars").is_ok());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A plain address parses to its lower-case self, and that parses again unchanged.
        #[test]
        fn emails_round_trip_lower_cased(local in "[A-Za-z0-9._+-]{1,30}", domain in "[A-Za-z0-9-]{1,20}(\\.[A-Za-z]{2,6})?") {
            let raw = format!(" {local}@{domain} ");
            let email = parse_email(&raw).unwrap();
            prop_assert_eq!(&email, &format!("{local}@{domain}").to_lowercase());
            prop_assert_eq!(parse_email(&email), Ok(email.clone()));
        }

        /// Whatever is accepted has one @ with something on each side, no space and nothing hidden;
        /// whatever is refused gets the same message.
        #[test]
        fn emails_accepted_are_well_formed_and_refusals_explain(raw in "\\PC{0,60}") {
            match parse_email(&raw) {
                Ok(email) => {
                    let (local, domain) = email.split_once('@').unwrap();
                    prop_assert!(!local.is_empty() && !domain.is_empty() && !domain.contains('@'));
                    prop_assert!(!email.chars().any(|c| c.is_whitespace() || crate::domain::hides_text(c)));
                }
                Err(why) => prop_assert_eq!(why, "must be an email address such as name@example.com"),
            }
        }

        /// Accepted passwords are 12 to 1024 characters and hide nothing; every refusal has both
        /// phrasings, and the form's is never the "common password" one unless that is the reason.
        #[test]
        fn passwords_accepted_follow_the_rules_and_refusals_explain(raw in "\\PC{0,40}") {
            match check_new_password(&raw, "ada@example.com") {
                Ok(()) => {
                    let n = raw.chars().count();
                    prop_assert!((12..=1024).contains(&n));
                    prop_assert!(!raw.chars().any(crate::domain::hides_text));
                }
                Err(problem) => {
                    prop_assert!(!problem.sentence().is_empty());
                    prop_assert!(!problem.field_message().is_empty());
                    if raw.chars().count() < 12 {
                        prop_assert_eq!(problem, PasswordProblem::TooShort);
                    }
                }
            }
        }

        /// A long random passphrase of ordinary characters is accepted.
        #[test]
        fn long_ordinary_passphrases_are_accepted(raw in "[a-z]{4,8}( [a-z]{4,8}){2,4}") {
            prop_assume!(raw.chars().collect::<std::collections::BTreeSet<_>>().len() > 1);
            prop_assert_eq!(check_new_password(&raw, "ada@example.com"), Ok(()));
        }
    }
}
