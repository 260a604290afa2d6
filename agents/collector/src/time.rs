//! Dates as the sources write them, to Unix milliseconds.

use jiff::Timestamp;

/// RFC 3339 (`2026-11-20T09:30:00Z`, GitHub and Atom).
pub fn rfc3339_ms(s: &str) -> Option<i64> {
    s.trim()
        .parse::<Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// RFC 2822 (`Fri, 20 Nov 2026 09:30:00 +0000`, RSS).
pub fn rfc2822_ms(s: &str) -> Option<i64> {
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s.trim())
        .ok()
        .map(|t| t.as_millisecond())
}

/// Either format.
pub fn any_ms(s: &str) -> Option<i64> {
    rfc3339_ms(s).or_else(|| rfc2822_ms(s))
}
