//! Time as the service records it: whole hours for anything about a reporter (DESIGN G2), and
//! the calendar arithmetic the legal deadlines need.

use std::time::{SystemTime, UNIX_EPOCH};

pub const HOUR: u64 = 3600;
pub const DAY: u64 = 24 * HOUR;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `secs` truncated to the start of its hour.
pub fn hour_floor(secs: u64) -> u64 {
    secs - secs % HOUR
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31); Howard Hinnant's civil_from_days.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The UTC calendar date of `days` since 1970-01-01.
pub fn civil_date(days: u64) -> (i64, u32, u32) {
    civil_from_days(days as i64)
}

/// (year, month, day) → days since 1970-01-01; Howard Hinnant's days_from_civil.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(next.0, next.1, 1) - days_from_civil(y, m, 1)) as u32
}

/// `secs` plus `months` calendar months (UTC), the day clamped to the target month's length,
/// as "within three months" is read: 30 November + 3 months = 28 or 29 February.
pub fn add_months(secs: u64, months: u32) -> u64 {
    let days = (secs / DAY) as i64;
    let rest = secs % DAY;
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + i64::from(m - 1) + i64::from(months);
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    (days_from_civil(ny, nm, nd) as u64) * DAY + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_and_months() {
        assert_eq!(hour_floor(7_199), 3_600);
        // 2026-11-28T14:00:00Z
        let t = 1_795_874_400;
        assert_eq!(civil_from_days((t / DAY) as i64), (2026, 11, 28));
        assert_eq!(
            civil_from_days((add_months(t, 3) / DAY) as i64),
            (2027, 2, 28)
        );
        assert_eq!(add_months(t, 3) % DAY, 14 * HOUR);
        // 2024-11-30 + 3 months = 2025-02-28; 2023-11-30 + 3 = 2024-02-29.
        let d = days_from_civil(2024, 11, 30) as u64 * DAY;
        assert_eq!(
            civil_from_days((add_months(d, 3) / DAY) as i64),
            (2025, 2, 28)
        );
        let d = days_from_civil(2023, 11, 30) as u64 * DAY;
        assert_eq!(
            civil_from_days((add_months(d, 3) / DAY) as i64),
            (2024, 2, 29)
        );
        for days in [0i64, 59, 60, 10_000, 20_000, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
