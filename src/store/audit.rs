//! The append-only `audit_log` table.

use sqlx::{Sqlite, Transaction};

use super::now_text;

/// One thing that happened. `details` is a JSON object and must never hold secret material.
pub struct AuditEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor_email: Option<&'a str>,
    pub source_addr: Option<String>,
    pub action: &'static str,
    pub client_id: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Audit rows are written inside the transaction of the change they describe: both land or neither.
pub(super) async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    entry: &AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_email, source_addr, action, client_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now_text())
    .bind(entry.actor_id)
    .bind(entry.actor_email)
    .bind(entry.source_addr.as_deref())
    .bind(entry.action)
    .bind(entry.client_id)
    .bind(entry.details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
