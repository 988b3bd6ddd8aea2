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
pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err("the password must have at least 12 characters");
    }
    if n > 1024 {
        return Err("the password must have at most 1024 characters");
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
    fn passwords_need_twelve_characters() {
        assert!(check_password_strength("elevenchars").is_err());
        assert!(check_password_strength("twelve chars").is_ok());
    }
}
