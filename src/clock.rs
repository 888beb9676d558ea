//! Time: the one adapter that reads the system clock, and calendar arithmetic on Unix
//! seconds (UTC) done by `chrono`, so everything else can be tested with a fixed time.

use chrono::{DateTime, NaiveDate, Utc};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    Utc::now().timestamp()
}

/// A Unix time as a UTC date and time. Times beyond chrono's range (about 262,000 years
/// either way; only a corrupt record holds one) read as the epoch.
pub fn utc(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

/// The Unix time of midnight UTC at the start of a calendar date, or `None` for a date
/// that does not exist (2026-02-31).
pub fn unix_of_date(year: i64, month: u32, day: u32) -> Option<i64> {
    let year = i32::try_from(year).ok()?;
    Some(NaiveDate::from_ymd_opt(year, month, day)?.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

/// "2026-11-22" for a Unix time.
pub fn day_string(unix: i64) -> String {
    utc(unix).format("%Y-%m-%d").to_string()
}

/// "2026-11-22 00:33" for a Unix time.
pub fn minute_string(unix: i64) -> String {
    utc(unix).format("%Y-%m-%d %H:%M").to_string()
}

/// An IMAP date ("22-Nov-2026") for SEARCH SINCE.
pub fn imap_date(unix: i64) -> String {
    utc(unix).format("%-d-%b-%Y").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    fn civil_date(unix: i64) -> (i32, u32, u32) {
        let date = utc(unix).date_naive();
        (date.year(), date.month(), date.day())
    }

    #[test]
    fn dates_round_trip_and_format() {
        // 2026-11-22T00:33:55Z
        let t = 1_795_307_635;
        assert_eq!(civil_date(t), (2026, 11, 22));
        assert_eq!(day_string(t), "2026-11-22");
        assert_eq!(minute_string(t), "2026-11-22 00:33");
        assert_eq!(imap_date(t), "22-Nov-2026");
        assert_eq!(imap_date(t - 21 * 86_400), "1-Nov-2026", "day without a leading zero");
        assert_eq!(unix_of_date(2026, 11, 22), Some(t - t % 86_400));
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(-1), (1969, 12, 31));
        assert_eq!(unix_of_date(2024, 2, 29).map(civil_date), Some((2024, 2, 29)));
    }

    /// The hand-written arithmetic took 2026-02-31 for March 3rd.
    #[test]
    fn dates_that_do_not_exist_are_none() {
        assert_eq!(unix_of_date(2026, 2, 31), None);
        assert_eq!(unix_of_date(2026, 2, 29), None, "2026 is no leap year");
        assert_eq!(unix_of_date(2026, 4, 31), None);
        assert_eq!(unix_of_date(2026, 13, 1), None);
        assert_eq!(unix_of_date(2026, 0, 1), None);
        assert_eq!(unix_of_date(i64::MAX, 1, 1), None);
    }
}
