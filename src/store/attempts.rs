//! Failure counts that every instance shares (`attempt_counts`): sign-in throttling and client
//! authentication limits count here, so N instances behind a balancer allow no more guesses than one.

use super::{Store, StoreError};

/// One key's count within its window. Times are Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCount {
    pub count: i64,
    pub window_start: i64,
    /// Refused until then; 0 when not locked.
    pub locked_until: i64,
}

/// What one attempt counts against, and how.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Attempts are counted over this many seconds from the first one; a count whose window has
    /// passed, or whose lock has ended, starts again.
    pub window: i64,
    /// When the count reaches this, the key is locked ...
    pub lock_at: i64,
    /// ... for this many seconds.
    pub lock_for: i64,
}

/// Counts one attempt. One statement, atomic on both backends: concurrent attempts on any number of
/// instances each add exactly one. `$2` now, `$3` window, `$4` lock_at, `$5` lock_for.
const COUNT: &str = "INSERT INTO attempt_counts AS c (key, count, window_start, locked_until)
     VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $2 + $5 ELSE 0 END)
     ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.window_start <= $2 - $3 OR (c.locked_until > 0 AND c.locked_until <= $2)
                      THEN 1 ELSE c.count + 1 END,
         window_start = CASE WHEN c.window_start <= $2 - $3 OR (c.locked_until > 0 AND c.locked_until <= $2)
                      THEN $2 ELSE c.window_start END,
         locked_until = CASE
             WHEN c.window_start <= $2 - $3 OR (c.locked_until > 0 AND c.locked_until <= $2)
                 THEN CASE WHEN 1 >= $4 THEN $2 + $5 ELSE 0 END
             WHEN c.count + 1 >= $4 AND c.locked_until = 0 THEN $2 + $5
             ELSE c.locked_until END
     RETURNING count, window_start, locked_until";

/// The stored form of what is counted: its SHA-256, so keys are bounded and no typed email is kept.
pub fn attempt_key(what: &str) -> String {
    crate::domain::token_hash(what)
}

impl Store {
    /// Counts one attempt against `key` (see `attempt_key`) under `limit` at `now` (Unix seconds);
    /// returns the count with this attempt in it.
    pub async fn count_attempt(
        &self,
        key: &str,
        now: i64,
        limit: Limit,
    ) -> Result<AttemptCount, StoreError> {
        let (count, window_start, locked_until): (i64, i64, i64) = on_db!(&self.pool, p => {
            sqlx::query_as(COUNT)
                .bind(key)
                .bind(now)
                .bind(limit.window)
                .bind(limit.lock_at)
                .bind(limit.lock_for)
                .fetch_one(p)
                .await
        })
        .map_err(StoreError::from_write)?;
        Ok(AttemptCount {
            count,
            window_start,
            locked_until,
        })
    }

    /// The counts of `key`, if any.
    pub async fn attempts(&self, key: &str) -> Result<Option<AttemptCount>, StoreError> {
        let row: Option<(i64, i64, i64)> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT count, window_start, locked_until FROM attempt_counts WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(|(count, window_start, locked_until)| AttemptCount {
            count,
            window_start,
            locked_until,
        }))
    }

    /// Forgets the count of `key` (a successful sign-in clears its email's failures).
    pub async fn clear_attempts(&self, key: &str) -> Result<(), StoreError> {
        on_db!(&self.pool, p => {
            sqlx::query("DELETE FROM attempt_counts WHERE key = $1")
                .bind(key)
                .execute(p)
                .await
                .map(|_| ())
        })
        .map_err(StoreError::from_write)
    }

    /// Forgets counts that began before `before` and hold no lock after `now` (Unix seconds).
    pub async fn purge_attempts(&self, before: i64, now: i64) -> Result<u64, StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query("DELETE FROM attempt_counts WHERE window_start < $1 AND locked_until <= $2")
                .bind(before)
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
