//! The audit rows this instance wrote and has not yet forwarded to the audit sink. An id is noted when
//! its row is inserted, inside the change's transaction; the sink's reader forwards it once another
//! connection can see the row (it committed) and forgets ids that never show (rolled back). Noting
//! takes a short lock and never waits on the sink.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::audit::{ROW_SELECT, RowColumns, audit_row};
use super::{AuditRow, Store, StoreError};

/// Ids noted and not yet seen; beyond this, new ones are dropped (and counted), not queued.
pub const MAX_PENDING: usize = 10_000;

/// Noted ids, and a wake-up for the reader.
#[derive(Debug, Default)]
pub struct AuditTap {
    pending: Mutex<Vec<(i64, Instant)>>,
    wake: tokio::sync::Notify,
}

impl AuditTap {
    fn note(&self, id: i64) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        if pending.len() >= MAX_PENDING {
            drop(pending);
            dropped(1);
            return;
        }
        pending.push((id, Instant::now()));
        drop(pending);
        self.wake.notify_one();
    }

    /// Waits until an id is noted, or `at_most`.
    pub async fn wait(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.wake.notified()).await;
    }

    /// The ids noted and not yet seen.
    pub fn pending(&self) -> Vec<i64> {
        self.pending
            .lock()
            .map(|p| p.iter().map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }

    /// Forgets the ids `seen`, and those noted longer than `give_up` ago (their transaction rolled back).
    pub fn settle(&self, seen: &[i64], give_up: Duration) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|(id, noted)| !seen.contains(id) && noted.elapsed() < give_up);
        }
    }
}

/// Counts entries the sink will never see, and says so.
pub fn dropped(n: u64) {
    metrics::counter!("frontdesk_audit_sink_dropped_total").increment(n);
    tracing::warn!("audit sink: {n} entries dropped (the sink is behind)");
}

impl Store {
    /// The same store, noting the audit rows it writes in `tap`.
    pub fn with_audit_tap(self, tap: std::sync::Arc<AuditTap>) -> Self {
        Self {
            audit_tap: Some(tap),
            ..self
        }
    }

    pub(super) fn noted_audit(&self, id: i64) {
        if let Some(tap) = &self.audit_tap {
            tap.note(id);
        }
    }

    /// The committed rows among `ids`, oldest first.
    pub async fn audit_rows_by_id(&self, ids: &[i64]) -> Result<Vec<AuditRow>, StoreError> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(500) {
            let found: Vec<RowColumns> = on_db!(&self.pool, p => {
                let mut qb = sqlx::QueryBuilder::<Db>::new(ROW_SELECT);
                qb.push(" WHERE id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(") ORDER BY id");
                qb.build_query_as().fetch_all(p).await
            })?;
            rows.extend(found.into_iter().map(audit_row));
        }
        Ok(rows)
    }
}
