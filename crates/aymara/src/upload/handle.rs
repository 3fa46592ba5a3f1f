//! The handles of an upload: [`Upload`] (not started; `.await` it or start it),
//! [`UploadHandle`] (running; await it, stream its outcomes, drop it to stop) and
//! [`UploadControl`] (watch and cancel from anywhere).

use std::future::{Future, IntoFuture};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

use crate::Error;
use crate::api::Api;
use crate::upload::options::UploadOptions;
use crate::upload::progress::UploadProgress;
use crate::upload::report::{UploadOutcome, UploadReport};
use crate::upload::run;
use crate::upload::state::{RunState, StopReason};

/// The task running an upload; it ends with the workspace the files went to.
type RunTask = JoinHandle<Result<Option<String>, Error>>;

/// An upload, not started yet. `.await` it for the [`UploadReport`], or
/// [`start`](Upload::start) it for an [`UploadHandle`].
///
/// ```no_run
/// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
/// let report = client
///     .files()
///     .upload(["data/prompts.csv"], aymara::UploadOptions::new())
///     .await?;
/// assert!(report.is_success());
/// # Ok(())
/// # }
/// ```
#[must_use = "an upload does nothing until it is awaited or started"]
#[derive(Debug)]
pub struct Upload {
    api: Api,
    paths: Vec<PathBuf>,
    options: UploadOptions,
}

impl Upload {
    pub(crate) fn new(api: Api, paths: Vec<PathBuf>, options: UploadOptions) -> Self {
        Self {
            api,
            paths,
            options,
        }
    }

    /// Starts the upload as a task of the current tokio runtime and returns its handle.
    /// Outside a runtime nothing starts, and the handle reports [`Error::Config`]. The task
    /// logs to the caller's `tracing` subscriber, inside the caller's current span.
    pub fn start(self) -> UploadHandle {
        let control = Arc::new(RunState::new(&self.options));
        let (sender, outcomes) = mpsc::unbounded_channel();
        let task = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => Ok(runtime.spawn(
                run::run(self.api, self.paths, self.options, control.clone(), sender)
                    .in_current_span()
                    .with_current_subscriber(),
            )),
            Err(_) => Err(Error::Config(
                "an upload needs a tokio runtime; use aymara::blocking from synchronous code"
                    .into(),
            )),
        };
        UploadHandle {
            task: Some(task),
            control: UploadControl { control },
            outcomes,
        }
    }
}

impl IntoFuture for Upload {
    type Output = Result<UploadReport, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start().finish())
    }
}

/// Watches and stops a running upload: cheap to clone, so it can stay with you while the
/// [`UploadHandle`] is spawned or awaited elsewhere.
#[derive(Debug, Clone)]
pub struct UploadControl {
    control: Arc<RunState>,
}

impl UploadControl {
    /// Where the upload stands right now.
    pub fn progress(&self) -> UploadProgress {
        self.control.progress()
    }

    /// Graceful cancel: starts nothing new, lets transfers in flight finish (each within its
    /// own time limit), and reports every file not started as
    /// [`OutcomeKind::Cancelled`](crate::OutcomeKind::Cancelled).
    pub fn cancel(&self) {
        self.control.stop(StopReason::Cancelled, false);
    }

    /// Hard stop: like [`cancel`](Self::cancel), but transfers in flight are stopped too
    /// and reported cancelled, unless the store had already answered them.
    pub fn stop(&self) {
        self.control.stop(StopReason::Cancelled, true);
    }

    /// Whether [`cancel`](Self::cancel) or [`stop`](Self::stop) was called, or a deadline
    /// passed.
    pub fn is_cancelled(&self) -> bool {
        self.control.graceful.is_cancelled()
    }
}

/// A running upload. `.await` it (or [`finish`](Self::finish) it) for the report; read
/// outcomes as they come with [`next_outcome`](Self::next_outcome) (it is also a
/// `futures_core::Stream` of them); watch and cancel it through
/// [`control`](Self::control). Dropping it stops everything at once.
///
/// ```no_run
/// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
/// let mut upload = client
///     .files()
///     .upload(["a.csv", "b.csv"], aymara::UploadOptions::new())
///     .start();
/// let control = upload.control();
/// while let Some(outcome) = upload.next_outcome().await {
///     println!("{}: {:?}", outcome.path().display(), control.progress());
/// }
/// let rest = upload.await?; // what was not read already: here, nothing
/// assert!(rest.outcomes().is_empty());
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping the handle stops the upload"]
#[derive(Debug)]
pub struct UploadHandle {
    /// The running task, or why none could start; `None` once finished.
    task: Option<Result<RunTask, Error>>,
    control: UploadControl,
    outcomes: mpsc::UnboundedReceiver<UploadOutcome>,
}

impl UploadHandle {
    /// A control to watch and stop the upload from anywhere.
    pub fn control(&self) -> UploadControl {
        self.control.clone()
    }

    /// Where the upload stands right now.
    pub fn progress(&self) -> UploadProgress {
        self.control.progress()
    }

    /// See [`UploadControl::cancel`].
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// The next file's outcome, in the order files finish; `None` once every file has
    /// one. Outcomes read here are not in the report [`finish`](Self::finish) returns, so a
    /// caller can stream a million files without holding them.
    pub async fn next_outcome(&mut self) -> Option<UploadOutcome> {
        self.outcomes.recv().await
    }

    /// Waits for the upload to end and returns the report of the outcomes not read with
    /// [`next_outcome`](Self::next_outcome), in input order.
    pub async fn finish(mut self) -> Result<UploadReport, Error> {
        let mut outcomes = Vec::new();
        while let Some(outcome) = self.outcomes.recv().await {
            outcomes.push(outcome);
        }
        let workspace = match self.task.take() {
            Some(Ok(task)) => match task.await {
                Ok(result) => result?,
                Err(join) => {
                    return Err(Error::internal("the upload task", join));
                }
            },
            Some(Err(error)) => return Err(error),
            None => None,
        };
        Ok(UploadReport::new(workspace, outcomes))
    }
}

impl IntoFuture for UploadHandle {
    type Output = Result<UploadReport, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.finish())
    }
}

impl futures_core::Stream for UploadHandle {
    type Item = UploadOutcome;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<UploadOutcome>> {
        self.outcomes.poll_recv(cx)
    }
}

impl Drop for UploadHandle {
    fn drop(&mut self) {
        if let Some(Ok(task)) = &self.task {
            task.abort();
        }
    }
}
