//! What `db copy` copies: every table of the migrations with its columns named one by one, in an order
//! that satisfies the foreign keys, and what it leaves out on purpose. A test compares these lists
//! with the migrated schema, so a new migration cannot add a column the copy would silently drop.

/// How a column's values travel between the backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// INTEGER on SQLite, BIGINT on PostgreSQL: ids and references, kept as they are.
    Int,
    /// TEXT on both, RFC 3339 timestamps included.
    Text,
    /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
    Bool,
}

/// How a table's `id` is generated, so the target hands out ids after the copied ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ids {
    /// No `id` column.
    None,
    /// SQLite `INTEGER PRIMARY KEY` (the next id is the largest plus one) / PostgreSQL identity.
    Rowid,
    /// SQLite `AUTOINCREMENT` (never reuses an id, kept in `sqlite_sequence`) / PostgreSQL identity.
    AutoIncrement,
}

/// One copied table.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub(super) columns: &'static [(&'static str, Kind)],
    /// The primary key, to read the source in a stable order, page by page.
    pub(super) order: &'static str,
    pub(super) ids: Ids,
}

impl Table {
    /// The column names, in the order they are copied.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(name, _)| *name)
    }
}

use Kind::{Bool, Int, Text};

/// Every table `db copy` copies, parents before children (apps and links name users; scopes and
/// secrets name apps).
pub static TABLES: &[Table] = &[
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("email", Text),
            ("display_name", Text),
            ("password_hash", Text),
            ("is_admin", Bool),
            ("enabled", Bool),
            ("created_at", Text),
            ("last_sign_in_at", Text),
            ("subject", Text),
        ],
        order: "id",
        ids: Ids::Rowid,
    },
    Table {
        name: "apps",
        columns: &[
            ("id", Int),
            ("client_id", Text),
            ("account_code", Text),
            ("client_code", Text),
            ("client_name", Text),
            ("search_text", Text),
            ("pii_mode", Text),
            ("created_at", Text),
            ("created_by", Int),
            ("kind", Text),
            ("logo_url", Text),
            ("require_pkce", Bool),
            ("suspended_at", Text),
            ("tokens_not_before", Text),
            ("token_lifetime_seconds", Int),
            ("allowed_addresses", Text),
        ],
        order: "id",
        ids: Ids::AutoIncrement,
    },
    Table {
        name: "app_redirect_uris",
        columns: &[
            ("app_id", Int),
            ("purpose", Text),
            ("uri", Text),
            ("position", Int),
        ],
        order: "app_id, purpose, uri",
        ids: Ids::None,
    },
    Table {
        name: "app_scopes",
        columns: &[("app_id", Int), ("scope", Text)],
        order: "app_id, scope",
        ids: Ids::None,
    },
    Table {
        name: "app_secrets",
        columns: &[
            ("id", Int),
            ("app_id", Int),
            ("description", Text),
            ("lookup_id", Text),
            ("secret_hash", Text),
            ("created_at", Text),
            ("created_by", Int),
            ("last_used_at", Text),
            ("expires_at", Text),
            ("last_used_addr", Text),
        ],
        order: "id",
        ids: Ids::AutoIncrement,
    },
    Table {
        name: "user_links",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("token_hash", Text),
            ("email", Text),
            ("display_name", Text),
            ("is_admin", Bool),
            ("user_id", Int),
            ("created_by", Int),
            ("created_at", Text),
            ("expires_at", Text),
            ("used_at", Text),
        ],
        order: "id",
        ids: Ids::AutoIncrement,
    },
    Table {
        name: "signing_keys",
        columns: &[
            ("id", Int),
            ("kid", Text),
            ("private_key", Text),
            ("created_at", Text),
            ("retired_at", Text),
            ("activates_at", Text),
        ],
        order: "id",
        ids: Ids::Rowid,
    },
    Table {
        name: "revoked_tokens",
        columns: &[("jti", Text), ("client_id", Text), ("expires_at", Text)],
        order: "jti",
        ids: Ids::None,
    },
    Table {
        name: "consents",
        columns: &[
            ("app_id", Int),
            ("user_id", Int),
            ("scopes", Text),
            ("created_at", Text),
            ("updated_at", Text),
        ],
        order: "app_id, user_id",
        ids: Ids::None,
    },
    Table {
        name: "grants",
        columns: &[
            ("id", Int),
            ("app_id", Int),
            ("user_id", Int),
            ("scopes", Text),
            ("auth_time", Text),
            ("created_at", Text),
            ("expires_at", Text),
            ("revoked_at", Text),
        ],
        order: "id",
        ids: Ids::AutoIncrement,
    },
    Table {
        name: "authorization_codes",
        columns: &[
            ("code_hash", Text),
            ("app_id", Int),
            ("user_id", Int),
            ("scopes", Text),
            ("redirect_uri", Text),
            ("redirect_uri_sent", Bool),
            ("nonce", Text),
            ("code_challenge", Text),
            ("auth_time", Text),
            ("created_at", Text),
            ("expires_at", Text),
            ("used_at", Text),
            ("grant_id", Int),
        ],
        order: "code_hash",
        ids: Ids::None,
    },
    Table {
        name: "refresh_tokens",
        columns: &[
            ("token_hash", Text),
            ("grant_id", Int),
            ("scopes", Text),
            ("created_at", Text),
            ("expires_at", Text),
            ("used_at", Text),
        ],
        order: "token_hash",
        ids: Ids::None,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Text),
            ("actor_id", Int),
            ("actor_email", Text),
            ("source_addr", Text),
            ("action", Text),
            ("client_id", Text),
            ("details", Text),
        ],
        order: "id",
        ids: Ids::Rowid,
    },
];

/// Tables of the database that `db copy` leaves behind, and why.
pub static NOT_COPIED: &[(&str, &str)] = &[
    (
        "sessions",
        "dashboard sessions: everyone signs in again on the new database",
    ),
    (
        "attempt_counts",
        "failure counters for throttling: transient, they start again from zero",
    ),
    (
        "rate_limits",
        "rate limits on client authentication: transient, they start again from zero",
    ),
    (
        "_sqlx_migrations",
        "the migrations' own record: the target is migrated by this binary",
    ),
];
