//! When a client secret stops working, as people choose it (Never, 30 days, 90 days, 1 year, or a date)
//! and as it is stored (a moment, or none).
//!
//! A date means the end of that day in UTC: a secret set to expire "on 2027-03-31" works all of that day
//! and is refused from 2027-04-01T00:00:00Z. So "today" is accepted (it still works until midnight UTC);
//! an earlier day is refused.

use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

/// Warn about a secret this close to its expiry.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// A chosen expiry, before it is fixed to a moment by the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretExpiry {
    Never,
    /// This many days from now.
    Days(i64),
    /// The end of this day, UTC.
    On(Date),
}

pub const EXPIRY_RULE: &str =
    "Choose Never, 30 days, 90 days, 1 year, or a date written YYYY-MM-DD";
pub const EXPIRY_PAST: &str = "Choose a date from today on: that date is already past";

impl SecretExpiry {
    /// The command line's and the API's words: `never`, `30d`, `90d`, `1y`, or `YYYY-MM-DD`.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw.trim() {
            "" | "never" => Ok(Self::Never),
            "30d" => Ok(Self::Days(30)),
            "90d" => Ok(Self::Days(90)),
            "1y" => Ok(Self::Days(365)),
            other => parse_date(other).map(Self::On).ok_or(EXPIRY_RULE),
        }
    }

    /// The moment it stops working, counted from `now`; a date already past is refused.
    pub fn at(self, now: OffsetDateTime) -> Result<Option<OffsetDateTime>, &'static str> {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        match self {
            Self::Never => Ok(None),
            Self::Days(days) => Ok(Some(now + Duration::days(days))),
            Self::On(day) if day < now.date() => Err(EXPIRY_PAST),
            Self::On(day) => Ok(day
                .next_day()
                .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())),
        }
    }

    /// The choice that gives again the period `expires_at - created_at` (rounded to a day), for a
    /// rotation's default; `Never` for a secret that never expires.
    pub fn period_of(created_at: OffsetDateTime, expires_at: Option<OffsetDateTime>) -> Self {
        match expires_at {
            None => Self::Never,
            Some(end) => Self::Days(
                ((end - created_at).whole_hours() + 12)
                    .div_euclid(24)
                    .max(1),
            ),
        }
    }
}

pub fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(raw, format_description!("[year]-[month]-[day]")).ok()
}

/// How a secret's expiry reads at `now`: `None` for never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiryState {
    Expired,
    /// Expires within `EXPIRY_WARNING_DAYS`: in this many whole days (0: today).
    Soon(i64),
    Later(i64),
}

impl ExpiryState {
    pub fn of(expires_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        if expires_at <= now {
            return Self::Expired;
        }
        let days = (expires_at - now).whole_days();
        if days < EXPIRY_WARNING_DAYS {
            Self::Soon(days)
        } else {
            Self::Later(days)
        }
    }

    /// "expired", "expires today", "expires in 1 day", "expires in 12 days".
    pub fn text(&self) -> String {
        match self {
            Self::Expired => "expired".into(),
            Self::Soon(0) => "expires today".into(),
            Self::Soon(1) | Self::Later(1) => "expires in 1 day".into(),
            Self::Soon(n) | Self::Later(n) => format!("expires in {n} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn the_command_line_words_parse() {
        assert_eq!(SecretExpiry::parse("never"), Ok(SecretExpiry::Never));
        assert_eq!(SecretExpiry::parse("30d"), Ok(SecretExpiry::Days(30)));
        assert_eq!(SecretExpiry::parse("1y"), Ok(SecretExpiry::Days(365)));
        assert_eq!(
            SecretExpiry::parse("2027-03-31"),
            Ok(SecretExpiry::On(date!(2027 - 03 - 31)))
        );
        for bad in ["soon", "31d", "2027-02-30", "2027/03/31", "-1"] {
            assert_eq!(SecretExpiry::parse(bad), Err(EXPIRY_RULE), "{bad}");
        }
    }

    #[test]
    fn a_date_means_the_end_of_that_day_utc_and_a_past_one_is_refused() {
        let now = datetime!(2027-03-31 15:00:00.5 UTC);
        let on = |d| SecretExpiry::On(d).at(now);
        assert_eq!(
            on(date!(2027 - 03 - 31)),
            Ok(Some(datetime!(2027-04-01 0:00 UTC)))
        );
        assert_eq!(on(date!(2027 - 03 - 30)), Err(EXPIRY_PAST));
        assert_eq!(
            SecretExpiry::Days(30).at(now),
            Ok(Some(datetime!(2027-04-30 15:00:00 UTC)))
        );
        assert_eq!(SecretExpiry::Never.at(now), Ok(None));
    }

    #[test]
    fn the_state_reads_as_days_left() {
        let now = datetime!(2027-01-01 0:00 UTC);
        let at = |d: i64| ExpiryState::of(now + Duration::hours(d), now);
        assert_eq!(at(0), ExpiryState::Expired);
        assert_eq!(at(-5), ExpiryState::Expired);
        assert_eq!(at(5).text(), "expires today");
        assert_eq!(at(13 * 24 + 1), ExpiryState::Soon(13));
        assert_eq!(at(14 * 24), ExpiryState::Later(14));
    }

    #[test]
    fn a_rotation_keeps_the_old_period() {
        let created = datetime!(2027-01-01 0:00 UTC);
        assert_eq!(
            SecretExpiry::period_of(created, Some(created + Duration::days(90))),
            SecretExpiry::Days(90)
        );
        assert_eq!(SecretExpiry::period_of(created, None), SecretExpiry::Never);
    }
}
