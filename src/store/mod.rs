//! Every SQL statement lives below this module, one file per table. Handlers call `Store` methods and
//! never see SQL, so a PostgreSQL backend can follow by swapping this layer.

mod apps;
mod audit;
mod identity;
mod inline;
mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Clock;

pub use apps::{
    AddSecretError, AppDetail, AppEdit, AppQuery, AppSort, AppSummary, MAX_SECRETS_PER_APP, NewApp,
    NewSecret, SecretInfo,
};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use identity::{ClientSecretRow, SigningKeyRow};
pub use users::{NewUser, NewUserLink, User, UserChangeError, UserLink};

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Connections for the token path's read, made on the calling thread (see `inline`).
    inline: Option<Arc<inline::InlineReads>>,
    /// What "now" is for the rows this store stamps (the server's clock, shared with the handlers).
    clock: Clock,
}

/// Errors a caller can act on; everything else is `Other` and becomes a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a row with this key already exists")]
    Duplicate,
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

impl StoreError {
    fn from_write(e: sqlx::Error) -> Self {
        match e.as_database_error() {
            Some(db) if db.is_unique_violation() => Self::Duplicate,
            _ => Self::Other(e),
        }
    }
}

impl Store {
    /// Opens (creating if missing) the database, in WAL mode with foreign keys on, and migrates it.
    pub async fn open(database_url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(database_url)
            .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable in WAL mode except for the last transactions on power loss, not on crash.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue instead of failing when another write holds the lock.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // No ping before each use: an embedded database has no network link that could have
            // dropped, and each ping is a round trip to the connection's thread.
            .test_before_acquire(false)
            .connect_with(options)
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
                anyhow::anyhow!("DATABASE_URL: cannot open {database_url}: {e}{hint}")
            })?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let inline = inline::InlineReads::new(pool.connect_options().get_filename()).map(Arc::new);
        Ok(Self {
            pool,
            inline,
            clock: Clock::default(),
        })
    }

    /// The same store, stamping rows with `clock`'s time.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// Now, as stored.
    fn now_text(&self) -> String {
        to_text(self.clock.now())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Ready to serve: the database answers and every migration this binary knows has been applied.
    pub async fn ready(&self) -> Result<(), String> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| format!("database unreachable: {e}"))?;
        let known = sqlx::migrate!("./migrations").iter().count();
        if usize::try_from(applied).unwrap_or(0) < known {
            return Err(format!("{applied} of {known} migrations applied"));
        }
        Ok(())
    }

    /// How many apps and secrets there are, for the metrics.
    pub async fn count_apps_and_secrets(&self) -> Result<(i64, i64), StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM app_secrets)",
            )
            .fetch_one(&self.pool)
            .await?,
        )
    }

    /// Writes a consistent copy of the live database to `path` (SQLite's `VACUUM INTO`), without
    /// stopping writers. Refuses to overwrite an existing file.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<(), StoreError> {
        let target = path.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Timestamps are stored as RFC 3339 text in UTC.
pub(crate) fn to_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn from_text(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
