//! Timestamps as the API and the store write them.

use std::time::SystemTime;

use jiff::Timestamp;

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
    use std::time::Duration;

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
