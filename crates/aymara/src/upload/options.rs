//! What a caller can tune about an upload, and what it hears back while it runs.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;
use crate::body::MAX_BUFFERED_BYTES;
use crate::files::WaitOptions;
use crate::upload::journal::Journal;
use crate::upload::limiter::MAX_CONCURRENCY;
use crate::upload::report::{SkippedFile, UploadedFile};

/// Files per `POST /v2/files`, unless configured otherwise; also the most the service takes.
/// Public because it bounds [`UploadOptions::batch_size`].
pub const MAX_BATCH_SIZE: usize = 100;

/// How many transfers run at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Concurrency {
    /// Found while the upload runs (see [`UploadOptions::concurrency_auto`]).
    #[default]
    Auto,
    /// Exactly this many.
    Fixed(usize),
}

/// Options for [`Files::upload`](crate::Files::upload). Start from [`UploadOptions::new`].
#[derive(Clone, Default)]
pub struct UploadOptions {
    pub(crate) workspace_uuid: Option<String>,
    pub(crate) concurrency: Concurrency,
    pub(crate) max_buffered_bytes: Option<usize>,
    pub(crate) batch_size: Option<usize>,
    pub(crate) content_type: Option<String>,
    pub(crate) observer: Option<Arc<dyn ProgressObserver>>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) wait: Option<WaitOptions>,
    pub(crate) journal: Option<Arc<dyn Journal>>,
    pub(crate) checksum: bool,
    pub(crate) force: bool,
    /// `None`: the default, on.
    pub(crate) hedging: Option<bool>,
    pub(crate) bandwidth_limit: Option<u64>,
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("workspace_uuid", &self.workspace_uuid)
            .field("concurrency", &self.concurrency)
            .field("max_buffered_bytes", &self.max_buffered_bytes_or_default())
            .field("batch_size", &self.batch_size_or_default())
            .field("content_type", &self.content_type)
            .field("observer", &self.observer.is_some())
            .field("deadline", &self.deadline)
            .field("wait", &self.wait)
            .field("journal", &self.journal.is_some())
            .field("checksum", &self.checksum)
            .field("force", &self.force)
            .field("hedging", &self.hedging_or_default())
            .field("bandwidth_limit", &self.bandwidth_limit)
            .finish()
    }
}

impl UploadOptions {
    /// Defaults: no workspace, concurrency found while the upload runs
    /// ([`concurrency_auto`](Self::concurrency_auto)), at most
    /// [`MAX_BUFFERED_BYTES`](crate::MAX_BUFFERED_BYTES) of file data in memory, 100 files
    /// per presign request, content types guessed from file extensions, stragglers hedged,
    /// no bandwidth limit, no observer, no deadline for the whole upload.
    pub fn new() -> Self {
        Self::default()
    }

