//! Where a store app may send people back (redirect and post-logout redirect URIs) and its logo URL.
//!
//! An authorization server later compares a requested `redirect_uri` with these as exact strings, so
//! what is stored is what was typed (each line trimmed), and the checks are made on that text as well
//! as on its parsed form: a URI must mean to a browser what it looks like to a person.
//! - `https://` only, written in lower case; `http://` only for the sandbox's loopback hosts, spelled
//!   exactly `localhost`, `127.0.0.1` or `[::1]` (any port). `HTTP://LOCALHOST`, `http://localhost.evil.com`
//!   and `http://127.0.0.1.nip.io` are refused: the first because browsers and the parser rewrite it,
//!   so the typed text and its meaning would differ; the others are other hosts.
//! - No user name or password: `https://example.com@evil.com` goes to evil.com.
//! - No backslash: WHATWG parsers read `https://evil.com\@example.com` as host evil.com.
//! - No fragment (RFC 6749 §3.1.2), no whitespace or control characters, at most 2048 characters.

use url::{Host, Url};

/// At most this many redirect URIs (and as many post-logout URIs) per app.
pub const MAX_REDIRECT_URIS: usize = 10;
/// At most this many characters per URI, logo URL included.
pub const MAX_URI_CHARS: usize = 2048;

const SCHEME: &str =
    "Each redirect URI must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])";

/// Checks one URI (already trimmed). `loopback_http`: `http://` is allowed for the loopback hosts.
fn check(uri: &str, loopback_http: bool) -> Result<(), Problem> {
    if uri.chars().count() > MAX_URI_CHARS {
        return Err(Problem::TooLong);
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::Whitespace);
    }
    if uri.contains('\\') {
        return Err(Problem::Backslash);
    }
    if uri.contains('#') {
        return Err(Problem::Fragment);
    }
    let (https, rest) = if let Some(rest) = uri.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = uri.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(Problem::Scheme);
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(Problem::UserInfo);
    }
    let url = Url::parse(uri).map_err(|_| Problem::NotAbsolute)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Problem::UserInfo);
    }
    if url.fragment().is_some() {
        return Err(Problem::Fragment);
    }
    match url.host() {
        None => Err(Problem::NotAbsolute),
        Some(Host::Domain("")) => Err(Problem::NotAbsolute),
        Some(_) if https => Ok(()),
        Some(host) => {
            // The typed host, without its port: exactly one of the loopback spellings.
            let typed = match authority.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => authority,
            };
            let loopback = matches!(
                (typed, host),
                ("localhost", Host::Domain("localhost"))
                    | ("127.0.0.1", Host::Ipv4(_))
                    | ("[::1]", Host::Ipv6(_))
            );
            if loopback_http && loopback {
                Ok(())
            } else {
                Err(Problem::Scheme)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    TooLong,
    Whitespace,
    Backslash,
    Fragment,
    Scheme,
    UserInfo,
    NotAbsolute,
}

impl Problem {
    fn redirect_message(self) -> &'static str {
        match self {
            Self::TooLong => "Keep each redirect URI to at most 2048 characters",
            Self::Whitespace => "A redirect URI cannot contain spaces or control characters",
            Self::Backslash => "A redirect URI cannot contain a backslash (\\)",
            Self::Fragment => "A redirect URI cannot contain a fragment (#)",
            Self::Scheme => SCHEME,
            Self::UserInfo => "A redirect URI cannot contain a user name or password (user:pass@)",
            Self::NotAbsolute => {
                "Enter each redirect URI as an absolute URL, such as https://example.com/callback"
            }
        }
    }
}

/// The URIs of a textarea, one per line: each line trimmed, empty lines skipped, every URI checked, no
/// duplicates, at most `MAX_REDIRECT_URIS`. `required`: at least one. The message is shown next to the field.
pub fn parse_redirect_uris(text: &str, required: bool) -> Result<Vec<String>, &'static str> {
    let uris: Vec<&str> = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if uris.is_empty() && required {
        return Err("Enter at least one redirect URI");
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err("Enter at most 10 redirect URIs");
    }
    for (i, uri) in uris.iter().enumerate() {
        check(uri, true).map_err(Problem::redirect_message)?;
        if uris[..i].contains(uri) {
            return Err("Each redirect URI may be listed only once");
        }
    }
    Ok(uris.into_iter().map(str::to_owned).collect())
}

