//! Rotating a secret (a new one added, the old one set to expire) in one transaction with its audit
//! row, and the count of secrets about to expire for `/metrics`.

use time::{Duration, OffsetDateTime};

use super::NewSecret;
use super::secrets::{insert_secret, lock_app};
use crate::store::audit::audit_insert;
use crate::store::{AuditEntry, Pool, Store, StoreError, from_text, to_text};

/// What a rotation did: the new secret's id and the old one's expiry from now on.
#[derive(Debug, Clone, Copy)]
pub struct Rotated {
    pub new_secret_id: i64,
    pub old_expires_at: OffsetDateTime,
}

/// Why a rotation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RotateSecretError {
    #[error("the app already has the most secrets allowed")]
    TooMany,
    /// The app or the old secret is gone.
    #[error("no such secret")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Adds `new` to the app (within `MAX_SECRETS_PER_APP`) and sets secret `old_id` to expire at
    /// `old_expires_at`, or keeps its expiry if that is sooner; `audit` makes the audit row from the
    /// outcome. All in one transaction.
    pub async fn rotate_secret<'a>(
        &self,
        app_id: i64,
        old_id: i64,
        old_expires_at: OffsetDateTime,
        new: &NewSecret<'_>,
        created_by: Option<i64>,
        audit: impl FnOnce(Rotated) -> AuditEntry<'a>,
    ) -> Result<Rotated, RotateSecretError> {
        let now = self.now_text();
        let outcome: Result<Result<Rotated, RotateSecretError>, sqlx::Error> = on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            if matches!(self.pool, Pool::Postgres(_)) {
                lock_app!(tx, app_id)?;
            }
            let old: Option<Option<String>> = sqlx::query_scalar(
                "SELECT expires_at FROM app_secrets WHERE id = $1 AND app_id = $2",
            )
            .bind(old_id)
            .bind(app_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(current) = old else {
                return Ok(Err(RotateSecretError::NotFound));
            };
            // Never later than it already would.
            let old_expires_at = match current.as_deref().map(from_text) {
                Some(sooner) if sooner < old_expires_at => sooner,
                _ => old_expires_at,
            };
            let Some(new_secret_id) = insert_secret!(tx, app_id, new, created_by, &now)? else {
                return Ok(Err(RotateSecretError::TooMany));
            };
            sqlx::query("UPDATE app_secrets SET expires_at = $1 WHERE id = $2")
                .bind(to_text(old_expires_at))
                .bind(old_id)
                .execute(&mut *tx)
                .await?;
            let rotated = Rotated {
                new_secret_id,
                old_expires_at,
            };
            audit_insert!(self, tx, &audit(rotated), &now)?;
            tx.commit().await?;
            Ok(Ok(rotated))
        }
        .await);
        outcome.map_err(|e| RotateSecretError::Store(StoreError::from_write(e)))?
    }

    /// How many secrets expire within `within` from now and have not yet: read at scrape time, so
    /// every instance says the same.
    pub async fn count_secrets_expiring(&self, within: Duration) -> Result<i64, StoreError> {
        let now = self.now_seconds();
        Ok(on_db!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM app_secrets WHERE expires_at > $1 AND expires_at <= $2",
            )
            .bind(to_text(now))
            .bind(to_text(now + within))
            .fetch_one(p)
            .await
        })?)
    }
}

impl Store {
    /// Now to the whole second, to compare with stored times that have none (text comparison would
    /// put `12:00:00.5Z` before `12:00:00Z`).
    pub(in crate::store) fn now_seconds(&self) -> OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(0).unwrap_or(now)
    }
}