    /// The workspace the files belong to.
    pub fn workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// Transfers exactly this many files at once, 1 to
    /// [`MAX_CONCURRENCY`](crate::MAX_CONCURRENCY), instead of finding the number while the
    /// upload runs. All share one connection pool.
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = Concurrency::Fixed(files);
        self
    }

    /// Finds how many files to transfer at once while the upload runs (the default). It
    /// starts at 8 (the fixed default of earlier versions), grows while more at
    /// once still finish about as fast (on a link with latency, many small files go many
    /// times faster), stops where latency starts to rise, halves when the store answers 429
    /// or 503 (`SlowDown`), a transfer stalls or times out, or a connection cannot be
    /// opened (and stops doubling from then on, as TCP's slow start stops at loss), and
    /// never exceeds
    /// [`MAX_CONCURRENCY`](crate::MAX_CONCURRENCY). [`UploadProgress::concurrency`](crate::UploadProgress)
    /// and a `tracing` debug event show the current level.
    pub fn concurrency_auto(mut self) -> Self {
        self.concurrency = Concurrency::Auto;
        self
    }

    /// The most bytes of file data held in memory at once, across all transfers (default
    /// [`MAX_BUFFERED_BYTES`](crate::MAX_BUFFERED_BYTES), 32 MiB). Files are read in chunks
    /// of at most 256 KiB (less if this is smaller), each taken from this budget and given
    /// back once handed to the network; a transfer that finds the budget spent waits.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = Some(bytes);
        self
    }

    /// Files per presign request, 1 to 100 (default 100).
    pub fn batch_size(mut self, files: usize) -> Self {
        self.batch_size = Some(files);
        self
    }

    /// One content type for every file, instead of guessing from each extension.
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// Hears about each file's progress. A closure `Fn(&ProgressEvent)` works.
    pub fn observer(mut self, observer: impl ProgressObserver + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// A deadline for the whole upload, planning included. When it passes, transfers still
    /// running are stopped, and every file not stored fails with
    /// [`Error::DeadlineExceeded`]. Each API call and transfer keeps its own time limit too.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// After each file is stored, waits for its processing (see
    /// [`Files::wait_for_processing`](crate::Files::wait_for_processing)) and puts the result
    /// in its outcome ([`UploadedFile::processing`]). A waiting file does not hold a
    /// transfer slot; its outcome comes when the wait ends.
    pub fn wait_for_processing(mut self, options: WaitOptions) -> Self {
        self.wait = Some(options);
        self
    }

    /// Keeps track of stored files: each is recorded as soon as the store answered 2xx
    /// (before it counts as uploaded), and a file the journal already has, with the same
    /// path, size and modification time, is skipped ([`OutcomeKind::Skipped`]). So a
    /// re-run after a crash, a failure or Ctrl-C sends only what is missing.
    /// [`FileJournal`](crate::FileJournal) keeps it in a file.
    ///
    /// With a journal, each file's BLAKE3 hash is computed as its bytes stream (no second
    /// read) and recorded, for [`checksum`](Self::checksum) runs. It costs about 0.15 s of
    /// CPU per GiB; without a journal it is not computed.
    ///
    /// [`OutcomeKind::Skipped`]: crate::OutcomeKind::Skipped
    pub fn journal(mut self, journal: impl Journal + 'static) -> Self {
        self.journal = Some(Arc::new(journal));
        self
    }

    /// With a journal: skip a file only if its content hash matches the one recorded,
    /// instead of its size and modification time. Each file is read once more before the upload to
    /// compute it, so a change that kept the size and time is caught.
    pub fn checksum(mut self, checksum: bool) -> Self {
        self.checksum = checksum;
        self
    }

    /// With a journal: skip nothing, upload every file again (and record them again).
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Whether to hedge stragglers (on by default): a transfer that waits far longer than
    /// its peers (three times the slow tail of recent transfers, once enough have finished)
    /// to connect or to get its answer gets a second `PUT` of the same file to the same
    /// presigned URL, and whichever answers first wins; the other is cancelled. A presigned
    /// `PUT` is idempotent (same key, same bytes), so this is safe. Hedges are few (at most
    /// one transfer in twenty), only for files of at most 8 MiB, and each takes a slot and
    /// its buffers like any transfer, so they never pass the concurrency level or the
    /// memory budget. [`UploadProgress::hedges`](crate::UploadProgress) counts them.
    pub fn hedging(mut self, hedging: bool) -> Self {
        self.hedging = Some(hedging);
        self
    }

    /// At most this many bytes per second for the whole upload, shared by all its
    /// transfers (default: no limit; 0 is no limit too). Enforced where bytes are handed to
    /// the socket, by sleeping between chunks; the adaptive concurrency does not mistake a
    /// run held back by it for congestion.
    pub fn bandwidth_limit(mut self, bytes_per_sec: u64) -> Self {
        self.bandwidth_limit = Some(bytes_per_sec);
        self
    }

    pub(crate) fn hedging_or_default(&self) -> bool {
        self.hedging.unwrap_or(true)
    }

    pub(crate) fn max_buffered_bytes_or_default(&self) -> usize {
        self.max_buffered_bytes.unwrap_or(MAX_BUFFERED_BYTES)
    }

    pub(crate) fn batch_size_or_default(&self) -> usize {
        self.batch_size.unwrap_or(MAX_BATCH_SIZE)
    }

    /// Checks the options before anything is read or sent.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match self.concurrency {
            Concurrency::Fixed(0) => {
                return Err(Error::Config("concurrency must be at least 1".into()));
            }
            Concurrency::Fixed(n) if n > MAX_CONCURRENCY => {
                return Err(Error::Config(format!(
                    "concurrency must be at most {MAX_CONCURRENCY}, got {n}"
                )));
            }
            _ => {}
        }
        if self.max_buffered_bytes == Some(0) {
            return Err(Error::Config(
                "the memory budget for file data must be at least 1 byte".into(),
            ));
        }
        if let Some(size) = self.batch_size
            && !(1..=MAX_BATCH_SIZE).contains(&size)
        {
            return Err(Error::Config(format!(
                "batch size must be between 1 and {MAX_BATCH_SIZE}, got {size}"
            )));
        }
        if self.deadline == Some(Duration::ZERO) {
            return Err(Error::Config(
                "the upload deadline must be more than zero".into(),
            ));
        }
        if let Some(wait) = &self.wait {
            wait.validate()?;
        }
        if let Some(mime) = &self.content_type {
            let valid = mime.parse::<mime_guess::mime::Mime>().is_ok()
                && reqwest::header::HeaderValue::from_str(mime).is_ok();
            if !valid {
                return Err(Error::Config(format!(
                    "content type {mime:?} is not a valid MIME type"
                )));
            }
        }
        Ok(())
    }

    /// Where its progress events go.
    pub(crate) fn events(&self) -> Events {
        Events(self.observer.clone())
    }
}

