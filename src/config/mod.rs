//! One typed `Config` from environment variables and matching command-line flags.
//!
//! Flags are parsed as plain strings by clap and checked here, so a bad value stops start-up with one
//! line that names the environment variable, e.g. `FRONTDESK_LISTEN: not an address:port, got "x"`.

mod args;
mod values;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

pub use args::ServeArgs;
pub use values::AuditSinkTarget;
use values::{derived_public_url, parse_public_url, trusted_proxies};

use crate::domain::AccountCode;
use crate::store::DbOptions;

/// A configuration problem, already phrased as the one line to print.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn bad(var: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{var}: {why}"))
}

/// `raw` as a whole number of `unit` within `range`, `default` when unset; else the line naming `var`.
fn whole_number(
    var: &str,
    raw: Option<&str>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            let (low, high) = (range.start(), range.end());
            bad(
                var,
                format!("a whole number of {unit} from {low} to {high}, got {raw:?}"),
            )
        })
}

/// The checked configuration the server runs with.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// sqlx connection URL, e.g. `sqlite://frontdesk.db` or `postgres://frontdesk@db/frontdesk`.
    pub database_url: String,
    /// Pool size and timeouts.
    pub db: DbOptions,
    pub account_code: AccountCode,
    /// Without a trailing slash, e.g. `https://id.example.com`.
    pub public_url: String,
    pub session_idle: Duration,
    pub secure_cookies: bool,
    pub token_lifetime: Duration,
    /// How long after `frontdesk keys rotate` the new key starts signing (it is published at once).
    pub key_activation: Duration,
    /// The absolute end of a refresh-token family, counted from the code exchange (default 30 days).
    pub refresh_token_lifetime: Duration,
    /// A refresh token unused this long expires (default 15 days; never past the absolute end).
    pub refresh_token_sliding: Duration,
    /// The seed file applied at start (`FRONTDESK_SEED`).
    pub seed: Option<std::path::PathBuf>,
    /// The `aud` claim of access tokens.
    pub token_audience: Vec<String>,
    pub metrics_listen: Option<SocketAddr>,
    /// Where every new audit entry is forwarded too (`FRONTDESK_AUDIT_SINK`).
    pub audit_sink: Option<AuditSinkTarget>,
    /// Proxies whose `X-Forwarded-For` names the client (`FRONTDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub admin_email: String,
    /// Only used when creating the first admin; redacted from `Debug`.
    pub admin_password: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redacted_url(&self.database_url))
            .field("db", &self.db)
            .field("account_code", &self.account_code)
            .field("public_url", &self.public_url)
            .field("session_idle", &self.session_idle)
            .field("secure_cookies", &self.secure_cookies)
            .field("token_lifetime", &self.token_lifetime)
            .field("key_activation", &self.key_activation)
            .field("refresh_token_lifetime", &self.refresh_token_lifetime)
            .field("refresh_token_sliding", &self.refresh_token_sliding)
            .field("seed", &self.seed)
            .field("token_audience", &self.token_audience)
            .field("metrics_listen", &self.metrics_listen)
            .field("audit_sink", &self.audit_sink)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("admin_email", &self.admin_email)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// Five minutes: longer than the JWKS's advertised cache lifetime (`identity::discovery`), so a
/// resource server that cached the JWKS just before a rotation has re-read it before the new key signs.
pub const DEFAULT_KEY_ACTIVATION_SECONDS: u64 = 300;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://frontdesk.db";

/// `url` with any password replaced, for logs and `Debug`.
pub fn redacted_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.into()
        }
        _ => url.to_owned(),
    }
}

