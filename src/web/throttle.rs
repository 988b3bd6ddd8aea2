//! Sign-in throttling: after repeated failures for one email or from one address, answers are slowed,
//! then refused for a while. Keys are what was typed, whether or not such a user exists, so the answers
//! never tell which emails are real. The counts live in the database (`store::attempts`), so every
//! instance behind a balancer sees the same ones: N instances do not allow N times the guesses.

use time::OffsetDateTime;

use crate::store::{Limit, Store, StoreError, attempt_key};

/// Failures are counted over this window (seconds).
const WINDOW: i64 = 15 * 60;
/// From this many failures on, each answer waits `SLOW_DOWN` (slows scripted guessing).
const SLOW_AFTER: i64 = 3;
const SLOW_DOWN: std::time::Duration = std::time::Duration::from_millis(500);
/// Failures for one email before it is locked.
const EMAIL_LIMIT: i64 = 5;
/// Failures from one address (any emails) before it is locked.
const ADDRESS_LIMIT: i64 = 20;
/// How long a lock lasts (seconds).
const LOCK: i64 = 5 * 60;

/// What to do with an attempt.
pub enum Verdict {
    /// Go ahead, after waiting this long.
    Proceed(std::time::Duration),
    /// Refuse; the lock ends in this many seconds.
    Refuse(u64),
}

fn email_key(email: &str) -> String {
    attempt_key(&format!("sign-in email:{email}"))
}

/// The counted keys of an attempt, each with its limit.
fn keys(email: &str, address: Option<&str>) -> [(String, i64); 2] {
    let address = address.unwrap_or("unknown");
    [
        (email_key(email), EMAIL_LIMIT),
        (
            attempt_key(&format!("sign-in address:{address}")),
            ADDRESS_LIMIT,
        ),
    ]
}

pub async fn check(
    store: &Store,
    email: &str,
    address: Option<&str>,
    now: OffsetDateTime,
) -> Result<Verdict, StoreError> {
    let now = now.unix_timestamp();
    let mut slow = false;
    for (key, _) in keys(email, address) {
        let Some(count) = store.attempts(&key).await? else {
            continue;
        };
        if count.locked_until > now {
            let wait = (count.locked_until - now).max(1);
            return Ok(Verdict::Refuse(u64::try_from(wait).unwrap_or(1)));
        }
        let lock_over = count.locked_until > 0;
        slow |= !lock_over && count.window_start > now - WINDOW && count.count >= SLOW_AFTER;
    }
    Ok(Verdict::Proceed(if slow {
        SLOW_DOWN
    } else {
        std::time::Duration::ZERO
    }))
}

pub async fn failed(
    store: &Store,
    email: &str,
    address: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    for (key, limit) in keys(email, address) {
        let limit = Limit {
            window: WINDOW,
            lock_at: limit,
            lock_for: LOCK,
        };
        store
            .count_attempt(&key, now.unix_timestamp(), limit)
            .await?;
    }
    Ok(())
}

/// A successful sign-in clears that email's count (not the address's, or signing in to one's own
/// account between guesses would reset it).
pub async fn succeeded(store: &Store, email: &str) -> Result<(), StoreError> {
    store.clear_attempts(&email_key(email)).await
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::seconds(seconds)
    }

    async fn proceeds(store: &Store, email: &str, address: &str, now: OffsetDateTime) -> bool {
        matches!(
            check(store, email, Some(address), now).await.unwrap(),
            Verdict::Proceed(_)
        )
    }

    #[tokio::test]
    async fn five_failures_lock_an_email_for_a_while() {
        let s = store().await;
        for _ in 0..EMAIL_LIMIT {
            assert!(proceeds(&s, "a@x", "1.1.1.1", at(0)).await);
            failed(&s, "a@x", Some("1.1.1.1"), at(0)).await.unwrap();
        }
        assert!(matches!(
            check(&s, "a@x", Some("2.2.2.2"), at(0)).await.unwrap(),
            Verdict::Refuse(s) if s > 0 && s <= 300
        ));
        assert!(proceeds(&s, "b@x", "2.2.2.2", at(0)).await);
        assert!(proceeds(&s, "a@x", "2.2.2.2", at(LOCK + 1)).await);
        // After the lock the count starts again: one more failure does not lock at once.
        failed(&s, "a@x", Some("2.2.2.2"), at(LOCK + 1))
            .await
            .unwrap();
        assert!(proceeds(&s, "a@x", "2.2.2.2", at(LOCK + 1)).await);
    }

    #[tokio::test]
    async fn three_failures_slow_answers_down_and_the_window_forgets_them() {
        let s = store().await;
        for _ in 0..SLOW_AFTER {
            failed(&s, "a@x", Some("1.1.1.1"), at(0)).await.unwrap();
        }
        assert!(matches!(
            check(&s, "a@x", Some("9.9.9.9"), at(1)).await.unwrap(),
            Verdict::Proceed(d) if d == SLOW_DOWN
        ));
        assert!(matches!(
            check(&s, "a@x", Some("9.9.9.9"), at(WINDOW + 1)).await.unwrap(),
            Verdict::Proceed(d) if d.is_zero()
        ));
    }

    #[tokio::test]
    async fn success_resets_the_email_count_but_not_the_address() {
        let s = store().await;
        for _ in 0..EMAIL_LIMIT - 1 {
            failed(&s, "a@x", Some("1.1.1.1"), at(0)).await.unwrap();
        }
        succeeded(&s, "a@x").await.unwrap();
        failed(&s, "a@x", None, at(0)).await.unwrap();
        assert!(matches!(
            check(&s, "a@x", Some("9.9.9.9"), at(0)).await.unwrap(),
            Verdict::Proceed(d) if d.is_zero()
        ));
        for i in 0..ADDRESS_LIMIT - (EMAIL_LIMIT - 1) {
            failed(&s, &format!("{i}@x"), Some("1.1.1.1"), at(0))
                .await
                .unwrap();
        }
        assert!(!proceeds(&s, "new@x", "1.1.1.1", at(0)).await);
    }

    #[tokio::test]
    async fn no_typed_email_is_stored() {
        let s = store().await;
        failed(&s, "secret-person@example.com", None, at(0))
            .await
            .unwrap();
        let crate::store::Pool::Sqlite(pool) = s.pool() else {
            unreachable!()
        };
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM attempt_counts")
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.len() == 64 && !k.contains('@')));
    }
}
