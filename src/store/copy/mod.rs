//! `frontdesk db copy`: moving an install from one database to another (SQLite to PostgreSQL above
//! all), table by table with explicit columns, ids kept, in one transaction on the target.
//!
//! The source is only read: SQLite opened read-only, PostgreSQL in a READ ONLY transaction, and both
//! read in one snapshot, so the copy is consistent even if a server still writes (what it writes after
//! the snapshot is not copied). The source must be at exactly this binary's migrations: migrating it
//! would write to it, and copying a schema this binary does not know would lose columns.

mod open;
mod tables;

use anyhow::{Context, bail};
use sqlx::Row;

use super::pool::Pool;
use crate::config::redacted_url;
use open::{check_scheme, check_source_migrations, open_source, open_target};
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
