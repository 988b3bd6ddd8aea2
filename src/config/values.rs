//! Parsers of single settings that need more than a number: addresses of trusted proxies, the public URL.

use std::net::SocketAddr;

use url::Url;

use super::{ConfigError, bad};

/// `10.0.0.0/8, ::1`: networks, or single addresses (as /32 or /128).
pub(super) fn trusted_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    bad(
                        "FRONTDESK_TRUSTED_PROXIES",
                        format!(
                            "addresses or networks (10.0.0.0/8) separated by commas, got {entry:?}"
                        ),
                    )
                })
        })
        .collect()
}

pub(super) fn parse_public_url(raw: &str) -> Result<String, ConfigError> {
    const VAR: &str = "FRONTDESK_PUBLIC_URL";
    let url = Url::parse(raw.trim()).map_err(|e| bad(VAR, format!("{e}, got {raw:?}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            VAR,
            format!("must start with http:// or https://, got {raw:?}"),
        ));
    }
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            VAR,
            format!("must be a base URL without query or fragment, got {raw:?}"),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `http://` + the listen address, with a wildcard address replaced by `localhost`.
pub(super) fn derived_public_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}
