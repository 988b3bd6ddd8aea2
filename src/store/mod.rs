//! Every SQL statement lives below this module, one file per table. Handlers call `Store` methods and
//! never see SQL. Two backends, chosen at run time by `DATABASE_URL`'s scheme: SQLite (the embedded
//! default) and PostgreSQL (several instances on one database). Each method is written once: `on_db!`
//! compiles its body for each backend, so the SQL text (portable: `$1` placeholders, RFC 3339 text
//! timestamps, TRUE/FALSE) and the binds are shared, and only what truly differs (locks, backups) is
//! written twice.

/// Runs `$body` with `$p` bound to the store's pool, compiled once per backend; inside, `Db` names the
/// backend's `sqlx::Database` (for `QueryBuilder::<Db>` and the like).
#[macro_export]
macro_rules! on_db {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($p) => {
                #[allow(unused)]
                type Db = ::sqlx::Sqlite;
                $body
            }
            $crate::store::Pool::Postgres($p) => {
                #[allow(unused)]
                type Db = ::sqlx::Postgres;
                $body
            }
        }
    };
}

mod apps;
mod attempts;
mod audit;
mod constraint;
mod copy;
mod grants;
mod identity;
mod inline;
mod keys;
mod pool;
mod tap;
mod users;

use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Clock;

pub use apps::{
    AddSecretError, AppDetail, AppEdit, AppFilter, AppQuery, AppSort, AppStanding, AppSummary,
    MAX_SECRETS_PER_APP, NewApp, NewSecret, RotateSecretError, Rotated, SecretInfo, UNUSED_DAYS,
};
pub use attempts::{AttemptCount, Limit, attempt_key};
pub use audit::{AuditEntry, AuditFilter, AuditRecord, AuditRow};
pub use constraint::Constraint;
pub use copy::{CopyReport, NOT_COPIED, TABLES, Table, TableCount, copy_database};
pub use grants::{
    AuthorizationCode, CodeRedemption, ConnectedApp, GrantRow, NewAuthorizationCode, NewGrant,
    NewRefreshToken, RefreshUse,
};
pub use identity::{ClientSecretRow, SecretUse};
pub use keys::{NewSigningKey, SigningKeyRow};
pub use pool::{DbOptions, Job, POSTGRES_MIGRATIONS, Pool, SQLITE_MIGRATIONS, is_postgres_url};
use pool::{connect_postgres, connect_sqlite};
pub use tap::{AuditTap, MAX_PENDING, dropped as audit_sink_dropped};
pub use users::{NewUser, NewUserLink, User, UserChangeError, UserLink};

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Connections for the token path's read of a SQLite file, made on the calling thread (see
    /// `inline`); `None` on PostgreSQL, whose reads go over the network anyway.
    inline: Option<Arc<inline::InlineReads>>,
    /// What "now" is for the rows this store stamps (the server's clock, shared with the handlers).
    clock: Clock,
    /// Where the audit rows it writes are noted for the audit sink, if there is one.
    audit_tap: Option<Arc<tap::AuditTap>>,
}

/// Errors a caller can act on; everything else is `Other` and becomes a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write: callers turn the keys a person can hit into field errors.
    #[error("a row with this key already exists: {0}")]
    Duplicate(Constraint),
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

impl StoreError {
    /// A write's error: `Duplicate` when it broke a unique key of the schema; any other error, a unique
    /// key included that the schema does not name, stays `Other` with the driver's full message.
    fn from_write(e: sqlx::Error) -> Self {
        match e.as_database_error().and_then(Constraint::violated_by) {
            Some(key) => Self::Duplicate(key),
            None => Self::Other(e),
        }
    }
}

impl Store {
    /// Opens the database named by `database_url` (`sqlite://...` or `postgres://...`) with the default
    /// pool limits, and migrates it.
    pub async fn open(database_url: &str) -> anyhow::Result<Self> {
        Self::open_with(database_url, &DbOptions::default()).await
    }