/// The optional logo URL: `None` when left empty; https only, same rules as a redirect URI otherwise.
pub fn parse_logo_url(text: &str) -> Result<Option<String>, &'static str> {
    let uri = text.trim();
    if uri.is_empty() {
        return Ok(None);
    }
    check(uri, false).map_err(|p| match p {
        Problem::TooLong => "Keep the logo URL to at most 2048 characters",
        Problem::Scheme => "The logo URL must start with https://",
        Problem::NotAbsolute => {
            "Enter the logo URL as an absolute URL, such as https://example.com/logo.png"
        }
        _ => "Enter a logo URL without spaces, a fragment (#), a backslash or a user name",
    })?;
    Ok(Some(uri.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(uri: &str) -> Result<Vec<String>, &'static str> {
        parse_redirect_uris(uri, true)
    }

    #[test]
    fn https_and_the_loopback_sandbox_are_accepted_as_typed() {
        let text = "  https://example.com/callback \r\nhttp://localhost:3000/cb\n\nhttp://127.0.0.1/x?a=1\nhttp://[::1]:8080\nhttps://EXAMPLE.com/Path";
        assert_eq!(
            parse_redirect_uris(text, true).unwrap(),
            [
                "https://example.com/callback",
                "http://localhost:3000/cb",
                "http://127.0.0.1/x?a=1",
                "http://[::1]:8080",
                "https://EXAMPLE.com/Path"
            ]
        );
    }

    #[test]
    fn tricks_are_refused_with_their_own_message() {
        let cases = [
            ("https://example.com/cb#frag", "fragment"),
            ("https://example.com/cb#", "fragment"),
            ("https://user:pass@example.com/cb", "user name"),
            ("https://example.com@evil.com", "user name"),
            ("https://@example.com", "user name"),
            ("https://evil.com\\@example.com", "backslash"),
            ("http://example.com/cb", "https://"),
            ("http://localhost.evil.com/cb", "https://"),
            ("http://127.0.0.1.nip.io/cb", "https://"),
            ("HTTP://LOCALHOST/cb", "https://"),
            ("http://LOCALHOST/cb", "https://"),
            ("HTTPS://example.com/cb", "https://"),
            ("javascript:alert(1)", "https://"),
            ("data:text/html,hi", "https://"),
            ("ftp://example.com", "https://"),
            ("//example.com/cb", "https://"),
            ("https:/example.com", "https://"),
            ("https://exa mple.com", "spaces"),
            ("https://example.com/\u{0}", "control"),
            ("https://", "absolute"),
            ("https://exa%zzmple.com", "absolute"),
        ];
        for (uri, word) in cases {
            let message = one(uri).err().unwrap_or_else(|| panic!("{uri:?} accepted"));
            assert!(message.contains(word), "{uri:?}: {message}");
        }
    }

    #[test]
    fn counts_lengths_and_duplicates_are_limited() {
        assert_eq!(one(" \n "), Err("Enter at least one redirect URI"));
        assert_eq!(parse_redirect_uris("", false), Ok(vec![]));
        let eleven: Vec<String> = (0..11).map(|i| format!("https://e.com/{i}")).collect();
        assert_eq!(
            one(&eleven.join("\n")),
            Err("Enter at most 10 redirect URIs")
        );
        assert_eq!(one(&eleven[..10].join("\n")).unwrap().len(), 10);
        let long = format!("https://e.com/{}", "a".repeat(MAX_URI_CHARS));
        assert!(one(&long).unwrap_err().contains("2048"));
        assert_eq!(
            one("https://e.com/cb\n https://e.com/cb"),
            Err("Each redirect URI may be listed only once")
        );
        // A trailing slash makes another URI, as the exact comparison later will.
        assert_eq!(one("https://e.com/cb\nhttps://e.com/cb/").unwrap().len(), 2);
    }

    #[test]
    fn logo_urls_are_optional_and_https_only() {
        assert_eq!(parse_logo_url("  "), Ok(None));
        assert_eq!(
            parse_logo_url(" https://cdn.example.com/logo.png "),
            Ok(Some("https://cdn.example.com/logo.png".into()))
        );
        assert_eq!(
            parse_logo_url("http://localhost/logo.png"),
            Err("The logo URL must start with https://")
        );
        assert!(parse_logo_url("https://a@b.com/l.png").is_err());
    }

    proptest! {
        #[test]
        fn no_accepted_uri_hides_another_destination(
            prefix in prop::sample::select(vec![
                "https://", "http://", "http://localhost", "http://127.0.0.1", "http://[::1]",
                "HTTP://", "javascript:", "data:", "https://example.com", "",
            ]),
            tail in "[a-zA-Z0-9:/@#?\\\\.%\\[\\] \t-]{0,30}",
        ) {
            let uri = format!("{prefix}{tail}");
            if let Ok(accepted) = parse_redirect_uris(&uri, true) {
                let accepted = &accepted[0];
                prop_assert!(!accepted.contains('#') && !accepted.contains('\\'));
                prop_assert!(!accepted.chars().any(char::is_whitespace));
                let url = Url::parse(accepted).unwrap();
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(url.scheme() == "https" || url.scheme() == "http");
                if url.scheme() == "http" {
                    prop_assert!(matches!(
                        url.host_str(),
                        Some("localhost" | "127.0.0.1" | "[::1]")
                    ));
                }
                let typed_scheme = format!("{}://", url.scheme());
                prop_assert!(accepted.starts_with(&typed_scheme));
            }
        }
    }
}
