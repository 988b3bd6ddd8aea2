//! Strict `application/x-www-form-urlencoded` decoding, shared by the dashboard's forms and the OAuth
//! endpoints. The usual decoders are lossy: `%FF` becomes U+FFFD and the request goes on with text the
//! sender never wrote. Here every name and value must be UTF-8 once percent-decoded, or the whole body is
//! refused.

use std::borrow::Cow;

use percent_encoding::percent_decode;

/// A name or value that is not UTF-8 after percent-decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8;

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("text that is not valid UTF-8")
    }
}

impl std::error::Error for NotUtf8 {}

/// The pairs of a form body or query string, in order, repeats kept; empty pieces (`a=1&&b=2`) skipped.
pub fn decode(input: &[u8]) -> Result<Vec<(String, String)>, NotUtf8> {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            Ok((component(name)?, component(value)?))
        })
        .collect()
}

/// One percent-encoded component (`+` is a space), as in a form field or an HTTP Basic user-id.
pub fn decode_component(input: &str) -> Result<String, NotUtf8> {
    component(input.as_bytes())
}

fn component(raw: &[u8]) -> Result<String, NotUtf8> {
    let raw: Cow<[u8]> = if raw.contains(&b'+') {
        Cow::Owned(
            raw.iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    percent_decode(&raw)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        decode(input.as_bytes()).unwrap()
    }

    #[test]
    fn decodes_like_the_whatwg_parser_for_valid_input() {
        for input in [
            "",
            "a=1",
            "a=1&&b=2&",
            "a&b=",
            "k=a+b%21%2B&k=%C3%84rzte",
            "=x&y==z",
            "%zz=%4",
        ] {
            let ours = pairs(input);
            let theirs: Vec<(String, String)> = form_urlencoded::parse(input.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, theirs, "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_utf8_once_decoded() {
        assert_eq!(decode(b"name=%FF"), Err(NotUtf8));
        assert_eq!(decode(b"%C3=x"), Err(NotUtf8));
        assert_eq!(decode(b"a=\xff"), Err(NotUtf8));
        assert_eq!(decode_component("abc%ED%A0%80"), Err(NotUtf8)); // a UTF-16 surrogate
        assert_eq!(decode_component("a+b%20c").as_deref(), Ok("a b c"));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever a browser encodes decodes to exactly what was typed, pairs and order kept.
        #[test]
        fn encoded_pairs_round_trip(pairs in prop::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..6)) {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            prop_assert_eq!(decode(body.as_bytes()).unwrap(), pairs);
        }

        /// On any bytes: either the same pairs as the WHATWG (lossy) parser, or a refusal exactly when
        /// the lossy parser had to invent a U+FFFD that the input did not spell out.
        #[test]
        fn agrees_with_the_lossy_parser_or_refuses(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let lossy: Vec<(String, String)> = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            match decode(&bytes) {
                Ok(strict) => prop_assert_eq!(strict, lossy),
                Err(NotUtf8) => {
                    let invented = lossy.iter().any(|(k, v)| k.contains(char::REPLACEMENT_CHARACTER) || v.contains(char::REPLACEMENT_CHARACTER));
                    prop_assert!(invented);
                }
            }
        }
    }
}
