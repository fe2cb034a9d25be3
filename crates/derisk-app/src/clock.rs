//! The clock a run reads: now, and the day derisk takes as today
//! (`DERISK_TODAY` when set, for reproducible reports and tests).

use std::sync::OnceLock;

use derisk_core::PartialDate;

/// Seconds since the Unix epoch from the system clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The day derisk takes as today, read once (see [`today`]).
static TODAY: OnceLock<Result<PartialDate, String>> = OnceLock::new();

/// `DERISK_TODAY` (YYYY-MM-DD) when set, else the system clock's day (UTC).
fn read_today() -> Result<PartialDate, String> {
    match std::env::var("DERISK_TODAY") {
        Ok(t) => t
            .parse::<PartialDate>()
            .ok()
            .filter(|d| d.is_full())
            .ok_or_else(|| format!("DERISK_TODAY={t:?}: expected a day such as 2026-06-30")),
        Err(_) => Ok(PartialDate::from_unix_seconds(unix_now())),
    }
}

/// Checks `DERISK_TODAY` once, so that a program can refuse a bad value
/// before any work starts.
pub fn check_today() -> Result<(), String> {
    TODAY
        .get_or_init(read_today)
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
}

/// Today's date (UTC): `DERISK_TODAY` when set, else the system clock;
/// read once. It dates provenance and decides which designations are in
/// force (one starting later is upcoming). A bad `DERISK_TODAY` that was
/// not refused with [`check_today`] falls back to the system clock.
pub fn today() -> PartialDate {
    match TODAY.get_or_init(read_today) {
        Ok(d) => *d,
        Err(_) => PartialDate::from_unix_seconds(unix_now()),
    }
}
