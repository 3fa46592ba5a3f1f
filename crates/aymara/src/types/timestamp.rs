//! The service's RFC 3339 timestamps: kept as text (what the service sent, never rejected),
//! and parsed on request.

use std::time::SystemTime;

/// `text` as a point in time, or `None` when it is not RFC 3339 with an offset.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(SystemTime::from)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn rfc3339_with_any_precision_and_offset_parses_and_loose_text_does_not() {
        let at = |secs: u64, millis: u64| {
            Some(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(parse("2025-06-03T14:21:07Z"), at(1_748_960_467, 0));
        assert_eq!(parse("2025-06-03T14:21:07.512Z"), at(1_748_960_467, 512));
        assert_eq!(parse("2025-06-03T16:21:07+02:00"), at(1_748_960_467, 0));
        for loose in ["", "yesterday", "2025-06-03", "2025-06-03T14:21:07"] {
            assert_eq!(parse(loose), None, "{loose}");
        }
    }
}
