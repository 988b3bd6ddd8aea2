//! `frontdesk db copy`: moving an install from one database to another (SQLite to PostgreSQL above
//! all), table by table with explicit columns, ids kept, in one transaction on the target.
//!
//! The source is only read: SQLite opened read-only, PostgreSQL in a READ ONLY transaction, and both
//! read in one snapshot, so the copy is consistent even if a server still writes (what it writes after
//! the snapshot is not copied). The source must be at exactly this binary's migrations: migrating it
//! would write to it, and copying a schema this binary does not know would lose columns.

mod tables;

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::pool::{DbOptions, POSTGRES_MIGRATIONS, Pool, SQLITE_MIGRATIONS, is_postgres_url};
use super::pool::{connect_postgres, connect_sqlite};
use crate::config::redacted_url;
use tables::{Ids, Kind};
pub use tables::{NOT_COPIED, TABLES, Table};

/// Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const PAGE: i64 = 500;

/// One table's rows on each side after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub source: i64,
    pub target: i64,
}

/// What `copy_database` did: the row counts of every copied table, source (its snapshot) and target
/// (read again after the commit).
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub tables: Vec<TableCount>,
}

impl CopyReport {
    /// The tables whose counts differ; empty when the copy is verified.
    pub fn differences(&self) -> Vec<&TableCount> {
        self.tables
            .iter()
            .filter(|t| t.source != t.target)
            .collect()
    }
}

/// A column's value on its way from one backend to the other.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

/// An open transaction on either backend.
enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// `on_db!` for a transaction: `$body` compiled once per backend, `Db` naming it.
macro_rules! on_tx {
    ($tx:expr, $t:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => {
                #[allow(unused)]
                type Db = ::sqlx::Sqlite;
                $body
            }
            Tx::Postgres($t) => {
                #[allow(unused)]
                type Db = ::sqlx::Postgres;
                $body
            }
        }
    };
}

/// Copies every table of `TABLES` from the database at `from` into the one at `to`, which is migrated
/// first and must be empty in every one of them (else nothing is written and the error names the
/// table). All rows go in one transaction, so a failure leaves the target as empty as it was. The
/// counts are then read again on the target; the caller decides what a difference means.
pub async fn copy_database(from: &str, to: &str) -> anyhow::Result<CopyReport> {
    check_scheme(from, "--from")?;
    check_scheme(to, "--to")?;
    let source = open_source(from).await?;
    check_source_migrations(&source, from).await?;
    let target = open_target(to).await?;

    let mut read = begin(&source, true).await?;
    let mut write = begin(&target, false).await?;
    for table in TABLES {
        let rows = count(&mut write, table.name).await?;
        if rows > 0 {
            bail!(
                "--to: {} is not empty: table {} has {rows} row{}; frontdesk db copy only fills \
                 an empty database (create a new one, and do not start a server on it before the copy)",
                redacted_url(to),
                table.name,
                if rows == 1 { "" } else { "s" }
            );
        }
    }
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((table.name, count(&mut read, table.name).await?));
        copy_table(&mut read, &mut write, table)
            .await
            .with_context(|| format!("copying table {}", table.name))?;
        if table.ids != Ids::None {
            let next = high_water(&mut read, table).await?;
            set_high_water(&mut write, table, next).await?;
        }
    }
    on_tx!(write, t => t.commit().await)?;
    on_tx!(read, t => t.rollback().await)?;

    let mut report = CopyReport { tables: Vec::new() };
    for (table, source) in counts {
        let target = on_db!(&target, p => {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(p)
                .await
        })?;
        report.tables.push(TableCount {
            table,
            source,
            target,
        });
    }
    source.close().await;
    target.close().await;
    Ok(report)
}

