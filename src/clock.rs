//! Time: the one adapter that reads the system clock, and pure calendar arithmetic on
//! Unix seconds (UTC), so everything else can be tested with a fixed time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The UTC calendar date (year, month, day) of a Unix time.
pub fn civil_date(unix: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The Unix time of midnight UTC at the start of a calendar date.
pub fn unix_of_date(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// "2026-11-22" for a Unix time.
pub fn day_string(unix: i64) -> String {
    let (y, m, d) = civil_date(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

/// An IMAP date ("22-Nov-2026") for SEARCH SINCE.
pub fn imap_date(unix: i64) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, m, d) = civil_date(unix);
    let month = MONTHS.get(m as usize - 1).copied().unwrap_or("Jan");
    format!("{d}-{month}-{y}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_format() {
        // 2026-11-22T00:33:55Z
        let t = 1_795_307_635;
        assert_eq!(civil_date(t), (2026, 11, 22));
        assert_eq!(day_string(t), "2026-11-22");
        assert_eq!(imap_date(t), "22-Nov-2026");
        assert_eq!(unix_of_date(2026, 11, 22), t - t % 86_400);
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(unix_of_date(2024, 2, 29)), (2024, 2, 29));
    }
}