    /// Opens and migrates the database. Every instance may migrate at start: sqlx's PostgreSQL migrator
    /// holds an advisory lock while it runs, and SQLite has one writer.
    pub async fn open_with(database_url: &str, options: &DbOptions) -> anyhow::Result<Self> {
        let store = Self::connect(database_url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without migrating it.
    pub async fn connect(database_url: &str, options: &DbOptions) -> anyhow::Result<Self> {
        let pool = if is_postgres_url(database_url) {
            Pool::Postgres(connect_postgres(database_url, options, "DATABASE_URL").await?)
        } else {
            Pool::Sqlite(connect_sqlite(database_url, options, "DATABASE_URL").await?)
        };
        let inline = match &pool {
            Pool::Sqlite(p) => {
                inline::InlineReads::new(p.connect_options().get_filename()).map(Arc::new)
            }
            Pool::Postgres(_) => None,
        };
        Ok(Self {
            pool,
            inline,
            clock: Clock::default(),
            audit_tap: None,
        })
    }

    /// Applies the migrations this binary has and the database lacks.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// The same store, stamping rows with `clock`'s time.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// Now, as stored.
    fn now_text(&self) -> String {
        to_text(self.clock.now())
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Ready to serve: the database answers and every migration this binary knows has been applied.
    pub async fn ready(&self) -> Result<(), String> {
        let applied: Result<i64, sqlx::Error> = on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(p)
                .await
        });
        let applied = applied.map_err(|e| format!("database unreachable: {e}"))?;
        let known = match &self.pool {
            Pool::Sqlite(_) => SQLITE_MIGRATIONS.iter().count(),
            Pool::Postgres(_) => POSTGRES_MIGRATIONS.iter().count(),
        };
        if usize::try_from(applied).unwrap_or(0) < known {
            return Err(format!("{applied} of {known} migrations applied"));
        }
        Ok(())
    }

    /// Runs `work` unless another instance is running the job `job` right now; `None` when it is. On
    /// PostgreSQL a transaction on a connection of its own holds `pg_try_advisory_xact_lock(job)` for as
    /// long as `work` runs, so the lock ends with the work, or with the connection if the process dies.
    /// SQLite has one server process: the work always runs.
    pub async fn exclusively<T>(
        &self,
        job: Job,
        work: impl std::future::Future<Output = T>,
    ) -> Result<Option<T>, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(Some(work.await));
        };
        let mut holder = pool.begin().await?;
        let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(job as i64)
            .fetch_one(&mut *holder)
            .await?;
        if !mine {
            return Ok(None);
        }
        let done = work.await;
        holder.commit().await?;
        Ok(Some(done))
    }

    /// How many apps and secrets there are, for the metrics.
    pub async fn count_apps_and_secrets(&self) -> Result<(i64, i64), StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM app_secrets)")
                .fetch_one(p)
                .await
        })?)
    }

    /// Writes a consistent copy of the live SQLite database to `path` (`VACUUM INTO`), without stopping
    /// writers. PostgreSQL has its own tools for this (`pg_dump`): `Ok(false)` says so.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<bool, StoreError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Ok(false);
        };
        let target = path.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(true)
    }
}

/// Whether `e` (or what caused it) says the database cannot be reached right now: no connection within
/// the timeout, a connection lost, the pool closed, a statement cancelled by its timeout, or PostgreSQL
/// restarting (SQLSTATE classes 08 and 57). Such a request is answered 503, to be retried, not 500.
pub fn unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let sqlx = cause.downcast_ref::<sqlx::Error>().or_else(|| {
            match cause.downcast_ref::<StoreError>() {
                Some(StoreError::Other(inner)) => Some(inner),
                _ => None,
            }
        });
        match sqlx {
            Some(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => true,
            Some(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        }
    })
}

/// Whether text from a request can be looked up at all. Nothing stored holds a NUL (every parser
/// refuses control characters), and PostgreSQL refuses NUL in text parameters outright, so a lookup
/// for one is answered "not found" without asking the database, the same on both backends.
pub(crate) fn searchable(text: &str) -> bool {
    !text.contains('\0')
}

/// Timestamps are stored as RFC 3339 text in UTC.
pub(crate) fn to_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn from_text(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations() {
        let versions = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        assert_eq!(
            versions(&SQLITE_MIGRATIONS),
            versions(&POSTGRES_MIGRATIONS),
            "migrations/sqlite and migrations/postgres must hold the same versions"
        );
        assert!(!versions(&SQLITE_MIGRATIONS).is_empty());
    }

    #[test]
    fn the_url_scheme_picks_the_backend() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("sqlite://frontdesk.db"));
        assert!(!is_postgres_url("sqlite::memory:"));
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_other_failures_are_not() {
        assert!(unavailable(&sqlx::Error::PoolTimedOut.into()));
        assert!(unavailable(
            &StoreError::Other(sqlx::Error::PoolClosed).into()
        ));
        assert!(unavailable(
            &anyhow::Error::from(sqlx::Error::PoolTimedOut).context("reading a client secret")
        ));
        assert!(!unavailable(&sqlx::Error::RowNotFound.into()));
        assert!(!unavailable(&anyhow::anyhow!("a template failed")));
    }

    #[test]
    fn text_with_a_nul_is_never_looked_up() {
        assert!(searchable("DEMO-SP-APP"));
        assert!(!searchable("DEMO-SP-APP\0"));
    }
}
