//! Reaching both ends of `db copy`: URLs of a backend we have, the source opened so it cannot be
//! written and checked to be at this binary's migrations, the target opened and migrated.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::config::redacted_url;
use crate::store::pool::{
    DbOptions, POSTGRES_MIGRATIONS, Pool, SQLITE_MIGRATIONS, is_postgres_url,
};
use crate::store::pool::{connect_postgres, connect_sqlite};

/// Whether `url` names a backend frontdesk has: `sqlite:` or `postgres(ql)://`.
pub(super) fn check_scheme(url: &str, what: &str) -> anyhow::Result<()> {
    if url.starts_with("sqlite:") || is_postgres_url(url) {
        return Ok(());
    }
    bail!(
        "{what}: expected sqlite://FILE or postgres://USER:PASSWORD@HOST:PORT/DB, got {}",
        redacted_url(url)
    )
}

/// The source, opened so it cannot be written: a SQLite file read-only (and never created), PostgreSQL
/// as usual (its transaction is READ ONLY).
pub(super) async fn open_source(from: &str) -> anyhow::Result<Pool> {
    let options = DbOptions {
        max_connections: 2,
        ..DbOptions::default()
    };
    if is_postgres_url(from) {
        return Ok(Pool::Postgres(
            connect_postgres(from, &options, "--from").await?,
        ));
    }
    let connect = SqliteConnectOptions::from_str(from)
        .map_err(|e| anyhow!("--from: {e}"))?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    let file = connect.get_filename();
    if !file.is_file() {
        bail!("--from: no such SQLite file: {}", file.display());
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        .connect_with(connect)
        .await
        .map_err(|e| anyhow!("--from: cannot open {from}: {e}"))?;
    Ok(Pool::Sqlite(pool))
}

/// Refuses a source whose applied migrations are not exactly this binary's.
pub(super) async fn check_source_migrations(source: &Pool, from: &str) -> anyhow::Result<()> {
    let applied: Result<Vec<i64>, sqlx::Error> = on_db!(source, p => {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version")
            .fetch_all(p)
            .await
    });
    let from = redacted_url(from);
    let applied =
        applied.map_err(|e| anyhow!("--from: {from} is not a frontdesk database ({e})"))?;
    let known: Vec<i64> = match source {
        Pool::Sqlite(_) => SQLITE_MIGRATIONS.iter().map(|m| m.version).collect(),
        Pool::Postgres(_) => POSTGRES_MIGRATIONS.iter().map(|m| m.version).collect(),
    };
    if applied == known {
        return Ok(());
    }
    let last = |v: &[i64]| v.last().map_or("none".to_owned(), |n| format!("{n:04}"));
    if applied.iter().all(|v| known.contains(v)) {
        bail!(
            "--from: {from} is at migration {} and this frontdesk at {}; migrate it first \
             (DATABASE_URL={from} frontdesk migrate), then copy",
            last(&applied),
            last(&known)
        );
    }
    bail!(
        "--from: {from} is at migration {}, newer than this frontdesk ({}); copy with the frontdesk \
         version that last served it",
        last(&applied),
        last(&known)
    )
}

/// The target, created if it is a new SQLite file, and migrated.
pub(super) async fn open_target(to: &str) -> anyhow::Result<Pool> {
    let options = DbOptions {
        max_connections: 2,
        ..DbOptions::default()
    };
    let target = if is_postgres_url(to) {
        Pool::Postgres(connect_postgres(to, &options, "--to").await?)
    } else {
        Pool::Sqlite(connect_sqlite(to, &options, "--to").await?)
    };
    match &target {
        Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
        Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
    }
    .with_context(|| format!("--to: migrating {}", redacted_url(to)))?;
    Ok(target)
}
