//! Timestamps as the two products write them.

use jiff::Timestamp;

/// Parses RFC 3339 (`2026-07-01T10:00:00.123Z`, Azure DevOps) and Jira's ISO-8601 variant
/// with a colon-less offset (`2021-01-17T12:34:00.000+0000`).
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(z) = jiff::fmt::strtime::parse(fmt, s).and_then(|p| p.to_timestamp()) {
            return Some(z);
        }
    }
    None
}

/// Whole milliseconds of a duration, saturating (for log fields).
pub fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_products_formats() {
        let a = parse_timestamp("2021-01-17T12:34:00.000+0000").unwrap();
        let b = parse_timestamp("2021-01-17T12:34:00Z").unwrap();
        assert_eq!(a, b);
        let c = parse_timestamp("2021-01-17T14:34:00.000+0200").unwrap();
        assert_eq!(a, c);
        assert!(parse_timestamp("2026-07-01T10:00:00.123Z").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
