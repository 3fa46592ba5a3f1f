//! The emulator's clock, and timestamps as the API, the store and the database write them.

use std::time::{Duration, SystemTime};

use jiff::Timestamp;

/// The time of records: the wall clock at start, moved on by tokio's clock. A paused test
/// clock drives it (a video's processing), and times written before a restart compare with
/// times after it, so a video goes on processing where it was.
#[derive(Debug)]
pub(crate) struct Clock {
    started: SystemTime,
    since: tokio::time::Instant,
}

impl Clock {
    pub(crate) fn start() -> Clock {
        Clock {
            started: SystemTime::now(),
            since: tokio::time::Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.started + self.since.elapsed()
    }
}

/// Milliseconds since the Unix epoch, as the database keeps times (0 before it).
pub(crate) fn to_ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The time [`to_ms`] gave `ms` for.
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn timestamp(at: SystemTime) -> Timestamp {
    Timestamp::try_from(at).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 in UTC with milliseconds, as the API's `created_at`: `2026-11-25T18:00:00.123Z`.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    timestamp(at).strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An HTTP date, as S3's `Last-Modified`: `Wed, 25 Nov 2026 18:00:00 GMT`.
pub(crate) fn http_date(at: SystemTime) -> String {
    timestamp(at)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_times_keep_milliseconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_795_629_600_123_456);
        assert_eq!(to_ms(at), 1_795_629_600_123);
        assert_eq!(
            from_ms(to_ms(at)),
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_629_600_123)
        );
        assert_eq!(to_ms(SystemTime::UNIX_EPOCH - Duration::from_secs(1)), 0);
    }

    #[test]
    fn formats() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_629_600_123);
        assert_eq!(rfc3339(at), "2026-11-25T18:00:00.123Z");
        assert_eq!(http_date(at), "Wed, 25 Nov 2026 18:00:00 GMT");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(1)),
            "1970-01-01T00:00:01.000Z"
        );
    }
}
