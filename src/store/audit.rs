//! The append-only `audit_log` table.

use sqlx::{Sqlite, Transaction};

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

/// Audit rows are written inside the transaction of the change they describe: both land or neither.
pub(super) async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    entry: &AuditEntry<'_>,
    at: &str,
) -> Result<(), sqlx::Error> {
    let details = entry
        .event
        .details()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_email, source_addr, action, client_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(entry.actor_id)
    .bind(entry.actor_email)
    .bind(entry.source_addr.as_deref())
    .bind(entry.event.action().as_str())
    .bind(entry.client_id)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Runs one write and, if it changed any row, its audit row, in one transaction: both land or neither.
/// Returns how many rows the write changed (0: nothing happened, nothing was recorded).
pub(super) async fn execute_audited<'q>(
    pool: &sqlx::SqlitePool,
    at: &str,
    write: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    entry: &AuditEntry<'_>,
) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let changed = write.execute(&mut *tx).await?.rows_affected();
    if changed > 0 {
        insert(&mut tx, entry, at).await?;
        tx.commit().await?;
    }
    Ok(changed)
}

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
}

fn push_filter(qb: &mut sqlx::QueryBuilder<'_, Sqlite>, filter: &AuditFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(client_id) = &filter.client_id {
        qb.push(" AND client_id = ").push_bind(client_id.clone());
    }
    if let Some(email) = &filter.actor_email {
        qb.push(" AND actor_email = ").push_bind(email.clone());
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
        use sqlx::Row;
        let mut qb = sqlx::QueryBuilder::<Sqlite>::new(
            "SELECT at, actor_email, source_addr, action, client_id, details FROM audit_log",
        );
        push_filter(&mut qb, filter);
        qb.push(" ORDER BY id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: super::from_text(row.try_get("at")?),
                    actor_email: row.try_get("actor_email")?,
                    source_addr: row.try_get("source_addr")?,
                    client_id: row.try_get("client_id")?,
                    event: RecordedEvent::read(row.try_get("action")?, row.try_get("details")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(super::StoreError::from)
    }

    pub async fn count_audit_records(
        &self,
        filter: &AuditFilter,
    ) -> Result<i64, super::StoreError> {
        let mut qb = sqlx::QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM audit_log");
        push_filter(&mut qb, filter);
        Ok(qb.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// Everyone who appears in the audit log, for the Activity page's filter.
    pub async fn audit_actors(&self) -> Result<Vec<String>, super::StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT actor_email FROM audit_log WHERE actor_email IS NOT NULL ORDER BY actor_email",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
