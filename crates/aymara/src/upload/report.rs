//! What an upload reports: one [`UploadOutcome`] per input path, and the [`UploadReport`]
//! that holds them. Every type here can be built by dependent crates, to fake an upload's
//! result in their own tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Error;
use crate::files::WaitOutcome;
use crate::upload::journal::JournalEntry;

/// A file that is stored.
///
/// ```
/// let file = aymara::UploadedFile::new()
///     .with_local_file_path("data/a.csv")
///     .with_file_uuid("0b5c…")
///     .with_size_bytes(4)
///     .with_content_type("text/csv")
///     .with_remote_file_path("org/0b5c…/a.csv");
/// assert_eq!(file.size_bytes(), 4);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadedFile {
    local_file_path: String,
    file_uuid: String,
    remote_file_path: Option<String>,
    size_bytes: u64,
    content_type: String,
    blake3: Option<String>,
    processing: Option<Processed>,
}

/// How the wait for a file's processing ended, when the upload waited (boxed: most files
/// have none). Errors compare equal only to themselves, so that [`UploadedFile`] keeps
/// `Eq`.
#[derive(Debug, Clone)]
struct Processed(Box<Result<WaitOutcome, Arc<Error>>>);

impl PartialEq for Processed {
    fn eq(&self, other: &Self) -> bool {
        match (self.0.as_ref(), other.0.as_ref()) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Processed {}

impl UploadedFile {
    /// A stored file with every field empty, to fake one in tests: set what the test reads
    /// with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// With the path as sent to the API.
    pub fn with_local_file_path(mut self, path: impl Into<String>) -> Self {
        self.local_file_path = path.into();
        self
    }

    /// With the service's uuid for it.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = uuid.into();
        self
    }

    /// With its size.
    pub fn with_size_bytes(mut self, size: u64) -> Self {
        self.size_bytes = size;
        self
    }

    /// With the `Content-Type` it was sent with.
    pub fn with_content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = mime.into();
        self
    }

    /// With how the wait for its processing ended (see
    /// [`UploadOptions::wait_for_processing`](crate::UploadOptions::wait_for_processing)).
    pub fn with_processing(mut self, result: Result<WaitOutcome, Arc<Error>>) -> Self {
        self.processing = Some(Processed(Box::new(result)));
        self
    }

    /// With the path later eval-run calls use.
    pub fn with_remote_file_path(mut self, path: impl Into<String>) -> Self {
        self.remote_file_path = Some(path.into());
        self
    }

    /// With the lower-case hex BLAKE3 hash of the bytes sent.
    pub fn with_blake3(mut self, hex: impl Into<String>) -> Self {
        self.blake3 = Some(hex.into());
        self
    }

    /// The path as given, as sent to the API.
    pub fn local_file_path(&self) -> &str {
        &self.local_file_path
    }

    /// The service's identifier for the file.
    pub fn file_uuid(&self) -> &str {
        &self.file_uuid
    }

    /// The path later eval-run calls use, when the API gave one.
    pub fn remote_file_path(&self) -> Option<&str> {
        self.remote_file_path.as_deref()
    }

    /// Bytes sent.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The `Content-Type` it was sent with.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The lower-case hex BLAKE3 hash of the bytes sent, computed as they streamed when the
    /// upload keeps a [journal](crate::UploadOptions::journal) (which records it); `None`
    /// without one.
    pub fn blake3(&self) -> Option<&str> {
        self.blake3.as_deref()
    }

    /// How the wait for its processing ended: `None` when the upload did not wait (or was
    /// stopped before the wait ended); an `Err` when the status could not be read.
    pub fn processing(&self) -> Option<Result<&WaitOutcome, &Error>> {
        self.processing
            .as_ref()
            .map(|Processed(result)| result.as_ref().as_ref().map_err(|e| e.as_ref()))
    }
}

/// A file not sent because the journal says it is stored already (see
/// [`UploadOptions::journal`](crate::UploadOptions::journal)).
///
/// ```
/// let entry = aymara::JournalEntry::new()
///     .with_local_file_path("data/a.csv")
///     .with_size_bytes(4)
///     .with_file_uuid("0b5c…");
/// let skipped = aymara::SkippedFile::new(entry);
/// assert_eq!(skipped.file_uuid(), "0b5c…");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    entry: JournalEntry,
}

impl SkippedFile {
    /// Skipped because of this journal entry.
    pub fn new(entry: JournalEntry) -> Self {
        Self { entry }
    }

    /// The journal entry that matched.
    pub fn entry(&self) -> &JournalEntry {
        &self.entry
    }

