//! Rules for the people who sign in: email addresses and passwords.

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
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("must be an email address such as name@example.com");
    }
    Ok(email)
}

/// Minimum password length, in characters.
const MIN_PASSWORD_CHARS: usize = 12;

fn check_password_strength(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err("the password must have at least 12 characters");
    }
    if n > 1024 {
        return Err("the password must have at most 1024 characters");
    }
    Ok(())
}

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// The rules for a password someone chooses: long enough, not their email, not a well-known password.
pub fn check_new_password(password: &str, email: &str) -> Result<(), &'static str> {
    check_password_strength(password)?;
    let folded = password.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or(email);
    if folded == email.to_lowercase()
        || (local_part.len() >= 4 && folded == local_part.to_lowercase())
    {
        return Err("the password must not be your email address");
    }
    let mut chars = folded.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return Err("the password must not repeat a single character");
    }
    let common = COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == folded);
    if common {
        return Err("this password is on a list of common passwords; choose another");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(check_password_strength("elevenchars").is_err());
        assert!(check_password_strength("twelve chars").is_ok());
    }
}
