//! The settings as given: environment variables and the matching flags, as plain strings that
//! `Config::from_args` checks.

use clap::Args;

/// The server's settings as given; see the README's configuration table.
#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long = "listen", env = "FRONTDESK_LISTEN", global = true)]
    pub listen: Option<String>,
    /// The tenant's account code: 2 to 10 upper-case letters or digits.
    #[arg(long = "account-code", env = "FRONTDESK_ACCOUNT_CODE", global = true)]
    pub account_code: Option<String>,
    /// The base URL people and OAuth clients use to reach this server.
    #[arg(long = "public-url", env = "FRONTDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Minutes of inactivity after which a dashboard session ends.
    #[arg(
        long = "session-idle-minutes",
        env = "FRONTDESK_SESSION_IDLE_MINUTES",
        global = true
    )]
    pub session_idle_minutes: Option<String>,
    /// `true`, `false` or `auto` (Secure whenever the public URL is https).
    #[arg(
        long = "secure-cookies",
        env = "FRONTDESK_SECURE_COOKIES",
        global = true
    )]
    pub secure_cookies: Option<String>,
    /// Lifetime of access tokens, in seconds.
    #[arg(
        long = "token-lifetime-seconds",
        env = "FRONTDESK_TOKEN_LIFETIME_SECONDS",
        global = true
    )]
    pub token_lifetime_seconds: Option<String>,
    /// Seconds between `frontdesk keys rotate` and the new key signing tokens; it is published in the
    /// JWKS at once, so resource servers that cache the JWKS know it before they meet it (0: at once).
    #[arg(
        long = "key-activation-seconds",
        env = "FRONTDESK_KEY_ACTIVATION_SECONDS",
        global = true
    )]
    pub key_activation_seconds: Option<String>,
    /// Absolute lifetime of a refresh-token family (from the code exchange), in seconds.
    #[arg(
        long = "refresh-token-lifetime-seconds",
        env = "FRONTDESK_REFRESH_TOKEN_LIFETIME_SECONDS",
        global = true
    )]
    pub refresh_token_lifetime_seconds: Option<String>,
    /// Sliding lifetime of a refresh token: unused this long, it expires (never past the absolute end).
    #[arg(
        long = "refresh-token-sliding-seconds",
        env = "FRONTDESK_REFRESH_TOKEN_SLIDING_SECONDS",
        global = true
    )]
    pub refresh_token_sliding_seconds: Option<String>,
    /// A seed file (TOML): apps, secrets and users to exist at start (see the README).
    #[arg(long = "seed", env = "FRONTDESK_SEED", global = true)]
    pub seed: Option<String>,
    /// The `aud` claim of access tokens: audiences separated by commas.
    #[arg(
        long = "token-audience",
        env = "FRONTDESK_TOKEN_AUDIENCE",
        global = true
    )]
    pub token_audience: Option<String>,
    /// Address and port of the separate Prometheus metrics listener (off when unset).
    #[arg(
        long = "metrics-listen",
        env = "FRONTDESK_METRICS_LISTEN",
        global = true
    )]
    pub metrics_listen: Option<String>,
    /// Email of the account admin created on the first start.
    #[arg(long = "admin-email", env = "FRONTDESK_ADMIN_EMAIL", global = true)]
    pub admin_email: Option<String>,
    /// Password of the account admin created on the first start (generated and printed if unset).
    #[arg(
        long = "admin-password",
        env = "FRONTDESK_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// Addresses or networks of the load balancers or reverse proxies in front (e.g. `10.0.0.0/8,::1`),
    /// separated by commas: from these, `X-Forwarded-For` names the client. Unset: the header is ignored.
    #[arg(
        long = "trusted-proxies",
        env = "FRONTDESK_TRUSTED_PROXIES",
        global = true
    )]
    pub trusted_proxies: Option<String>,
    /// Database connections per instance.
    #[arg(
        long = "db-max-connections",
        env = "FRONTDESK_DB_MAX_CONNECTIONS",
        global = true
    )]
    pub db_max_connections: Option<String>,
    /// Seconds to wait for a database connection or (PostgreSQL) one statement before failing.
    #[arg(
        long = "db-timeout-seconds",
        env = "FRONTDESK_DB_TIMEOUT_SECONDS",
        global = true
    )]
    pub db_timeout_seconds: Option<String>,
    /// Where to forward every new audit entry as one JSON line: `file:/path/to/file.jsonl` (appended)
    /// or `syslog` / `syslog:/path/to/socket` (the local syslog, facility authpriv). Unset: nowhere.
    #[arg(long = "audit-sink", env = "FRONTDESK_AUDIT_SINK", global = true)]
    pub audit_sink: Option<String>,
}