/// Where an upload's progress events go: the caller's observer, if any. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Events(Option<Arc<dyn ProgressObserver>>);

impl Events {
    /// Tells the observer.
    pub(crate) fn emit(&self, event: ProgressEvent<'_>) {
        if let Some(observer) = &self.0 {
            observer.on_event(&event);
        }
    }
}

/// Something that happened to one file of an upload. `index` is the file's position in the
/// paths given to `upload`.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProgressEvent<'a> {
    /// Planning is done: this many files, this many bytes will be sent (files skipped for
    /// the journal not included).
    Planned {
        /// Files that passed planning and will be sent.
        files: usize,
        /// Their total size.
        bytes: u64,
    },
    /// The file passed planning and waits for its turn.
    Queued {
        /// Position in the input.
        index: usize,
        /// The path as given.
        path: &'a Path,
        /// Its size in bytes.
        size: u64,
    },
    /// The file is not sent: the journal says it is stored already.
    Skipped {
        /// Position in the input.
        index: usize,
        /// The journal's entry for it.
        file: &'a SkippedFile,
    },
    /// Bytes of the current attempt sent so far; a retry starts again from 0.
    BytesSent {
        /// Position in the input.
        index: usize,
        /// Bytes of this attempt sent so far.
        sent: u64,
        /// The file's size.
        size: u64,
    },
    /// A transfer is a straggler: a second `PUT` of the file has started, and the first of
    /// the two to answer wins (see [`UploadOptions::hedging`]).
    Hedged {
        /// Position in the input.
        index: usize,
        /// The attempt hedged (1 for the first).
        attempt: u32,
    },
    /// An attempt failed and will be retried.
    Retrying {
        /// Position in the input.
        index: usize,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// Why the previous attempt failed.
        error: &'a Error,
    },
    /// How many transfers may run at once changed (sent once at the start too).
    Concurrency {
        /// The new limit.
        transfers: usize,
    },
    /// The file is uploaded.
    Done {
        /// Position in the input.
        index: usize,
        /// What was uploaded.
        file: &'a UploadedFile,
    },
    /// The file was not finished because the upload was cancelled.
    Cancelled {
        /// Position in the input.
        index: usize,
        /// The path as given.
        path: &'a Path,
    },
    /// The file failed for good.
    Failed {
        /// Position in the input.
        index: usize,
        /// The path as given.
        path: &'a Path,
        /// Why.
        error: &'a Error,
    },
}

/// Receives [`ProgressEvent`]s. Called from the upload's tasks, so keep it quick.
pub trait ProgressObserver: Send + Sync {
    /// One event.
    fn on_event(&self, event: &ProgressEvent<'_>);
}

impl<F: Fn(&ProgressEvent<'_>) + Send + Sync> ProgressObserver for F {
    fn on_event(&self, event: &ProgressEvent<'_>) {
        self(event)
    }
}
