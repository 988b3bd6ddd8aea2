//! Reaching the database: which backend a URL names, the pool of each with its limits, and the two
//! migration sets.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// The two migration sets, with the same version numbers (a test keeps them in step).
pub static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database behind a `Store`.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// Periodic work that one instance at a time does for all (`Store::exclusively`); the value is the
/// advisory lock's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum Job {
    /// Deleting expired sessions and revocations of tokens that have expired anyway.
    Purge = 0x6672_6f6e_7402,
    /// Storing the first signing key of an empty database (several instances may start at once).
    FirstKey = 0x6672_6f6e_7403,
    /// Applying the seed file (several instances may start with the same one).
    Seed = 0x6672_6f6e_7404,
}

/// How to reach the database: its URL and the pool's limits.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections per instance (`FRONTDESK_DB_MAX_CONNECTIONS`).
    pub max_connections: u32,
    /// How long to wait for a connection, and (PostgreSQL) for one statement, before failing
    /// (`FRONTDESK_DB_TIMEOUT_SECONDS`).
    pub timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `what` names the setting the URL came from in error messages (`DATABASE_URL`, `--to`).
pub(super) async fn connect_sqlite(
    database_url: &str,
    options: &DbOptions,
    what: &str,
) -> anyhow::Result<SqlitePool> {
    let connect = SqliteConnectOptions::from_str(database_url)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL is durable in WAL mode except for the last transactions on power loss, not on crash.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers queue instead of failing when another write holds the lock.
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        // No ping before each use: an embedded database has no network link that could have dropped,
        // and each ping is a round trip to the connection's thread.
        .test_before_acquire(false)
        .acquire_timeout(options.timeout.max(Duration::from_secs(10)))
        .connect_with(connect)
        .await
        .map_err(|e| {
            // SQLITE_CANTOPEN: almost always a missing or read-only directory.
            let hint = match e.as_database_error().and_then(|d| d.code()) {
                Some(code) if code == "14" => {
                    " (check that the directory exists and that this user may write to it; in the \
                     container the user is 65532)"
                }
                _ => "",
            };
            anyhow::anyhow!("{what}: cannot open {database_url}: {e}{hint}")
        })
}

pub(super) async fn connect_postgres(
    database_url: &str,
    options: &DbOptions,
    what: &str,
) -> anyhow::Result<PgPool> {
    let timeout_ms = options.timeout.as_millis().to_string();
    let connect = PgConnectOptions::from_str(database_url)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?
        .application_name("frontdesk")
        // No statement may hold a connection (and a request) longer than the timeout.
        .options([("statement_timeout", timeout_ms.as_str())]);
    PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.timeout)
        // A connection that died with a database restart is noticed before it is handed out.
        .test_before_acquire(true)
        .connect_with(connect)
        .await
        .map_err(|e| anyhow::anyhow!("{what}: cannot connect to PostgreSQL: {e}"))
}
