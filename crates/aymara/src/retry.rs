//! The retry policy and the retry budget, in one place for every API call and every
//! presigned transfer. The policy answers one question, "may this attempt be tried again,
//! and after how long?"; the loops that make attempts (an API call's, a file's transfer)
//! ask it and do the waiting themselves.
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

use std::sync::Mutex;
use std::time::Duration;

use crate::Error;
use crate::lock::lock;

/// Retries after the first attempt, unless configured otherwise. Public because it is the
/// default of [`ClientBuilder::max_retries`](crate::ClientBuilder::max_retries).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
const INITIAL_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(8);

/// Tokens in a client's retry budget when it starts, and at most.
pub(crate) const RETRY_BUDGET: u32 = 500;
/// Tokens one retry costs.
pub(crate) const RETRY_COST: u32 = 5;
/// Tokens one retry after a timeout costs.
pub(crate) const TIMEOUT_RETRY_COST: u32 = 10;

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
    /// Whether attempt number `attempt` (1 for the first), which failed with `error`, may be
    /// tried again, and after how long: the server's delay if it gave one, else the backoff
    /// with jitter.
    pub(crate) fn next_delay(&self, error: &Error, attempt: u32) -> Option<Duration> {
        let hint = error.retry_hint();
        if !hint.retryable || attempt > self.max_retries {
            return None;
        }
        Some(hint.after.unwrap_or_else(|| {
            let jitter = 1.0 - 0.25 * fastrand::f64();
            backoff(attempt.saturating_sub(1)).mul_f64(jitter)
        }))
    }
}

/// The retries of one operation (an API call, or one file's transfer): the number of the
/// attempt it is on, and what its retries cost the budget so far.
#[derive(Debug)]
pub(crate) struct Retries<'a> {
    policy: RetryPolicy,
    budget: &'a RetryBudget,
    operation: &'static str,
    attempt: u32,
    spent: u32,
}

impl<'a> Retries<'a> {
    /// Before the first attempt of `operation`.
    pub(crate) fn new(
        policy: RetryPolicy,
        budget: &'a RetryBudget,
        operation: &'static str,
    ) -> Self {
        Self {
            policy,
            budget,
            operation,
            attempt: 1,
            spent: 0,
        }
    }

    /// The number of the current attempt, 1 for the first.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The current attempt failed with `error`: whether to make another, and after how long.
    /// Yes pays the retry from the budget, logs it once (the same way for every operation)
    /// and moves on to the next attempt; no (a permanent error, the retries used up, or a
    /// budget that cannot pay) leaves everything as it is.
    pub(crate) fn next_delay(&mut self, error: &Error) -> Option<Duration> {
        let delay = self.policy.next_delay(error, self.attempt)?;
        let cost = if error.retry_hint().timed_out {
            TIMEOUT_RETRY_COST
        } else {
            RETRY_COST
        };
        if !self.budget.withdraw(cost) {
            let (operation, attempt) = (self.operation, self.attempt);
            tracing::warn!(operation, attempt, %error, "retry budget exhausted; not retrying");
            return None;
        }
        self.spent += cost;
        tracing::info!(
            operation = self.operation,
            attempt = self.attempt,
            delay_ms = delay.as_millis() as u64,
            %error,
            "retrying"
        );
        self.attempt += 1;
        Some(delay)
    }

    /// Another attempt at once, for a reason that is not the server's trouble (a presigned
    /// URL that expired and was replaced): counted against the retries, not the budget.
    /// `false` once the retries are used up.
    pub(crate) fn again_now(&mut self) -> bool {
        if self.attempt > self.policy.max_retries {
            return false;
        }
        self.attempt += 1;
        true
    }

    /// The operation succeeded: the budget gets back what its retries cost, or one token.
    pub(crate) fn succeeded(self) {
        self.budget
            .deposit(if self.spent == 0 { 1 } else { self.spent });
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use http::header::{HeaderMap, HeaderValue};

    use super::*;

    fn unavailable_for(seconds: &str) -> Error {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_str(seconds).unwrap());
        crate::error::from_api_response(StatusCode::SERVICE_UNAVAILABLE, &headers, b"")
    }

    fn timeout() -> Error {
        Error::Timeout {
            url: "u".into(),
            after: Duration::from_secs(1),
        }
    }

