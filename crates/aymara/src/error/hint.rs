//! What a failed attempt says about trying again: the official SDKs' rule for statuses,
//! and the server's own hints (`x-should-retry`, `retry-after-ms`, `Retry-After`). Errors
//! carry it; the retry policy (`crate::retry`) reads it.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use http::header::{HeaderMap, RETRY_AFTER};

/// Longest server-requested delay honoured; a longer one falls back to the backoff.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// What a failed attempt tells the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryHint {
    /// Whether another attempt may succeed.
    pub retryable: bool,
    /// How long the server asked us to wait first.
    pub after: Option<Duration>,
    /// Whether the attempt timed out (a retry costs more).
    pub timed_out: bool,
}

impl RetryHint {
    pub(crate) fn transient() -> Self {
        Self {
            retryable: true,
            after: None,
            timed_out: false,
        }
    }

    pub(crate) fn timeout() -> Self {
        Self {
            timed_out: true,
            ..Self::transient()
        }
    }

    pub(crate) fn permanent() -> Self {
        Self {
            retryable: false,
            ..Self::transient()
        }
    }
}

/// The official rule for a status alone.
pub(crate) fn from_status(status: StatusCode) -> RetryHint {
    let retryable = matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error();
    RetryHint {
        retryable,
        ..RetryHint::transient()
    }
}

/// Reads the retry verdict and delay from a response's status and headers.
pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap) -> RetryHint {
    let by_status = from_status(status).retryable;
    let retryable = match headers.get("x-should-retry").map(|v| v.as_bytes()) {
        Some(b"true") => true,
        Some(b"false") => false,
        _ => by_status,
    };
    RetryHint {
        retryable,
        after: server_delay(headers, SystemTime::now()),
        timed_out: false,
    }
}

/// The delay the server asked for, if it is one we honour (0 to 60 s).
pub(crate) fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let delay = if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        Duration::try_from_secs_f64(ms / 1000.0).ok()
    } else if let Some(value) = text(RETRY_AFTER.as_str()) {
        match value.parse::<f64>() {
            Ok(secs) => Duration::try_from_secs_f64(secs).ok(),
            Err(_) => httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    } else {
        None
    };
    delay.filter(|d| *d <= MAX_SERVER_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn statuses_follow_the_official_rule() {
        for code in [408, 409, 429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(from_response(status, &HeaderMap::new()).retryable, "{code}");
        }
        for code in [400, 401, 403, 404, 422] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                !from_response(status, &HeaderMap::new()).retryable,
                "{code}"
            );
        }
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(from_response(StatusCode::BAD_REQUEST, &yes).retryable);
        assert!(!from_response(StatusCode::SERVICE_UNAVAILABLE, &no).retryable);
    }

    #[test]
    fn server_delays_are_read_and_capped() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        type Headers<'a> = &'a [(&'static str, &'a str)];
        let cases: [(Headers, Option<Duration>); 7] = [
            (
                &[("retry-after-ms", "1500")],
                Some(Duration::from_millis(1500)),
            ),
            (&[("retry-after", "3")], Some(Duration::from_secs(3))),
            (&[("retry-after", "0.25")], Some(Duration::from_millis(250))),
            (&[("retry-after", "61")], None),
            (&[("retry-after", "soon")], None),
            (
                &[("retry-after-ms", "200"), ("retry-after", "9")],
                Some(Duration::from_millis(200)),
            ),
            (&[], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(server_delay(&headers(pairs), now), expected, "{pairs:?}");
        }
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        let by_date = server_delay(&headers(&[("retry-after", &date)]), now);
        assert_eq!(by_date, Some(Duration::from_secs(7)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        let by_past = server_delay(&headers(&[("retry-after", &past)]), now);
        assert_eq!(by_past, Some(Duration::ZERO));
    }
}
