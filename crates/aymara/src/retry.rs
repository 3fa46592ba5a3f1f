//! The retry policy and the retry budget, in one place for every API call and every
//! presigned transfer.
//!
//! The policy follows the official SDKs: connection errors, timeouts, 408, 409, 429 and every
//! 5xx are retried; `x-should-retry: true/false` overrides the status rule; the server's
//! `retry-after-ms` or `Retry-After` (seconds or an HTTP date) is honoured up to 60 s;
//! otherwise the delay is exponential from 0.5 s, capped at 8 s, with up to 25 % jitter.
//!
//! The budget follows the AWS SDKs' standard retry quota: a token bucket shared by
//! everything a [`Client`](crate::Client) does. A retry costs [`RETRY_COST`] tokens
//! ([`TIMEOUT_RETRY_COST`] after a timeout); a success gives back what its retries cost, or
//! one token if it needed none. When the bucket cannot pay, the error is returned at once: an
//! outage fails fast instead of multiplying retries across thousands of files.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use http::header::{HeaderMap, RETRY_AFTER};

use crate::Error;
use crate::lock::lock;

/// Retries after the first attempt, unless configured otherwise.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
const INITIAL_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(8);
/// Longest server-requested delay honoured; a longer one falls back to the backoff.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// Tokens in a client's retry budget when it starts, and at most.
pub const RETRY_BUDGET: u32 = 500;
/// Tokens one retry costs.
pub const RETRY_COST: u32 = 5;
/// Tokens one retry after a timeout costs.
pub const TIMEOUT_RETRY_COST: u32 = 10;

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
pub(crate) fn hint_from_status(status: StatusCode) -> RetryHint {
    let retryable = matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error();
    RetryHint {
        retryable,
        ..RetryHint::transient()
    }
}

/// Reads the retry verdict and delay from a response's status and headers.
pub(crate) fn hint_from_response(status: StatusCode, headers: &HeaderMap) -> RetryHint {
    let by_status = hint_from_status(status).retryable;
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

/// The backoff before retry number `retry` (0 for the first retry), before jitter.
pub(crate) fn backoff(retry: u32) -> Duration {
    INITIAL_DELAY
        .saturating_mul(2u32.saturating_pow(retry))
        .min(MAX_DELAY)
}

/// The shared token bucket; see the module docs.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: Mutex<u32>,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self {
            tokens: Mutex::new(RETRY_BUDGET),
        }
    }
}

impl RetryBudget {
    /// Takes the cost of one retry, if the bucket can pay it.
    fn withdraw(&self, cost: u32) -> bool {
        let mut tokens = lock(&self.tokens);
        if *tokens < cost {
            return false;
        }
        *tokens -= cost;
        true
    }

    /// Gives back `amount` after a success, up to the bucket's size.
    fn deposit(&self, amount: u32) {
        let mut tokens = lock(&self.tokens);
        *tokens = tokens.saturating_add(amount).min(RETRY_BUDGET);
    }

    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        *lock(&self.tokens)
    }
}

/// How many times to retry, and the delays between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
}

impl RetryPolicy {
    /// The delay before retry number `retry`, given what the failed attempt said.
    pub(crate) fn delay(&self, retry: u32, hint: RetryHint) -> Duration {
        hint.after.unwrap_or_else(|| {
            let jitter = 1.0 - 0.25 * fastrand::f64();
            backoff(retry).mul_f64(jitter)
        })
    }