    /// Fails every attempt with `error()` until the retries say no; the delays they gave.
    fn delays(retries: &mut Retries<'_>, error: fn() -> Error) -> Vec<Duration> {
        std::iter::from_fn(|| retries.next_delay(&error())).collect()
    }

    #[test]
    fn backoff_doubles_from_half_a_second_up_to_eight() {
        let delays: Vec<u128> = (0..7).map(|r| backoff(r).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(backoff(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn the_policy_waits_as_told_and_only_for_retryable_errors_and_retries_left() {
        let policy = RetryPolicy { max_retries: 2 };
        let three = Some(Duration::from_secs(3));
        assert_eq!(policy.next_delay(&unavailable_for("3"), 1), three);
        assert_eq!(policy.next_delay(&unavailable_for("3"), 2), three);
        assert_eq!(policy.next_delay(&unavailable_for("3"), 3), None);
        let config = Error::Config("no".into());
        assert_eq!(policy.next_delay(&config, 1), None);
        let none = RetryPolicy { max_retries: 0 };
        assert_eq!(none.next_delay(&unavailable_for("1"), 1), None);
    }

    #[test]
    fn without_a_server_hint_the_delay_backs_off_with_jitter_of_up_to_a_quarter() {
        let policy = RetryPolicy { max_retries: 10 };
        for attempt in 1..6 {
            for _ in 0..100 {
                let full = backoff(attempt - 1);
                let d = policy.next_delay(&timeout(), attempt).unwrap();
                assert!(d <= full && d >= full.mul_f64(0.75), "{attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn retries_count_attempts_and_stop_after_max_retries() {
        let budget = RetryBudget::default();
        let mut retries = Retries::new(RetryPolicy { max_retries: 3 }, &budget, "test");
        assert_eq!(retries.attempt(), 1);
        let waited = delays(&mut retries, || unavailable_for("1"));
        assert_eq!(waited, [Duration::from_secs(1); 3]);
        assert_eq!(retries.attempt(), 4);
        assert_eq!(budget.available(), RETRY_BUDGET - 3 * RETRY_COST);
        assert!(!retries.again_now(), "no retries left, not even at once");
    }

    #[test]
    fn an_empty_budget_stops_retries_and_successes_refill_it() {
        let budget = RetryBudget::default();
        let policy = RetryPolicy { max_retries: 1_000 };
        let mut retries = Retries::new(policy, &budget, "test");
        // 500 tokens pay for 100 retries of 5: then the budget says no.
        let paid = delays(&mut retries, || unavailable_for("0")).len() as u32;
        assert_eq!(paid, RETRY_BUDGET / RETRY_COST);
        assert_eq!(budget.available(), 0);
        let mut again = Retries::new(policy, &budget, "test");
        assert_eq!(again.next_delay(&unavailable_for("0")), None);
        again.succeeded();
        assert_eq!(
            budget.available(),
            1,
            "a first-try success gives one token back"
        );
    }

    #[test]
    fn timeouts_cost_more_and_a_retried_success_refunds_its_cost() {
        let budget = RetryBudget::default();
        let policy = RetryPolicy { max_retries: 1_000 };
        let paid = delays(&mut Retries::new(policy, &budget, "test"), timeout).len() as u32;
        assert_eq!(paid, RETRY_BUDGET / TIMEOUT_RETRY_COST);

        let budget = RetryBudget::default();
        assert!(budget.withdraw(100));
        let mut retries = Retries::new(policy, &budget, "test");
        assert!(retries.next_delay(&timeout()).is_some());
        assert_eq!(budget.available(), RETRY_BUDGET - 110);
        retries.succeeded();
        assert_eq!(
            budget.available(),
            RETRY_BUDGET - 100,
            "the retry's cost came back"
        );
    }

    #[test]
    fn a_retry_at_once_counts_against_the_retries_but_not_the_budget() {
        let budget = RetryBudget::default();
        let mut retries = Retries::new(RetryPolicy { max_retries: 1 }, &budget, "test");
        assert!(retries.again_now());
        assert_eq!(retries.attempt(), 2);
        assert!(!retries.again_now());
        assert_eq!(retries.next_delay(&timeout()), None);
        assert_eq!(budget.available(), RETRY_BUDGET);
    }
}
