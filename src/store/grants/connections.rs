//! Connections as the account sees them: which store apps people authorized, and disconnecting one.

use time::OffsetDateTime;

use crate::store::audit::audit_insert;
use crate::store::{AuditEntry, Store, StoreError, from_text, to_text};

/// A store app connected to the account, as the Connected apps list shows it.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    pub client_id: String,
    pub client_name: String,
    pub logo_url: Option<String>,
    /// Who connected it first (display name and email), and when.
    pub connected_by: String,
    pub connected_by_email: String,
    pub connected_at: OffsetDateTime,
    /// How many people have authorized it.
    pub people: i64,
}

/// Connected store apps, each with the person who connected it first and how many people have: the
/// query of `connected_apps` and `connected_app`, which add their order or their app.
const CONNECTED: &str =
    "SELECT a.client_id, a.client_name, a.logo_url, u.display_name, u.email, c.created_at,
            (SELECT COUNT(*) FROM consents n WHERE n.app_id = a.id)
     FROM apps a
     JOIN consents c ON c.app_id = a.id
     JOIN users u ON u.id = c.user_id
     WHERE c.user_id = (SELECT f.user_id FROM consents f WHERE f.app_id = a.id
                        ORDER BY f.created_at, f.user_id LIMIT 1)";

type ConnectedRow = (String, String, Option<String>, String, String, String, i64);

fn connected_app(
    (client_id, client_name, logo_url, by, by_email, at, people): ConnectedRow,
) -> ConnectedApp {
    ConnectedApp {
        client_id,
        client_name,
        logo_url,
        connected_by: by,
        connected_by_email: by_email,
        connected_at: from_text(&at),
        people,
    }
}

impl Store {
    /// Store apps with at least one consent, most recently connected first.
    pub async fn connected_apps(&self) -> Result<Vec<ConnectedApp>, StoreError> {
        let rows: Vec<ConnectedRow> = on_db!(&self.pool, p => {
            sqlx::query_as(&format!("{CONNECTED} ORDER BY c.created_at DESC, a.id DESC"))
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(connected_app).collect())
    }

    /// Store app `client_id` as `connected_apps` lists it, if anyone has authorized it.
    pub async fn connected_app(&self, client_id: &str) -> Result<Option<ConnectedApp>, StoreError> {
        if !crate::store::searchable(client_id) {
            return Ok(None);
        }
        let row: Option<ConnectedRow> = on_db!(&self.pool, p => {
            sqlx::query_as(&format!("{CONNECTED} AND a.client_id = $1"))
                .bind(client_id)
                .fetch_optional(p)
                .await
        })?;
        Ok(row.map(connected_app))
    }

    /// Disconnects store app `client_id` from the account: deletes every consent it has and revokes
    /// every grant (refresh tokens and access tokens alike), with the audit row `entry(consents
    /// removed)`, in one transaction. `None` when the app had nothing to disconnect.
    pub async fn disconnect_app<'a>(
        &self,
        client_id: &str,
        entry: impl FnOnce(usize) -> AuditEntry<'a>,
    ) -> Result<Option<usize>, StoreError> {
        if !crate::store::searchable(client_id) {
            return Ok(None);
        }
        let now = self.now_text();
        let done = on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            let removed = sqlx::query(
                "DELETE FROM consents WHERE app_id = (SELECT id FROM apps WHERE client_id = $1)",
            )
            .bind(client_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let revoked = sqlx::query(
                "UPDATE grants SET revoked_at = $2
                 WHERE app_id = (SELECT id FROM apps WHERE client_id = $1) AND revoked_at IS NULL",
            )
            .bind(client_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed == 0 && revoked == 0 {
                return Ok(None);
            }
            let consents = usize::try_from(removed).unwrap_or(usize::MAX);
            audit_insert!(self, tx, &entry(consents), &now)?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(consents))
        }
        .await)?;
        Ok(done)
    }

    /// Forgets what can no longer be used: codes past their end, refresh tokens past theirs, and
    /// grants whose end is older than `grants_before` (so their access tokens have expired too).
    pub async fn purge_grants(
        &self,
        now: OffsetDateTime,
        grants_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (now, before) = (to_text(now), to_text(grants_before));
        on_db!(&self.pool, p => async {
            sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
                .bind(&now)
                .execute(p)
                .await?;
            sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
                .bind(&now)
                .execute(p)
                .await?;
            sqlx::query("DELETE FROM grants WHERE expires_at < $1")
                .bind(&before)
                .execute(p)
                .await
                .map(|_| ())
        }
        .await)?;
        Ok(())
    }
}