    /// Runs `attempt` until it succeeds, fails for good, the retries are used up or the
    /// budget cannot pay for another. `attempt` gets the attempt number (1 for the first).
    /// Each retry is logged once, the same way for every operation (`attempt` is the attempt
    /// that failed), and told to `on_retry` with the number of the attempt about to start and
    /// the delay before it.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        budget: &RetryBudget,
        operation: &'static str,
        mut attempt: F,
        mut on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut retry = 0;
        let mut spent = 0;
        loop {
            let error = match attempt(retry + 1).await {
                Ok(value) => {
                    budget.deposit(if spent == 0 { 1 } else { spent });
                    return Ok(value);
                }
                Err(error) => error,
            };
            let hint = error.retry_hint();
            if !hint.retryable || retry >= self.max_retries {
                return Err(error);
            }
            let cost = if hint.timed_out {
                TIMEOUT_RETRY_COST
            } else {
                RETRY_COST
            };
            if !budget.withdraw(cost) {
                tracing::warn!(operation, attempt = retry + 1, %error, "retry budget exhausted; not retrying");
                return Err(error);
            }
            spent += cost;
            let delay = self.delay(retry, hint);
            tracing::info!(
                operation,
                attempt = retry + 1,
                delay_ms = delay.as_millis() as u64,
                %error,
                "retrying"
            );
            on_retry(retry + 2, &error, delay);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use reqwest::header::HeaderValue;

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
            assert!(
                hint_from_response(status, &HeaderMap::new()).retryable,
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 422] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                !hint_from_response(status, &HeaderMap::new()).retryable,
                "{code}"
            );
        }
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(hint_from_response(StatusCode::BAD_REQUEST, &yes).retryable);
        assert!(!hint_from_response(StatusCode::SERVICE_UNAVAILABLE, &no).retryable);
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

    #[test]
    fn backoff_doubles_from_half_a_second_up_to_eight() {
        let delays: Vec<u128> = (0..7).map(|r| backoff(r).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(backoff(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn jitter_only_shortens_by_up_to_a_quarter() {
        let policy = RetryPolicy { max_retries: 2 };
        for retry in 0..5 {
            for _ in 0..100 {
                let d = policy.delay(retry, RetryHint::transient());
                assert!(
                    d <= backoff(retry) && d >= backoff(retry).mul_f64(0.75),
                    "{d:?}"
                );
            }
        }
    }

    fn unavailable_for(seconds: &str) -> Error {
        let headers = headers(&[("retry-after", seconds)]);
        crate::error::from_api_response(StatusCode::SERVICE_UNAVAILABLE, &headers, b"")
    }

    #[tokio::test(start_paused = true)]
    async fn run_waits_as_told_then_gives_up_after_max_retries() {
        let policy = RetryPolicy { max_retries: 2 };
        let start = tokio::time::Instant::now();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let result: Result<(), Error> = policy
            .run(
                &RetryBudget::default(),
                "test",
                |attempt| {
                    let seen = seen.clone();
                    async move {
                        seen.lock().unwrap().push((attempt, start.elapsed()));
                        Err(unavailable_for("3"))
                    }
                },
                |_, _, _| {},
            )
            .await;
        assert_eq!(
            result.unwrap_err().status(),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [
                (1, Duration::ZERO),
                (2, Duration::from_secs(3)),
                (3, Duration::from_secs(6))
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn run_stops_at_once_on_a_permanent_error_and_with_zero_retries() {
        type MakeError = fn() -> Error;
        let cases: [(RetryPolicy, MakeError, u32); 3] = [
            (
                RetryPolicy { max_retries: 5 },
                || Error::Config("no".into()),
                1,
            ),
            (RetryPolicy { max_retries: 0 }, || unavailable_for("1"), 1),
            (RetryPolicy { max_retries: 3 }, || unavailable_for("1"), 4),
        ];
        for (policy, error, attempts) in cases {
            let mut count = 0;
            let start = tokio::time::Instant::now();
            let result: Result<(), Error> = policy
                .run(
                    &RetryBudget::default(),
                    "test",
                    |_| {
                        count += 1;
                        async move { Err(error()) }
                    },
                    |_, _, _| {},
                )
                .await;
            assert!(result.is_err());
            assert_eq!(count, attempts);
            assert_eq!(start.elapsed(), Duration::from_secs(attempts as u64 - 1));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn run_backs_off_exponentially_without_a_server_hint() {
        let policy = RetryPolicy { max_retries: 3 };
        let mut delays = Vec::new();
        let mut calls = 0;
        let result = policy
            .run(
                &RetryBudget::default(),
                "test",
                |_| {
                    calls += 1;
                    let done = calls == 4;
                    async move {
                        if done {
                            Ok("ok")
                        } else {
                            Err(Error::Timeout {
                                url: "u".into(),
                                after: Duration::from_secs(1),
                            })
                        }
                    }
                },
                |_, _, delay| delays.push(delay),
            )
            .await;
        assert_eq!(result.unwrap(), "ok");
        assert_eq!(delays.len(), 3);
        for (retry, delay) in delays.iter().enumerate() {
            let full = backoff(retry as u32);
            assert!(
                *delay <= full && *delay >= full.mul_f64(0.75),
                "{retry}: {delay:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_budget_stops_retries_and_successes_refill_it() {
        let budget = RetryBudget::default();
        let policy = RetryPolicy { max_retries: 1_000 };
        let mut attempts = 0;
        let result: Result<(), Error> = policy
            .run(
                &budget,
                "test",
                |_| {
                    attempts += 1;
                    async { Err(unavailable_for("0")) }
                },
                |_, _, _| {},
            )
            .await;
        assert!(result.is_err());
        // 500 tokens pay for 100 retries of 5: 101 attempts, then the budget says no.
        assert_eq!(attempts, 1 + RETRY_BUDGET / RETRY_COST);
        assert_eq!(budget.available(), 0);

        let mut again = 0;
        let _: Result<(), Error> = policy
            .run(
                &budget,
                "test",
                |_| {
                    again += 1;
                    async { Err(unavailable_for("0")) }
                },
                |_, _, _| {},
            )
            .await;
        assert_eq!(again, 1, "an empty budget allows no retry at all");

        let ok: Result<u8, Error> = policy
            .run(&budget, "test", |_| async { Ok(1) }, |_, _, _| {})
            .await;
        assert_eq!(ok.unwrap(), 1);
        assert_eq!(
            budget.available(),
            1,
            "a first-try success gives one token back"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn timeouts_cost_more_and_a_retried_success_refunds_its_cost() {
        let timeout = || Error::Timeout {
            url: "u".into(),
            after: Duration::from_secs(1),
        };
        let budget = RetryBudget::default();
        let policy = RetryPolicy { max_retries: 1_000 };
        let mut attempts = 0;
        let _: Result<(), Error> = policy
            .run(
                &budget,
                "test",
                |_| {
                    attempts += 1;
                    async move { Err(timeout()) }
                },
                |_, _, _| {},
            )
            .await;
        assert_eq!(attempts, 1 + RETRY_BUDGET / TIMEOUT_RETRY_COST);

        let budget = RetryBudget::default();
        assert!(budget.withdraw(100));
        let mut calls = 0;
        let result = policy
            .run(
                &budget,
                "test",
                |_| {
                    calls += 1;
                    let first = calls == 1;
                    async move { if first { Err(timeout()) } else { Ok(()) } }
                },
                |_, _, _| {},
            )
            .await;
        assert!(result.is_ok());
        assert_eq!(
            budget.available(),
            RETRY_BUDGET - 100,
            "the retry's cost came back"
        );
    }
}
