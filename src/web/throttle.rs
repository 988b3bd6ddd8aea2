//! Sign-in throttling: after repeated failures for one email or from one address, answers are slowed,
//! then refused for a while. Keys are what was typed, whether or not such a user exists, so the answers
//! never tell which emails are real.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::{Duration, OffsetDateTime};

/// Failures are counted over this window.
const WINDOW: Duration = Duration::minutes(15);
/// From this many failures on, each answer waits `SLOW_DOWN` (slows scripted guessing).
const SLOW_AFTER: u32 = 3;
const SLOW_DOWN: std::time::Duration = std::time::Duration::from_millis(500);
/// Failures for one email before it is locked.
const EMAIL_LIMIT: u32 = 5;
/// Failures from one address (any emails) before it is locked.
const ADDRESS_LIMIT: u32 = 20;
/// How long a lock lasts.
const LOCK: Duration = Duration::minutes(5);

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    first_failure: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
}

#[derive(Default)]
pub struct SignInThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What to do with an attempt.
pub enum Verdict {
    /// Go ahead, after waiting this long.
    Proceed(std::time::Duration),
    /// Refuse; the lock ends in this many seconds.
    Refuse(u64),
}

fn keys(email: &str, address: Option<&str>) -> [(String, u32); 2] {
    [
        (format!("email:{email}"), EMAIL_LIMIT),
        (
            format!("addr:{}", address.unwrap_or("unknown")),
            ADDRESS_LIMIT,
        ),
    ]
}

impl SignInThrottle {
    /// The counts, even after a panic elsewhere while they were held: each change to them is a few
    /// plain assignments, so they are still sound, and a throttle that stopped counting would let
    /// guessing run free.
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn check(&self, email: &str, address: Option<&str>, now: OffsetDateTime) -> Verdict {
        let mut entries = self.entries();
        let mut slow = false;
        for (key, _) in keys(email, address) {
            let Some(entry) = entries.get(&key).copied() else {
                continue;
            };
            if let Some(until) = entry.locked_until {
                if until > now {
                    let wait = (until - now).whole_seconds().max(1);
                    return Verdict::Refuse(u64::try_from(wait).unwrap_or(1));
                }
                entries.remove(&key);
                continue;
            }
            if now - entry.first_failure > WINDOW {
                entries.remove(&key);
                continue;
            }
            slow |= entry.failures >= SLOW_AFTER;
        }
        Verdict::Proceed(if slow {
            SLOW_DOWN
        } else {
            std::time::Duration::ZERO
        })
    }

    pub fn failed(&self, email: &str, address: Option<&str>, now: OffsetDateTime) {
        let mut entries = self.entries();
        for (key, limit) in keys(email, address) {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                first_failure: now,
                locked_until: None,
            });
            if now - entry.first_failure > WINDOW {
                *entry = Entry {
                    failures: 0,
                    first_failure: now,
                    locked_until: None,
                };
            }
            entry.failures += 1;
            if entry.failures >= limit {
                entry.locked_until = Some(now + LOCK);
            }
        }
        // Keep memory flat under a spray of made-up emails.
        if entries.len() > 100_000 {
            entries.retain(|_, e| {
                now - e.first_failure <= WINDOW || e.locked_until.is_some_and(|u| u > now)
            });
        }
    }

    /// A successful sign-in clears that email's count (not the address's, or signing in to one's own
    /// account between guesses would reset it).
    pub fn succeeded(&self, email: &str) {
        self.entries().remove(&format!("email:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_an_email_for_a_while() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        for _ in 0..EMAIL_LIMIT {
            assert!(matches!(
                t.check("a@x", Some("1.1.1.1"), now),
                Verdict::Proceed(_)
            ));
            t.failed("a@x", Some("1.1.1.1"), now);
        }
        assert!(matches!(t.check("a@x", Some("2.2.2.2"), now), Verdict::Refuse(s) if s > 0));
        assert!(matches!(
            t.check("b@x", Some("2.2.2.2"), now),
            Verdict::Proceed(_)
        ));
        assert!(matches!(
            t.check("a@x", Some("2.2.2.2"), now + LOCK + Duration::seconds(1)),
            Verdict::Proceed(_)
        ));
    }

    #[test]
    fn a_poisoned_lock_does_not_switch_the_throttle_off() {
        let t = std::sync::Arc::new(SignInThrottle::default());
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let holder = t.clone();
        let _ = std::thread::spawn(move || {
            let _held = holder.entries.lock();
            panic!("a panic while the counts are held poisons the lock");
        })
        .join();
        assert!(t.entries.is_poisoned());
        for _ in 0..EMAIL_LIMIT {
            t.failed("a@x", Some("1.1.1.1"), now);
        }
        assert!(matches!(
            t.check("a@x", Some("2.2.2.2"), now),
            Verdict::Refuse(_)
        ));
        t.succeeded("a@x");
        assert!(matches!(
            t.check("a@x", Some("2.2.2.2"), now),
            Verdict::Proceed(_)
        ));
    }

    #[test]
    fn success_resets_the_email_count() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        for _ in 0..EMAIL_LIMIT - 1 {
            t.failed("a@x", None, now);
        }
        t.succeeded("a@x");
        t.failed("a@x", None, now);
        assert!(matches!(t.check("a@x", Some("9.9.9.9"), now), Verdict::Proceed(d) if d.is_zero()));
    }
}
