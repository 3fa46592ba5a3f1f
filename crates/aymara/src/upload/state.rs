//! The state of one upload that its handle and its run share: progress counters, how file
//! bodies are read (the memory budget and the bandwidth limit), the two ways to stop, and
//! why it stopped.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::body::{Bandwidth, Reading};
use crate::lock::lock;
use crate::upload::options::UploadOptions;
use crate::upload::progress::{Counters, UploadProgress};
use crate::upload::report::OutcomeKind;

/// Shared by the handle and the run, behind an `Arc`.
#[derive(Debug)]
pub(crate) struct RunState {
    pub counters: Counters,
    /// How every body of the upload is read: every buffer of file data comes out of its
    /// budget, and every byte waits for its turn under its bandwidth limit.
    pub reading: Reading,
    /// Start nothing new; let what runs finish.
    pub graceful: CancellationToken,
    /// Stop what runs too.
    pub hard: CancellationToken,
    /// Why the run is stopping, once it is.
    reason: Mutex<Option<StopReason>>,
}

/// Why files were left unfinished.
#[derive(Debug, Clone)]
pub(crate) enum StopReason {
    Cancelled,
    Deadline(Arc<Error>),
    /// The journal could not record a stored file: going on would store files a re-run
    /// cannot know about.
    Journal(Arc<Error>),
}

impl RunState {
    pub(crate) fn new(options: &UploadOptions) -> Self {
        let mut reading = Reading::new(options.max_buffered_bytes_or_default());
        reading.bandwidth = options.bandwidth_limit.and_then(Bandwidth::new);
        // The hash is for the journal: without one, nothing would record it.
        reading.hash = options.journal.is_some();
        Self {
            counters: Counters::default(),
            reading,
            graceful: CancellationToken::new(),
            hard: CancellationToken::new(),
            reason: Mutex::new(None),
        }
    }

    /// Where the upload stands right now.
    pub(crate) fn progress(&self) -> UploadProgress {
        let mut progress = self.counters.snapshot();
        progress.buffered_bytes = self.reading.buffers.held() as u64;
        progress
    }

    /// Stops starting new work; with `hard`, stops running work too. The first reason
    /// given is kept.
    pub(crate) fn stop(&self, reason: StopReason, hard: bool) {
        lock(&self.reason).get_or_insert(reason);
        self.graceful.cancel();
        if hard {
            self.hard.cancel();
        }
    }

    /// The outcome of a file left unfinished.
    pub(crate) fn unfinished(&self) -> OutcomeKind {
        match lock(&self.reason).as_ref() {
            Some(StopReason::Deadline(error) | StopReason::Journal(error)) => {
                OutcomeKind::Failed(error.clone())
            }
            _ => OutcomeKind::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept_and_decides_unfinished_outcomes() {
        let state = RunState::new(&UploadOptions::new());
        assert!(!state.graceful.is_cancelled());
        let deadline = Arc::new(Error::Config("deadline".into()));
        state.stop(StopReason::Deadline(deadline.clone()), false);
        state.stop(StopReason::Cancelled, true);
        assert!(state.graceful.is_cancelled() && state.hard.is_cancelled());
        match state.unfinished() {
            OutcomeKind::Failed(error) => assert!(Arc::ptr_eq(&error, &deadline)),
            other => panic!("{other:?}"),
        }
        let cancelled = RunState::new(&UploadOptions::new());
        cancelled.stop(StopReason::Cancelled, false);
        assert!(matches!(cancelled.unfinished(), OutcomeKind::Cancelled));
        assert!(!cancelled.hard.is_cancelled());
    }
}
