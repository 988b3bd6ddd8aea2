//! Bounds the audit rows the token endpoint writes for refused requests: a client retrying from an
//! address it does not allow would otherwise write one row per attempt. One row per client and address
//! per `WINDOW`, in this process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::clock::Clock;

const WINDOW: Duration = Duration::minutes(10);
/// Beyond this many remembered pairs, stale ones are forgotten first; if none are, nothing more is
/// recorded until the window passes (a flood from many addresses must not grow memory or the log).
const MAX_REMEMBERED: usize = 10_000;

pub struct RefusalLog {
    clock: Clock,
    last: Mutex<HashMap<(String, Option<IpAddr>), OffsetDateTime>>,
}

impl RefusalLog {
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// True when a refusal of `client_id` asking from `addr` should be recorded now (and remembers it).
    pub fn should_record(&self, client_id: &str, addr: Option<IpAddr>) -> bool {
        let now = self.clock.now();
        let mut map = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (client_id.to_owned(), addr);
        if map.get(&key).is_some_and(|at| now - *at < WINDOW) {
            return false;
        }
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, at| now - *at < WINDOW);
            if map.len() >= MAX_REMEMBERED {
                return false;
            }
        }
        map.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_client_and_address_per_window() {
        let clock = Clock::default();
        let log = RefusalLog::new(clock.clone());
        let a = Some("203.0.113.7".parse().unwrap());
        let b = Some("203.0.113.8".parse().unwrap());
        assert!(log.should_record("X", a));
        assert!(!log.should_record("X", a));
        assert!(log.should_record("X", b));
        assert!(log.should_record("Y", a));
        clock.advance(WINDOW);
        assert!(log.should_record("X", a));
    }
}
