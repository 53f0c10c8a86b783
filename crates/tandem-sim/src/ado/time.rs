//! Timestamps as Azure DevOps writes and reads them.

/// Format milliseconds since the epoch the way ADO does: UTC, `Z`, fractional seconds only
/// when non-zero and without trailing zeros (`2017-09-04T02:08:16.6Z`).
pub fn format_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => "9999-01-01T00:00:00Z".to_owned(),
    }
}

/// The `revisedDate` of the latest revision ("until further notice").
pub const END_OF_TIME: &str = "9999-01-01T00:00:00Z";

/// Parse a date-time value from a request: RFC 3339 with an offset, or a bare date (UTC
/// midnight). Returns milliseconds since the epoch.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return d
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    None
}

/// Whether a literal carries a time of day other than midnight (WIQL date precision refuses
/// those; `…T00:00:00Z` is accepted, as observed on the real service).
pub fn has_time_part(text: &str, ms: i64) -> bool {
    let t = text.trim();
    let looks_like_datetime = t.contains('T') || t.contains(':');
    looks_like_datetime && ms.rem_euclid(86_400_000) != 0
}

/// Start of the UTC day containing `ms`.
pub fn day_floor(ms: i64) -> i64 {
    ms - ms.rem_euclid(86_400_000)
}

/// Parse a scenario time: RFC 3339, a date, or a relative offset from `now` such as
/// `-1d`, `+90d`, `+2h`, `-30m`, `+10s`.
pub fn parse_scenario_time(text: &str, now: i64) -> Option<i64> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('+').or_else(|| t.strip_prefix('-')) {
        let sign: i64 = if t.starts_with('-') { -1 } else { 1 };
        let (num, unit) = rest.split_at(rest.len().checked_sub(1)?);
        let n: i64 = num.parse().ok()?;
        let unit_ms = match unit {
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1_000,
            _ => return None,
        };
        return Some(now + sign * n * unit_ms);
    }
    parse_datetime(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_ado() {
        assert_eq!(format_ms(1_504_490_896_600), "2017-09-04T02:08:16.6Z");
        assert_eq!(format_ms(1_504_490_896_000), "2017-09-04T02:08:16Z");
        assert_eq!(format_ms(1_504_490_896_123), "2017-09-04T02:08:16.123Z");
    }

    #[test]
    fn parses_request_forms() {
        assert_eq!(
            parse_datetime("2017-09-04T02:08:16.6Z"),
            Some(1_504_490_896_600)
        );
        assert_eq!(
            parse_datetime("2017-09-04T04:08:16.6+02:00"),
            Some(1_504_490_896_600)
        );
        assert_eq!(parse_datetime("2017-09-04"), Some(1_504_483_200_000));
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn time_part_detection() {
        let midnight = parse_datetime("2026-07-01T00:00:00Z").unwrap();
        assert!(!has_time_part("2026-07-01T00:00:00Z", midnight));
        assert!(!has_time_part("2026-07-01", midnight));
        let ten = parse_datetime("2026-07-01T10:00:00Z").unwrap();
        assert!(has_time_part("2026-07-01T10:00:00Z", ten));
        assert_eq!(day_floor(ten), midnight);
    }

    #[test]
    fn relative_scenario_times() {
        assert_eq!(parse_scenario_time("-1d", 86_400_000), Some(0));
        assert_eq!(parse_scenario_time("+2h", 0), Some(7_200_000));
        assert_eq!(
            parse_scenario_time("2017-09-04", 0),
            Some(1_504_483_200_000)
        );
        assert_eq!(parse_scenario_time("+2y", 0), None);
    }
}