    /// The path as given, as sent to the API when it was stored.
    pub fn local_file_path(&self) -> &str {
        self.entry.local_file_path()
    }

    /// The service's identifier of the stored file.
    pub fn file_uuid(&self) -> &str {
        self.entry.file_uuid()
    }

    /// The path later eval-run calls use, if the journal has it.
    pub fn remote_file_path(&self) -> Option<&str> {
        self.entry.remote_file_path()
    }

    /// Its size.
    pub fn size_bytes(&self) -> u64 {
        self.entry.size_bytes()
    }
}

/// What happened to one input path.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OutcomeKind {
    /// Stored.
    Uploaded(UploadedFile),
    /// Not sent: the journal says it is stored already.
    Skipped(SkippedFile),
    /// Failed for good. Files of a batch the API refused share one error.
    Failed(Arc<Error>),
    /// Not finished because the upload was cancelled or reached its deadline before the
    /// file's transfer started (or, after a hard stop, finished).
    Cancelled,
}

/// One input path and what happened to it.
///
/// ```
/// use aymara::{OutcomeKind, UploadOutcome, UploadedFile};
/// let file = UploadedFile::new().with_local_file_path("a.csv").with_file_uuid("u1");
/// let done = UploadOutcome::new(0, "a.csv", OutcomeKind::Uploaded(file));
/// assert!(done.uploaded().is_some());
/// ```
#[derive(Debug, Clone)]
pub struct UploadOutcome {
    index: usize,
    path: PathBuf,
    kind: OutcomeKind,
}

impl UploadOutcome {
    /// The outcome for the path at `index` of the input.
    pub fn new(index: usize, path: impl Into<PathBuf>, kind: OutcomeKind) -> Self {
        Self {
            index,
            path: path.into(),
            kind,
        }
    }

    /// Position in the paths given.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What happened.
    pub fn kind(&self) -> &OutcomeKind {
        &self.kind
    }

    /// The stored file, if it was stored.
    pub fn uploaded(&self) -> Option<&UploadedFile> {
        match &self.kind {
            OutcomeKind::Uploaded(file) => Some(file),
            _ => None,
        }
    }

    /// The journal entry it was skipped for, if it was skipped.
    pub fn skipped(&self) -> Option<&SkippedFile> {
        match &self.kind {
            OutcomeKind::Skipped(file) => Some(file),
            _ => None,
        }
    }

    /// Why it failed, if it failed.
    pub fn error(&self) -> Option<&Error> {
        match &self.kind {
            OutcomeKind::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, OutcomeKind::Cancelled)
    }
}

/// One outcome per input path, in input order.
#[derive(Debug, Clone, Default)]
pub struct UploadReport {
    workspace_uuid: Option<String>,
    outcomes: Vec<UploadOutcome>,
}

impl UploadReport {
    /// A report of these outcomes (sorted into input order).
    pub fn new(workspace_uuid: Option<String>, mut outcomes: Vec<UploadOutcome>) -> Self {
        outcomes.sort_by_key(|o| o.index);
        Self {
            workspace_uuid,
            outcomes,
        }
    }

    /// The workspace the API put the files in (or the one asked for).
    pub fn workspace_uuid(&self) -> Option<&str> {
        self.workspace_uuid.as_deref()
    }

    /// One per input path, in the order given.
    pub fn outcomes(&self) -> &[UploadOutcome] {
        &self.outcomes
    }

    /// The outcomes, owned.
    pub fn into_outcomes(self) -> Vec<UploadOutcome> {
        self.outcomes
    }

    /// The files that were stored, in input order.
    pub fn uploaded(&self) -> impl Iterator<Item = &UploadedFile> {
        self.outcomes.iter().filter_map(UploadOutcome::uploaded)
    }

    /// The files skipped because the journal says they are stored, in input order.
    pub fn skipped(&self) -> impl Iterator<Item = &SkippedFile> {
        self.outcomes.iter().filter_map(UploadOutcome::skipped)
    }

    /// The paths that failed, with why, in input order.
    pub fn failed(&self) -> impl Iterator<Item = (&Path, &Error)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.error().map(|e| (o.path(), e)))
    }

    /// The paths that were cancelled, in input order.
    pub fn cancelled(&self) -> impl Iterator<Item = &Path> {
        self.outcomes
            .iter()
            .filter(|o| o.is_cancelled())
            .map(UploadOutcome::path)
    }

    /// Whether every path is stored: uploaded now, or skipped as stored before.
    pub fn is_success(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| matches!(o.kind, OutcomeKind::Uploaded(_) | OutcomeKind::Skipped(_)))
    }
}
