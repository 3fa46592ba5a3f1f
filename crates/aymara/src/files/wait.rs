//! `client.files().wait_for_processing(..)`: poll a file's status until processing ends,
//! with backoff, under a deadline.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;
use crate::api::Api;
use crate::types::{FileStatus, ProcessingStatus};
use aymara_text as display;

/// How long a wait may take in all, unless configured otherwise. Public because it is the
/// default of [`WaitOptions::deadline`].
pub const DEFAULT_WAIT_DEADLINE: Duration = Duration::from_secs(10 * 60);
const DEFAULT_FIRST_INTERVAL: Duration = Duration::from_millis(500);
const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(5);

/// How to wait for a file's processing: the delay between polls doubles from
/// `poll_interval` (0.5 s) up to `max_poll_interval` (5 s), and the whole wait ends after
/// `deadline` (10 minutes).
///
/// ```
/// use std::time::Duration;
/// let options = aymara::WaitOptions::new()
///     .deadline(Duration::from_secs(60))
///     .poll_interval(Duration::from_secs(1));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    deadline: Duration,
    first: Duration,
    max: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            deadline: DEFAULT_WAIT_DEADLINE,
            first: DEFAULT_FIRST_INTERVAL,
            max: DEFAULT_MAX_INTERVAL,
        }
    }
}

impl WaitOptions {
    /// The defaults: 0.5 s doubling to 5 s between polls, 10 minutes in all.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long the whole wait may take, status calls included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The delay before the second poll; it doubles after each poll.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.first = interval;
        self
    }

    /// The longest delay between two polls.
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max = interval;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.deadline.is_zero() {
            return Err(Error::Config(
                "the processing wait's deadline must be more than zero".into(),
            ));
        }
        if self.first.is_zero() || self.max < self.first {
            return Err(Error::Config(format!(
                "poll intervals must be more than zero, the first at most the longest (got {:?} and {:?})",
                self.first, self.max
            )));
        }
        Ok(())
    }
}

/// How a wait for processing ended.
///
/// ```
/// use aymara::WaitOutcome;
/// use aymara::types::{FileStatus, ProcessingStatus};
/// let failed = WaitOutcome::Failed(
///     FileStatus::new().with_file_uuid("0b5c…").with_processing_status(ProcessingStatus::Failed).with_error_message("corrupt video"),
/// );
/// assert_eq!(failed.to_string(), "processing failed: corrupt video");
/// assert!(!failed.is_completed());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// Processing completed: the file is ready.
    Completed(FileStatus),
    /// Processing failed; [`FileStatus::error_message`] says why.
    Failed(FileStatus),
    /// The deadline passed first.
    TimedOut {
        /// The deadline.
        after: Duration,
        /// The last status seen, if any poll answered in time.
        last: Option<FileStatus>,
    },
}

impl WaitOutcome {
    /// Whether processing completed.
    pub fn is_completed(&self) -> bool {
        matches!(self, Self::Completed(_))
    }

    /// The last status seen.
    pub fn status(&self) -> Option<&FileStatus> {
        match self {
            Self::Completed(status) | Self::Failed(status) => Some(status),
            Self::TimedOut { last, .. } => last.as_ref(),
        }
    }

    /// The service's reason, for a failure.
    pub fn error_message(&self) -> Option<&str> {
        match self {
            Self::Failed(status) => status.error_message(),
            _ => None,
        }
    }
}

/// One line: `processing completed`, `processing failed: <why>`, `timed out after 600 s
/// waiting for processing (last status: processing)`.
impl fmt::Display for WaitOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Completed(_) => f.write_str("processing completed"),
            Self::Failed(status) => match status.error_message() {
                Some(why) => write!(f, "processing failed: {}", display::message(why)),
                None => f.write_str("processing failed"),
            },
            Self::TimedOut { after, last } => {
                write!(
                    f,
                    "timed out after {} s waiting for processing",
                    after.as_secs_f64()
                )?;
                match last {
                    Some(status) => write!(f, " (last status: {})", status.processing_status()),
                    None => f.write_str(" (no status received)"),
                }
            }
        }
    }
}

/// See [`Files::wait_for_processing`](crate::Files::wait_for_processing).
pub(crate) async fn wait_for_processing(
    api: &Api,
    file_uuid: &str,
    options: WaitOptions,
) -> Result<WaitOutcome, Error> {
    options.validate()?;
    let mut last = None;
    let polling = async {
        let mut interval = options.first;
        loop {
            let status = api.status(file_uuid).await?.into_inner();
            match status.processing_status() {
                ProcessingStatus::Completed => return Ok(WaitOutcome::Completed(status)),
                ProcessingStatus::Failed => return Ok(WaitOutcome::Failed(status)),
                _ => {}
            }
            tracing::debug!(file_uuid, status = %status.processing_status(), "still processing");
            last = Some(status);
            tokio::time::sleep(interval).await;
            interval = interval.saturating_mul(2).min(options.max);
        }
    };
    // A deadline past what the clock can hold is none.
    let result = match Instant::now().checked_add(options.deadline) {
        Some(deadline) => tokio::time::timeout_at(deadline, polling).await,
        None => Ok(polling.await),
    };
    match result {
        Ok(outcome) => outcome,
        Err(_elapsed) => Ok(WaitOutcome::TimedOut {
            after: options.deadline,
            last,
        }),
    }
}
