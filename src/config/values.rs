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

/// Where new audit entries are forwarded (`FRONTDESK_AUDIT_SINK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSinkTarget {
    /// Appended to this file, one JSON line per entry.
    File(std::path::PathBuf),
    /// Sent to the syslog daemon's Unix datagram socket at this path.
    Syslog(std::path::PathBuf),
}

/// `file:/absolute/path`, `syslog` (at `/dev/log`) or `syslog:/absolute/path`; empty is none.
pub(super) fn audit_sink(raw: Option<&str>) -> Result<Option<AuditSinkTarget>, ConfigError> {
    let raw = raw.map(str::trim).unwrap_or("");
    let absolute = |path: &str| {
        let path = std::path::PathBuf::from(path);
        path.is_absolute().then_some(path)
    };
    let target = match raw.split_once(':') {
        _ if raw.is_empty() => return Ok(None),
        None if raw == "syslog" => Some(AuditSinkTarget::Syslog("/dev/log".into())),
        Some(("file", path)) => absolute(path).map(AuditSinkTarget::File),
        Some(("syslog", path)) => absolute(path).map(AuditSinkTarget::Syslog),
        _ => None,
    };
    target.map(Some).ok_or_else(|| {
        bad(
            "FRONTDESK_AUDIT_SINK",
            format!("file:/path/to/file.jsonl, syslog or syslog:/path/to/socket, got {raw:?}"),
        )
    })
}