/// Whether `url` names a backend frontdesk has: `sqlite:` or `postgres(ql)://`.
fn check_scheme(url: &str, what: &str) -> anyhow::Result<()> {
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
async fn open_source(from: &str) -> anyhow::Result<Pool> {
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
async fn check_source_migrations(source: &Pool, from: &str) -> anyhow::Result<()> {
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
async fn open_target(to: &str) -> anyhow::Result<Pool> {
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

/// A transaction: on the source a read-only snapshot, on the target the one that writes everything.
/// On PostgreSQL neither is bound by the server's per-statement timeout: a large table takes longer.
async fn begin(pool: &Pool, read_only: bool) -> Result<Tx, sqlx::Error> {
    Ok(match pool {
        Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
        Pool::Postgres(p) => {
            let mut tx = p.begin().await?;
            if read_only {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("SET LOCAL statement_timeout = 0")
                .execute(&mut *tx)
                .await?;
            Tx::Postgres(tx)
        }
    })
}

async fn count(tx: &mut Tx, table: &str) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_tx!(tx, t => sqlx::query_scalar(&sql).fetch_one(&mut **t).await)
}

/// Copies `table` page by page in primary-key order, each page one multi-row INSERT.
async fn copy_table(read: &mut Tx, write: &mut Tx, table: &Table) -> anyhow::Result<()> {
    let columns = table.column_names().collect::<Vec<_>>().join(", ");
    let select = format!(
        "SELECT {columns} FROM {} ORDER BY {} LIMIT $1 OFFSET $2",
        table.name, table.order
    );
    let mut offset = 0;
    loop {
        let page: Vec<Vec<Value>> = on_tx!(read, t => {
            let rows = sqlx::query(&select).bind(PAGE).bind(offset).fetch_all(&mut **t).await?;
            rows.iter()
                .map(|row| {
                    table.columns.iter().enumerate().map(|(i, (_, kind))| {
                        Ok(match kind {
                            Kind::Int => Value::Int(row.try_get(i)?),
                            Kind::Text => Value::Text(row.try_get(i)?),
                            Kind::Bool => Value::Bool(row.try_get(i)?),
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let Ok(len) = i64::try_from(page.len()) else {
            bail!("a page too large");
        };
        if len == 0 {
            return Ok(());
        }
        on_tx!(write, t => {
            let mut insert =
                sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO {} ({columns}) ", table.name));
            insert.push_values(page, |mut b, row| {
                for value in row {
                    match value {
                        Value::Int(v) => b.push_bind(v),
                        Value::Text(v) => b.push_bind(v),
                        Value::Bool(v) => b.push_bind(v),
                    };
                }
            });
            insert.build().execute(&mut **t).await?;
        });
        offset += len;
    }
}

/// The highest id `table` has ever handed out on the source: its largest id, or more where the
/// source remembers ids of deleted rows (SQLite `AUTOINCREMENT`, PostgreSQL identities).
async fn high_water(read: &mut Tx, table: &Table) -> Result<i64, sqlx::Error> {
    let name = table.name;
    let sql = match (&*read, table.ids) {
        (Tx::Sqlite(_), Ids::AutoIncrement) => format!(
            "SELECT MAX(COALESCE((SELECT MAX(id) FROM {name}), 0),
                        COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{name}'), 0))"
        ),
        (Tx::Sqlite(_), _) => format!("SELECT COALESCE(MAX(id), 0) FROM {name}"),
        (Tx::Postgres(_), _) => format!(
            "SELECT GREATEST(COALESCE((SELECT MAX(id) FROM {name}), 0),
                             COALESCE(pg_sequence_last_value(
                                 pg_get_serial_sequence('{name}', 'id')::regclass), 0))"
        ),
    };
    on_tx!(read, t => sqlx::query_scalar(&sql).fetch_one(&mut **t).await)
}

/// Makes the target hand out ids above `high_water`: PostgreSQL identities do not see explicit ids,
/// and SQLite `AUTOINCREMENT` only knows the largest id inserted.
async fn set_high_water(write: &mut Tx, table: &Table, high_water: i64) -> anyhow::Result<()> {
    let name = table.name;
    match (write, table.ids) {
        (Tx::Postgres(t), _) => {
            sqlx::query("SELECT setval(pg_get_serial_sequence($1, 'id'), $2 + 1, false)")
                .bind(name)
                .bind(high_water)
                .execute(&mut **t)
                .await?;
        }
        (Tx::Sqlite(t), Ids::AutoIncrement) if high_water > 0 => {
            sqlx::query("DELETE FROM sqlite_sequence WHERE name = $1")
                .bind(name)
                .execute(&mut **t)
                .await?;
            sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                .bind(name)
                .bind(high_water)
                .execute(&mut **t)
                .await?;
        }
        (Tx::Sqlite(_), _) => {}
    }
    Ok(())
}