impl Config {
    pub fn from_args(args: &ServeArgs, database_url: &str) -> Result<Self, ConfigError> {
        let listen_raw = args.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            bad(
                "FRONTDESK_LISTEN",
                format!("not an address:port, got {listen_raw:?}"),
            )
        })?;

        let account_code = AccountCode::parse(args.account_code.as_deref().unwrap_or("DEMO"))
            .map_err(|why| bad("FRONTDESK_ACCOUNT_CODE", why))?;

        let public_url = match &args.public_url {
            Some(raw) => parse_public_url(raw)?,
            None => derived_public_url(listen),
        };

        let minutes = whole_number(
            "FRONTDESK_SESSION_IDLE_MINUTES",
            args.session_idle_minutes.as_deref(),
            8 * 60,
            1..=60 * 24 * 30,
            "minutes",
        )?;

        let https = public_url.starts_with("https://");
        let secure_cookies = match args.secure_cookies.as_deref().map(str::trim) {
            None | Some("auto") => https,
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(bad(
                    "FRONTDESK_SECURE_COOKIES",
                    format!("true, false or auto, got {other:?}"),
                ));
            }
        };

        let token_lifetime = whole_number(
            "FRONTDESK_TOKEN_LIFETIME_SECONDS",
            args.token_lifetime_seconds.as_deref(),
            3600,
            60..=86_400,
            "seconds",
        )?;
        let key_activation = whole_number(
            "FRONTDESK_KEY_ACTIVATION_SECONDS",
            args.key_activation_seconds.as_deref(),
            DEFAULT_KEY_ACTIVATION_SECONDS,
            0..=86_400,
            "seconds",
        )?;
        let refresh_token_lifetime = whole_number(
            "FRONTDESK_REFRESH_TOKEN_LIFETIME_SECONDS",
            args.refresh_token_lifetime_seconds.as_deref(),
            30 * 86_400,
            60..=366 * 86_400,
            "seconds",
        )?;
        let refresh_token_sliding = whole_number(
            "FRONTDESK_REFRESH_TOKEN_SLIDING_SECONDS",
            args.refresh_token_sliding_seconds.as_deref(),
            15 * 86_400,
            60..=366 * 86_400,
            "seconds",
        )?;
        let defaults = DbOptions::default();
        let db = DbOptions {
            max_connections: u32::try_from(whole_number(
                "FRONTDESK_DB_MAX_CONNECTIONS",
                args.db_max_connections.as_deref(),
                u64::from(defaults.max_connections),
                1..=1000,
                "connections",
            )?)
            .unwrap_or(defaults.max_connections),
            timeout: Duration::from_secs(whole_number(
                "FRONTDESK_DB_TIMEOUT_SECONDS",
                args.db_timeout_seconds.as_deref(),
                defaults.timeout.as_secs(),
                1..=300,
                "seconds",
            )?),
        };
        // In the style of the hosted service: `["https://identity.apaleo.com/resources", "api"]`.
        let token_audience = match &args.token_audience {
            None => vec![format!("{public_url}/resources"), "api".to_owned()],
            Some(raw) => {
                let list: Vec<String> = raw
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect();
                if list.is_empty() || list.iter().any(|a| a.chars().any(char::is_control)) {
                    return Err(bad(
                        "FRONTDESK_TOKEN_AUDIENCE",
                        format!("one or more audiences separated by commas, got {raw:?}"),
                    ));
                }
                list
            }
        };

        let metrics_listen = match args.metrics_listen.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<SocketAddr>().map_err(|_| {
                bad(
                    "FRONTDESK_METRICS_LISTEN",
                    format!("not an address:port, got {raw:?}"),
                )
            })?),
        };

        let trusted_proxies = match args.trusted_proxies.as_deref() {
            None => Vec::new(),
            Some(raw) => trusted_proxies(raw)?,
        };

        let admin_email = args
            .admin_email
            .as_deref()
            .unwrap_or("admin@localhost")
            .trim()
            .to_lowercase();
        crate::domain::parse_email(&admin_email)
            .map_err(|why| bad("FRONTDESK_ADMIN_EMAIL", why))?;
        if let Some(pw) = &args.admin_password {
            crate::domain::check_new_password(pw, &admin_email)
                .map_err(|why| bad("FRONTDESK_ADMIN_PASSWORD", why))?;
        }

        if database_url.trim().is_empty() {
            return Err(bad("DATABASE_URL", "must not be empty"));
        }

        Ok(Self {
            listen,
            database_url: database_url.to_owned(),
            db,
            account_code,
            public_url,
            session_idle: Duration::from_secs(minutes * 60),
            secure_cookies,
            token_lifetime: Duration::from_secs(token_lifetime),
            key_activation: Duration::from_secs(key_activation),
            refresh_token_lifetime: Duration::from_secs(refresh_token_lifetime),
            refresh_token_sliding: Duration::from_secs(refresh_token_sliding),
            seed: args
                .seed
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(std::path::PathBuf::from),
            token_audience,
            metrics_listen,
            audit_sink: values::audit_sink(args.audit_sink.as_deref())?,
            trusted_proxies,
            admin_email,
            admin_password: args.admin_password.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: ServeArgs) -> Result<Config, String> {
        Config::from_args(&args, DEFAULT_DATABASE_URL).map_err(|e| e.0)
    }

    #[test]
    fn defaults_match_the_readme() {
        let c = config(ServeArgs::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.account_code.as_str(), "DEMO");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.session_idle, Duration::from_secs(8 * 3600));
        assert!(!c.secure_cookies);
        assert_eq!(c.admin_email, "admin@localhost");
        assert_eq!(c.token_lifetime, Duration::from_secs(3600));
        assert_eq!(c.token_audience, ["http://127.0.0.1:8080/resources", "api"]);
    }

    #[test]
    fn https_public_urls_turn_secure_cookies_on() {
        let c = config(ServeArgs {
            public_url: Some("https://id.example.com/".into()),
            listen: Some("0.0.0.0:8080".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.public_url, "https://id.example.com");
        assert!(c.secure_cookies);
    }

    #[test]
    fn a_wildcard_listen_address_derives_a_localhost_url() {
        let c = config(ServeArgs {
            listen: Some("0.0.0.0:9000".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.public_url, "http://localhost:9000");
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            (
                ServeArgs {
                    listen: Some("nope".into()),
                    ..Default::default()
                },
                "FRONTDESK_LISTEN: ",
            ),
            (
                ServeArgs {
                    account_code: Some("demo".into()),
                    ..Default::default()
                },
                "FRONTDESK_ACCOUNT_CODE: ",
            ),
            (
                ServeArgs {
                    public_url: Some("ftp://x".into()),
                    ..Default::default()
                },
                "FRONTDESK_PUBLIC_URL: ",
            ),
            (
                ServeArgs {
                    session_idle_minutes: Some("0".into()),
                    ..Default::default()
                },
                "FRONTDESK_SESSION_IDLE_MINUTES: ",
            ),
            (
                ServeArgs {
                    secure_cookies: Some("yes".into()),
                    ..Default::default()
                },
                "FRONTDESK_SECURE_COOKIES: ",
            ),
            (
                ServeArgs {
                    admin_email: Some("nobody".into()),
                    ..Default::default()
                },
                "FRONTDESK_ADMIN_EMAIL: ",
            ),
            (
                ServeArgs {
                    admin_password: Some("short".into()),
                    ..Default::default()
                },
                "FRONTDESK_ADMIN_PASSWORD: ",
            ),
            (
                ServeArgs {
                    token_lifetime_seconds: Some("5".into()),
                    ..Default::default()
                },
                "FRONTDESK_TOKEN_LIFETIME_SECONDS: ",
            ),
            (
                ServeArgs {
                    token_audience: Some(" , ".into()),
                    ..Default::default()
                },
                "FRONTDESK_TOKEN_AUDIENCE: ",
            ),
        ];
        for (args, prefix) in cases {
            let err = config(args).unwrap_err();
            assert!(err.starts_with(prefix), "{err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn debug_output_redacts_the_admin_password() {
        let c = config(ServeArgs {
            admin_password: Some("correct horse battery".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(!format!("{c:?}").contains("horse"));
    }

    #[test]
    fn debug_output_redacts_the_database_password_and_shows_the_pool() {
        let c = Config::from_args(
            &ServeArgs {
                db_max_connections: Some("20".into()),
                db_timeout_seconds: Some("3".into()),
                ..Default::default()
            },
            "postgres://frontdesk:s3cret-pw@db:5432/frontdesk",
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("postgres://frontdesk:redacted@db:5432/frontdesk"));
        assert_eq!(c.db.max_connections, 20);
        assert_eq!(c.db.timeout, Duration::from_secs(3));
        assert_eq!(
            redacted_url("sqlite://frontdesk.db"),
            "sqlite://frontdesk.db"
        );
    }
}
