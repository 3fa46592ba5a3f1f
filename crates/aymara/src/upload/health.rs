//! Whether the API can be reached, as far as one upload knows: a circuit breaker for its
//! presign calls, so that an outage fails the files of every later batch at once with its
//! first cause, instead of spending each batch's retries on it.
//!
//! - Up: batches call with the client's retries.
//! - A batch fails for good with an outage (the API cannot be reached, does not answer in
//!   time, or answers 5xx even after the retries): down. One later batch probes it with a
//!   single attempt; if that fails too, every other batch fails at once with the first
//!   cause. Any success brings it back up.
//! - The key is refused (401 or 403): every later batch would be too, so none is sent.

use std::sync::Arc;

use crate::Error;
use crate::error::ApiErrorKind;

/// The breaker's state.
#[derive(Debug, Default)]
pub(crate) enum Health {
    #[default]
    Up,
    Down {
        cause: Arc<Error>,
        probed: bool,
    },
    Refused(Arc<Error>),
}

/// What a batch's presign should do.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Call, with this many retries (`None`: the client's).
    Call { retries: Option<u32> },
    /// Do not call: fail the batch with this.
    Fail(Arc<Error>),
}

impl Health {
    /// Asked before each batch's call.
    pub(crate) fn before_call(&mut self) -> Verdict {
        match self {
            Health::Up => Verdict::Call { retries: None },
            Health::Down {
                probed: probed @ false,
                ..
            } => {
                *probed = true;
                Verdict::Call { retries: Some(0) }
            }
            Health::Down { cause, .. } | Health::Refused(cause) => Verdict::Fail(cause.clone()),
        }
    }

    /// A batch's call succeeded.
    pub(crate) fn succeeded(&mut self) {
        if matches!(self, Health::Down { .. }) {
            *self = Health::Up;
        }
    }

    /// A batch's call failed for good with `error`; returns the error its files fail with:
    /// the first cause of an outage, so that one line says what happened to all of them.
    pub(crate) fn failed(&mut self, error: Error) -> Arc<Error> {
        match self {
            Health::Down { cause, .. } | Health::Refused(cause) if is_outage(&error) => {
                cause.clone()
            }
            _ => {
                let error = Arc::new(error);
                if is_outage(&error) {
                    *self = Health::Down {
                        cause: error.clone(),
                        probed: false,
                    };
                } else if is_refusal(&error) {
                    *self = Health::Refused(error.clone());
                }
                error
            }
        }
    }
}

/// Errors that say the API is down rather than that this batch is wrong.
fn is_outage(error: &Error) -> bool {
    error.is_unreachable() || error.status().is_some_and(|s| s.is_server_error())
}

/// Errors after which every later batch would fail the same way.
fn is_refusal(error: &Error) -> bool {
    matches!(error, Error::Api(api) if matches!(
        api.kind(),
        ApiErrorKind::Authentication | ApiErrorKind::PermissionDenied
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::StatusCode;

    use super::*;
    use crate::error::ApiError;

    fn refused() -> Error {
        Error::Connection {
            url: "https://api.example/".into(),
            source: "refused".into(),
        }
    }

    fn status(code: u16) -> Error {
        Error::from(ApiError::new(StatusCode::from_u16(code).unwrap()))
    }

    fn retries(verdict: Verdict) -> Option<u32> {
        match verdict {
            Verdict::Call { retries } => retries,
            Verdict::Fail(error) => panic!("failed with {error}"),
        }
    }

    #[test]
    fn an_outage_is_probed_once_then_fails_every_batch_with_its_first_cause() {
        let mut health = Health::default();
        assert_eq!(retries(health.before_call()), None);
        let first = health.failed(refused());
        assert_eq!(retries(health.before_call()), Some(0), "the probe");
        let timeout = Error::Timeout {
            url: "u".into(),
            after: Duration::from_secs(1),
        };
        let again = health.failed(timeout);
        assert!(Arc::ptr_eq(&first, &again), "one cause for all");
        for _ in 0..3 {
            match health.before_call() {
                Verdict::Fail(cause) => assert!(Arc::ptr_eq(&cause, &first)),
                Verdict::Call { .. } => panic!("no more calls while down"),
            }
        }
    }

    #[test]
    fn a_success_brings_it_back_up_and_5xx_counts_as_an_outage() {
        let mut health = Health::default();
        health.failed(status(503));
        assert_eq!(retries(health.before_call()), Some(0));
        health.succeeded();
        assert_eq!(retries(health.before_call()), None);
        assert_eq!(retries(health.before_call()), None);
    }

    #[test]
    fn a_refused_key_stops_every_later_batch_and_other_errors_change_nothing() {
        let mut health = Health::default();
        let bad_request = health.failed(status(422));
        assert_eq!(bad_request.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(retries(health.before_call()), None);
        let refused = health.failed(status(401));
        health.succeeded();
        match health.before_call() {
            Verdict::Fail(cause) => assert!(Arc::ptr_eq(&cause, &refused)),
            Verdict::Call { .. } => panic!("a refused key is never tried again"),
        }
        assert!(
            matches!(health.failed(status(403)), e if e.status() == Some(StatusCode::FORBIDDEN))
        );
    }
}
