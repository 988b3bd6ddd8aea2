//! Security headers on every response, from either door, error pages from shared layers included.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Scripts and styles from our own origin only (no inline code), and no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of a page whose form ends in a redirect to another site (`form_targets`: Chrome and
/// Firefox apply `form-action` to the redirects that follow a form's submission) or that shows images
/// from other sites (`images`). Each entry is a URL's origin or a scheme (`https:`); nothing else is
/// relaxed.
pub fn csp_allowing(form_targets: &[String], images: &[String]) -> HeaderValue {
    let extra = |list: &[String]| -> String { list.iter().map(|o| format!(" {o}")).collect() };
    let policy = CSP
        .replace(
            "img-src 'self' data:",
            &format!("img-src 'self' data:{}", extra(images)),
        )
        .replace(
            "form-action 'self'",
            &format!("form-action 'self'{}", extra(form_targets)),
        );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(CSP))
}

/// How a CSP source list names the origin of `url` (`None`: not a URL). CSP host sources cannot
/// name an IPv6 address, so such a URL is allowed by its scheme.
pub fn csp_origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    match url.host()? {
        url::Host::Ipv6(_) => Some(format!("{}:", url.scheme())),
        _ => Some(url.origin().ascii_serialization()),
    }
}

/// For every response that shows a secret or a token (RFC 6749 §5.1): neither browsers nor proxies
/// may keep a copy.
pub const NO_STORE: [(HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::PRAGMA, "no-cache"),
];

/// A file to save rather than show (`Content-Disposition: attachment` with `file_name`), kept by no
/// cache since it holds an account's records.
pub fn download(
    content_type: &'static str,
    file_name: &str,
    body: axum::body::Body,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        NO_STORE,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Wraps the whole router, outermost, so nothing answers without these headers.
pub fn secure(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}
