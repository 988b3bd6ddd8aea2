//! Where dashboard sessions live: in the same database as everything else, so a session started on one
//! instance works on every other (PostgreSQL) and survives a restart (both backends).

use async_trait::async_trait;
use tower_sessions::ExpiredDeletion;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::store::Pool;

/// The session store of whichever backend the database is.
#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// The `sessions` table of `pool`'s database, created if missing.
    pub async fn open(pool: &Pool) -> anyhow::Result<Self> {
        let sessions = match pool {
            Pool::Sqlite(p) => Self::Sqlite(
                SqliteStore::new(p.clone())
                    .with_table_name("sessions")
                    .map_err(anyhow::Error::msg)?,
            ),
            Pool::Postgres(p) => Self::Postgres(
                PostgresStore::new(p.clone())
                    .with_schema_name("public")
                    .and_then(|s| s.with_table_name("sessions"))
                    .map_err(anyhow::Error::msg)?,
            ),
        };
        match &sessions {
            Self::Sqlite(s) => s.migrate().await?,
            // Instances starting at once on a new database race to create the table: PostgreSQL lets
            // one `CREATE TABLE IF NOT EXISTS` through and, once it commits, fails the others, with a
            // unique violation on pg_type (23505) or "type already exists" / "relation already
            // exists" (42710, 42P07), depending on where they met; those try once more and find the
            // table there.
            Self::Postgres(s) => match s.migrate().await {
                Err(e)
                    if matches!(
                        e.as_database_error().and_then(|d| d.code()).as_deref(),
                        Some("23505" | "42710" | "42P07")
                    ) =>
                {
                    s.migrate().await?;
                }
                result => result?,
            },
        }
        Ok(sessions)
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, session_id: &Id) -> Result<Option<Record>> {
        match self {
            Self::Sqlite(s) => s.load(session_id).await,
            Self::Postgres(s) => s.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.delete(session_id).await,
            Self::Postgres(s) => s.delete(session_id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.delete_expired().await,
            Self::Postgres(s) => s.delete_expired().await,
        }
    }
}
