//! What the fuzz targets share: turning fuzz bytes into the request an identity endpoint receives.
//!
//! Inputs are plain text so that the seed corpus (`fuzz/seeds/<target>/`) can be written by hand:
//!
//! ```text
//! <Authorization value>\n<Content-Type value>\n<body>
//! ```
//!
//! An empty first line means no Authorization header. A first line starting with `!` is sent as
//! `Basic base64(rest)`, so the fuzzer works on the decoded `id:secret` without having to learn base64.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Headers and body of a form request, or `None` for bytes no HTTP server would hand to a handler
/// (a header value with a line break or another control character).
pub fn form_request(data: &[u8]) -> Option<(HeaderMap, &[u8])> {
    let (authorization, rest) = split_line(data);
    let (content_type, body) = split_line(rest);
    let mut headers = HeaderMap::new();
    if let Some(credentials) = authorization.strip_prefix(b"!") {
        let value = format!("Basic {}", STANDARD.encode(credentials));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&value).ok()?);
    } else if !authorization.is_empty() {
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(authorization).ok()?,
        );
    }
    if !content_type.is_empty() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_bytes(content_type).ok()?,
        );
    }
    Some((headers, body))
}

/// The bytes before the first `\n` and those after it (empty when there is none).
pub fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The Content-Type is `application/x-www-form-urlencoded`, parameters allowed.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// RFC 6749 §2.3.1 form-decoding of one half of a Basic credential (`+` is a space, `%XX` a byte, a
/// stray `%` stays), written here independently of frontdesk to compare with what it decoded. Lossy:
/// bytes that are not UTF-8 become U+FFFD.
pub fn form_decode_lossy(part: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let raw = part.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match (
            raw[i],
            raw.get(i + 1).copied().and_then(hex),
            raw.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
            (b'+', _, _) => out.push(b' '),
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
