//! When a presigned URL stops working, read from its SigV4 query (`X-Amz-Date` plus
//! `X-Amz-Expires`), so that a transfer about to start on a URL near its end asks for a new
//! one instead of failing with 403.
//!
//! The deadline is kept on tokio's clock, from the moment the URL arrived: the URL's age
//! then (by this machine's wall clock against `X-Amz-Date`) is taken off its lifetime. A
//! clock that runs behind only makes the estimate late, and a 403 `AccessDenied` for expiry
//! still gets a fresh URL (see the engine's transfer).

use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use url::Url;

/// Least time that must be left on a URL when a transfer starts on it.
pub(crate) const MIN_MARGIN: Duration = Duration::from_secs(30);

/// When a presigned URL expires, and how close to that a transfer may still start on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expiry {
    at: Instant,
    margin: Duration,
}

impl Expiry {
    /// The expiry of `url`, received at `received` (tokio's clock) when the wall clock said
    /// `now`; `None` when the URL does not say how long it lives, or says a time past what
    /// a clock can hold.
    pub(crate) fn of(url: &Url, received: Instant, now: SystemTime) -> Option<Self> {
        let mut lifetime = None;
        let mut signed = None;
        for (name, value) in url.query_pairs() {
            if name.eq_ignore_ascii_case("X-Amz-Expires") {
                lifetime = value.parse::<u64>().ok().map(Duration::from_secs);
            } else if name.eq_ignore_ascii_case("X-Amz-Date") {
                signed = signed_at(&value);
            }
        }
        let lifetime = lifetime?;
        let age = signed
            .and_then(|at| now.duration_since(at).ok())
            .unwrap_or(Duration::ZERO)
            .min(lifetime);
        Some(Self {
            // A lifetime too long to add is as good as none.
            at: received.checked_add(lifetime - age)?,
            margin: margin(lifetime),
        })
    }

    /// Whether a transfer starting at `now` should get a new URL first: no more than the
    /// margin is left.
    pub(crate) fn is_near(&self, now: Instant) -> bool {
        self.at.saturating_duration_since(now) <= self.margin
    }
}

/// The time a URL must have left: a tenth of its lifetime, at least [`MIN_MARGIN`], but
/// never more than half of it (a URL that lives a second is still worth using).
fn margin(lifetime: Duration) -> Duration {
    MIN_MARGIN.max(lifetime / 10).min(lifetime / 2)
}

/// `X-Amz-Date`: ISO 8601 basic, in UTC (`20261125T180000Z`).
fn signed_at(text: &str) -> Option<SystemTime> {
    let at = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", text).ok()?;
    let at = at.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(SystemTime::from(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-25T18:00:00Z.
    const SIGNED: u64 = 1_795_629_600;

    fn url(query: &str) -> Url {
        Url::parse(&format!(
            "https://store.example/b/k?{query}&X-Amz-Signature=s"
        ))
        .unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn x_amz_date_is_read_as_utc() {
        assert_eq!(signed_at("20261125T180000Z"), Some(at(SIGNED)));
        assert_eq!(signed_at("2026-11-25T18:00:00Z"), None);
        assert_eq!(signed_at("20261125T180000"), None);
    }

    #[test]
    fn the_margin_is_a_tenth_at_least_30_s_at_most_half() {
        let secs = |s| Duration::from_secs(s);
        assert_eq!(margin(secs(900)), secs(90));
        assert_eq!(margin(secs(120)), secs(30));
        assert_eq!(margin(secs(40)), secs(20));
        assert_eq!(margin(secs(1)), Duration::from_millis(500));
        assert_eq!(margin(Duration::ZERO), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_age_at_arrival_is_taken_off_and_the_margin_applies() {
        let received = Instant::now();
        let fresh = url("X-Amz-Date=20261125T180000Z&X-Amz-Expires=900");
        // Arrived 100 s after signing: 800 s left, near once under 90 s are.
        let expiry = Expiry::of(&fresh, received, at(SIGNED + 100)).unwrap();
        assert!(!expiry.is_near(received + Duration::from_secs(709)));
        assert!(expiry.is_near(received + Duration::from_secs(711)));
        // Arrived after it expired, or signed "in the future" by a skewed clock.
        let old = Expiry::of(&fresh, received, at(SIGNED + 1000)).unwrap();
        assert!(old.is_near(received));
        let ahead = Expiry::of(&fresh, received, at(SIGNED - 50)).unwrap();
        assert!(!ahead.is_near(received + Duration::from_secs(809)));
        assert!(ahead.is_near(received + Duration::from_secs(811)));
        // A zero lifetime is expired at once.
        let zero = url("X-Amz-Date=20261125T180000Z&X-Amz-Expires=0");
        assert!(
            Expiry::of(&zero, received, at(SIGNED))
                .unwrap()
                .is_near(received)
        );
        // No date: counted from arrival.
        let no_date = Expiry::of(&url("X-Amz-Expires=60"), received, at(0)).unwrap();
        assert!(!no_date.is_near(received + Duration::from_secs(29)));
        assert!(no_date.is_near(received + Duration::from_secs(31)));
    }

    #[test]
    fn urls_that_do_not_say_how_long_they_live_have_no_expiry() {
        let now = Instant::now();
        assert_eq!(Expiry::of(&url("a=1"), now, at(SIGNED)), None);
        assert_eq!(
            Expiry::of(&url("X-Amz-Expires=soon"), now, at(SIGNED)),
            None
        );
        // A hostile or broken API's lifetime past any clock.
        let endless = url(&format!("X-Amz-Expires={}", u64::MAX));
        assert_eq!(Expiry::of(&endless, now, at(SIGNED)), None);
    }
}
