//! The append-only `audit_log` table.

use crate::domain::{AuditEvent, RecordedEvent};

/// One thing that happened: who did it, from where, to which app, and the event (its action and
/// details columns).
pub struct AuditEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor_email: Option<&'a str>,
    pub source_addr: Option<String>,
    pub client_id: Option<&'a str>,
    pub event: AuditEvent,
}

/// The audit row's details column: the event's details as JSON text.
pub(super) fn details_text(entry: &AuditEntry<'_>) -> Result<String, sqlx::Error> {
    entry
        .event
        .details()
        .map(|d| d.to_string())
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Writes the audit row `$entry` at `$at` inside transaction `$tx` (of either backend) of `$store`'s
/// method: audit rows are written inside the transaction of the change they describe, so both land or
/// neither. The new row's id is noted for the audit sink, which forwards it once it sees it committed.
macro_rules! audit_insert {
    ($store:expr, $tx:expr, $entry:expr, $at:expr) => {{
        let entry: &$crate::store::AuditEntry<'_> = $entry;
        let details = $crate::store::audit::details_text(entry)?;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO audit_log (at, actor_id, actor_email, source_addr, action, client_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind($at)
        .bind(entry.actor_id)
        .bind(entry.actor_email)
        .bind(entry.source_addr.as_deref())
        .bind(entry.event.action().as_str())
        .bind(entry.client_id)
        .bind(details)
        .fetch_one(&mut *$tx)
        .await
        .map(|id| $store.noted_audit(id))
    }};
}
pub(super) use audit_insert;

/// Runs the write `$write` (a query on pool `$p`'s backend) and, if it changed any row, its audit row, in
/// one transaction: both land or neither. Evaluates to how many rows the write changed (0: nothing
/// happened, nothing was recorded).
macro_rules! execute_audited {
    ($store:expr, $p:expr, $at:expr, $write:expr, $entry:expr) => {
        async {
            let mut tx = $p.begin().await?;
            let changed = $write.execute(&mut *tx).await?.rows_affected();
            if changed > 0 {
                $crate::store::audit::audit_insert!($store, tx, $entry, $at)?;
                tx.commit().await?;
            }
            Ok::<u64, sqlx::Error>(changed)
        }
        .await
    };
}
pub(super) use execute_audited;

/// A recorded event, as the Activity pages show it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub at: time::OffsetDateTime,
    pub actor_email: Option<String>,
    pub source_addr: Option<String>,
    pub client_id: Option<String>,
    pub event: RecordedEvent,
}

/// Which events to list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub client_id: Option<String>,
    pub actor_email: Option<String>,
    /// From the start of this day (UTC), inclusive.
    pub from: Option<time::Date>,
    /// To the end of this day (UTC), inclusive.
    pub to: Option<time::Date>,
}

/// A stored row as it is exported: the columns as written, the id for keyset paging.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: time::OffsetDateTime,
    pub actor_email: Option<String>,
    pub source_addr: Option<String>,
    pub action: String,
    pub client_id: Option<String>,
    /// The details column: JSON text.
    pub details: String,
}

/// The columns of an `AuditRow`, as `ROW_SELECT` reads them.
pub(super) type RowColumns = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
);

pub(super) const ROW_SELECT: &str =
    "SELECT id, at, actor_email, source_addr, action, client_id, details FROM audit_log";

pub(super) fn audit_row(
    (id, at, actor_email, source_addr, action, client_id, details): RowColumns,
) -> AuditRow {
    AuditRow {
        id,
        at: super::from_text(&at),
        actor_email,
        source_addr,
        action,
        client_id,
        details,
    }
}

/// `YYYY-MM-DD`: every stored `at` of that day (RFC 3339 text in UTC) sorts at or after it, and every
/// one of the day before sorts before it, whatever digits of a second follow.
fn day_text(day: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

impl AuditFilter {
    fn searchable(&self) -> bool {
        [&self.client_id, &self.actor_email]
            .into_iter()
            .flatten()
            .all(|t| super::searchable(t))
    }
}

fn push_filter<'a, DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<'a, DB>, filter: &AuditFilter)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" WHERE 1 = 1");
    if let Some(client_id) = &filter.client_id {
        qb.push(" AND client_id = ").push_bind(client_id.clone());
    }
    if let Some(email) = &filter.actor_email {
        qb.push(" AND actor_email = ").push_bind(email.clone());
    }
    // Byte order, not the database's collation: the bounds are compared as the text they are.
    let at = if DB::NAME == "PostgreSQL" {
        " AND at COLLATE \"C\""
    } else {
        " AND at"
    };
    if let Some(from) = filter.from {
        qb.push(at).push(" >= ").push_bind(day_text(from));
    }
    if let Some(to) = filter.to {
        // Before the next day starts; the last representable day has no next day, and nothing after.
        if let Some(next) = to.next_day() {
            qb.push(at).push(" < ").push_bind(day_text(next));
        }
    }
}

impl super::Store {
    /// Events newest first.
    pub async fn audit_records(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRecord>, super::StoreError> {
        if !filter.searchable() {
            return Ok(Vec::new());
        }
        type Columns = (
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            String,
        );
        let rows: Vec<Columns> = on_db!(&self.pool, p => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(
                "SELECT at, actor_email, source_addr, action, client_id, details FROM audit_log",
            );
            push_filter(&mut qb, filter);
            qb.push(" ORDER BY id DESC LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            qb.build_query_as().fetch_all(p).await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(at, actor_email, source_addr, action, client_id, details)| AuditRecord {
                    at: super::from_text(&at),
                    actor_email,
                    source_addr,
                    client_id,
                    event: RecordedEvent::read(&action, &details),
                },
            )
            .collect())
    }

    pub async fn count_audit_records(
        &self,
        filter: &AuditFilter,
    ) -> Result<i64, super::StoreError> {
        if !filter.searchable() {
            return Ok(0);
        }
        Ok(on_db!(&self.pool, p => {
            let mut qb = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM audit_log");
            push_filter(&mut qb, filter);
            qb.build_query_scalar().fetch_one(p).await
        })?)
    }

    /// Up to `limit` rows matching `filter`, newest first, all older than row `before` when given: one
    /// batch of an export, which pages by id (keyset) so that no batch costs more than the first.
    pub async fn audit_rows(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, super::StoreError> {
        if !filter.searchable() {
            return Ok(Vec::new());
        }
        let rows: Vec<RowColumns> = on_db!(&self.pool, p => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(ROW_SELECT);
            push_filter(&mut qb, filter);
            if let Some(before) = before {
                qb.push(" AND id < ").push_bind(before);
            }
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
            qb.build_query_as().fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(audit_row).collect())
    }

    /// Everyone who appears in the audit log, for the Activity page's filter.
    pub async fn audit_actors(&self) -> Result<Vec<String>, super::StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT DISTINCT actor_email FROM audit_log WHERE actor_email IS NOT NULL
                 ORDER BY actor_email",
            )
            .fetch_all(p)
            .await
        })?)
    }
}
