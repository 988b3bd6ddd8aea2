//! An app's standing: suspended or active, and since when its tokens count (Revoke all tokens).

use time::OffsetDateTime;

use super::super::audit::{audit_insert, execute_audited};
use crate::store::{AuditEntry, Store, StoreError, from_text};

/// What decides whether an access token issued to an app still stands, whatever else holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppStanding {
    pub suspended: bool,
    pub tokens_not_before: Option<OffsetDateTime>,
}

impl AppStanding {
    /// From the columns `suspended_at IS NOT NULL, tokens_not_before`.
    pub(crate) fn of_row((suspended, cut): (bool, Option<String>)) -> Self {
        Self {
            suspended,
            tokens_not_before: cut.as_deref().map(from_text),
        }
    }

    /// True when a token issued at `iat` (Unix seconds) may be active. A token issued in the very
    /// second of a revocation is refused too: `iat` has whole seconds, so it cannot tell which came
    /// first, and refusing is the safe side.
    pub fn admits(&self, iat: i64) -> bool {
        !self.suspended
            && self
                .tokens_not_before
                .is_none_or(|cut| iat > cut.unix_timestamp())
    }
}

impl Store {
    /// The standing of app `client_id`; `None` when there is no such app.
    pub async fn app_standing(&self, client_id: &str) -> Result<Option<AppStanding>, StoreError> {
        if !crate::store::searchable(client_id) {
            return Ok(None);
        }
        let row: Option<(bool, Option<String>)> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT suspended_at IS NOT NULL, tokens_not_before FROM apps WHERE client_id = $1",
            )
            .bind(client_id)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(AppStanding::of_row))
    }

    /// Suspends (`true`) or resumes (`false`) app `app_id`, with the audit row, in one transaction.
    /// False when it already was so (nothing written, nothing recorded).
    pub async fn set_app_suspended(
        &self,
        app_id: i64,
        suspended: bool,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let now = self.now_text();
        let changed = on_db!(&self.pool, p => {
            let write = if suspended {
                sqlx::query("UPDATE apps SET suspended_at = $1 WHERE id = $2 AND suspended_at IS NULL")
                    .bind(&now)
                    .bind(app_id)
            } else {
                sqlx::query(
                    "UPDATE apps SET suspended_at = NULL WHERE id = $1 AND suspended_at IS NOT NULL",
                )
                .bind(app_id)
            };
            execute_audited!(self, p, &now, write, &audit_entry)
        })?;
        Ok(changed > 0)
    }

    /// Revokes every token app `app_id` holds now: access tokens issued up to this moment become
    /// inactive (`tokens_not_before`), and its people's grants (with their refresh tokens) are
    /// revoked; consents and secrets stay. The audit row is `entry(grants revoked)`. False when
    /// the app is gone.
    pub async fn revoke_app_tokens<'a>(
        &self,
        app_id: i64,
        entry: impl FnOnce(usize) -> AuditEntry<'a>,
    ) -> Result<bool, StoreError> {
        let now = self.now_text();
        let done = on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            let changed = sqlx::query("UPDATE apps SET tokens_not_before = $1 WHERE id = $2")
                .bind(&now)
                .bind(app_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            let revoked = sqlx::query(
                "UPDATE grants SET revoked_at = $1 WHERE app_id = $2 AND revoked_at IS NULL",
            )
            .bind(&now)
            .bind(app_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let grants = usize::try_from(revoked).unwrap_or(usize::MAX);
            audit_insert!(self, tx, &entry(grants), &now)?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(true)
        }
        .await)?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_of_the_revocations_second_or_before_is_refused() {
        let cut =
            OffsetDateTime::from_unix_timestamp(1_000).unwrap() + time::Duration::milliseconds(500);
        let standing = AppStanding {
            suspended: false,
            tokens_not_before: Some(cut),
        };
        assert!(!standing.admits(999));
        assert!(!standing.admits(1_000));
        assert!(standing.admits(1_001));
        let suspended = AppStanding {
            suspended: true,
            tokens_not_before: None,
        };
        assert!(!suspended.admits(1_001));
    }
}
