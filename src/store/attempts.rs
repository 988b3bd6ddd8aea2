//! Counts that every instance shares, so N instances behind a balancer allow no more guesses than one:
//! failures within a window with a lock (`attempt_counts`, the sign-in throttle), and GCRA rate limits
//! (`rate_limits`, client authentication, the same shape as the in-process limiter in front of them).

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

/// Spends one attempt of a GCRA limit: `$2` now (ms), `$3` the emission interval (ms), `$4` the burst
/// times the interval. An allowed attempt moves the key's theoretical arrival time one interval on; a
/// refused one leaves it. One statement, atomic on both backends.
const SPEND: &str = "INSERT INTO rate_limits AS r (key, tat_ms, allowed) VALUES ($1, $2 + $3, 1)
     ON CONFLICT (key) DO UPDATE SET
         allowed = CASE WHEN (CASE WHEN r.tat_ms > $2 THEN r.tat_ms ELSE $2 END) + $3 - $2 <= $4
                   THEN 1 ELSE 0 END,
         tat_ms = CASE WHEN (CASE WHEN r.tat_ms > $2 THEN r.tat_ms ELSE $2 END) + $3 - $2 <= $4
                  THEN (CASE WHEN r.tat_ms > $2 THEN r.tat_ms ELSE $2 END) + $3 ELSE r.tat_ms END
     RETURNING tat_ms, allowed";

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

    /// Spends one attempt of `key` (see `attempt_key`) under a limit of `per_minute`, a burst of as
    /// many, at `now_ms` (Unix milliseconds): `None` when allowed, else how many milliseconds until the
    /// next attempt would be.
    pub async fn spend_rate(
        &self,
        key: &str,
        now_ms: i64,
        per_minute: i64,
    ) -> Result<Option<i64>, StoreError> {
        let per_minute = per_minute.max(1);
        let interval = 60_000 / per_minute;
        let (tat, allowed): (i64, i64) = on_db!(&self.pool, p => {
            sqlx::query_as(SPEND)
                .bind(key)
                .bind(now_ms)
                .bind(interval)
                .bind(interval * per_minute)
                .fetch_one(p)
                .await
        })
        .map_err(StoreError::from_write)?;
        Ok((allowed == 0).then(|| (tat + interval - interval * per_minute - now_ms).max(1)))
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

    /// Forgets counts that began before `before` and hold no lock after `now` (Unix seconds), and
    /// rate limits that have fully refilled by `now`.
    pub async fn purge_attempts(&self, before: i64, now: i64) -> Result<u64, StoreError> {
        Ok(on_db!(&self.pool, p => async {
            let counts = sqlx::query(
                "DELETE FROM attempt_counts WHERE window_start < $1 AND locked_until <= $2",
            )
            .bind(before)
            .bind(now)
            .execute(p)
            .await?;
            let rates = sqlx::query("DELETE FROM rate_limits WHERE tat_ms < $1")
                .bind(now.saturating_mul(1000))
                .execute(p)
                .await?;
            Ok::<_, sqlx::Error>(counts.rows_affected() + rates.rows_affected())
        }
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared limit has the in-process limiter's shape (GCRA): a burst, then one per interval, so a
    /// client that waits as told is let through, and refused attempts cost nothing.
    #[tokio::test]
    async fn a_rate_allows_a_burst_then_one_per_interval() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let t0 = 1_800_000_000_000;
        for i in 0..10 {
            assert_eq!(
                store.spend_rate("k", t0 + i, 10).await.unwrap(),
                None,
                "{i}"
            );
        }
        let wait = store.spend_rate("k", t0 + 10, 10).await.unwrap().unwrap();
        assert!((5_900..=6_000).contains(&wait), "{wait}");
        // Refusals do not push the next allowed moment further away.
        for _ in 0..5 {
            assert!(store.spend_rate("k", t0 + 20, 10).await.unwrap().is_some());
        }
        assert_eq!(store.spend_rate("k", t0 + 6_000, 10).await.unwrap(), None);
        assert!(
            store
                .spend_rate("k", t0 + 6_001, 10)
                .await
                .unwrap()
                .is_some()
        );
        // Other keys have their own.
        assert_eq!(store.spend_rate("other", t0, 10).await.unwrap(), None);
        // After a quiet minute the whole burst is back.
        for i in 0..10 {
            assert_eq!(
                store.spend_rate("k", t0 + 70_000 + i, 10).await.unwrap(),
                None
            );
        }
    }
}
