//! Where finished files go: a stored file is recorded in the journal (right when the store
//! answered, before it counts as uploaded), then every outcome is counted, told to the
//! observer and handed to the upload's handle.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::Error;
use crate::lock::lock;
use crate::plan::PlannedFile;
use crate::upload::journal::{Journal, JournalEntry};
use crate::upload::options::{Events, ProgressEvent};
use crate::upload::presign::Target;
use crate::upload::progress::Counters;
use crate::upload::put::Stored;
use crate::upload::report::{OutcomeKind, UploadOutcome, UploadedFile};
use crate::upload::state::{RunState, StopReason};

/// Records and reports the outcomes of one run.
pub(crate) struct Recorder {
    pub state: Arc<RunState>,
    pub events: Events,
    pub journal: Option<Arc<dyn Journal>>,
    /// The API's base URL, redacted, as journal entries record it.
    pub base_url: String,
    /// The workspace the files went to: as asked, or as the API first answered.
    pub workspace: Mutex<Option<String>>,
    pub outcomes: UnboundedSender<UploadOutcome>,
}

impl Recorder {
    /// The workspace the API answered with, unless one is known already.
    pub(crate) fn answered_workspace(&self, uuid: Option<String>) {
        if let Some(uuid) = uuid {
            lock(&self.workspace).get_or_insert(uuid);
        }
    }

    /// A file the store answered 2xx for: recorded in the journal, then uploaded. A journal
    /// that cannot record it stops the run from starting more transfers.
    pub(crate) fn stored(&self, file: &PlannedFile, target: Target, stored: Stored) -> OutcomeKind {
        let mut uploaded = UploadedFile::new()
            .with_local_file_path(file.local_file_path.clone())
            .with_file_uuid(target.file_uuid)
            .with_size_bytes(file.size)
            .with_content_type(file.content_type.as_str());
        if let Some(remote) = target.remote_file_path {
            uploaded = uploaded.with_remote_file_path(remote);
        }
        if let Some(blake3) = stored.blake3 {
            uploaded = uploaded.with_blake3(blake3);
        }
        if let Some(journal) = &self.journal
            && let Err(error) = journal.record(&self.journal_entry(file, &uploaded))
        {
            let error = Arc::new(Error::Journal(error));
            tracing::error!(%error, "stopping the upload");
            self.state.stop(StopReason::Journal(error), false);
        }
        OutcomeKind::Uploaded(uploaded)
    }

    fn journal_entry(&self, file: &PlannedFile, uploaded: &UploadedFile) -> JournalEntry {
        let mut entry = JournalEntry::new()
            .with_local_file_path(uploaded.local_file_path())
            .with_size_bytes(uploaded.size_bytes())
            .with_file_uuid(uploaded.file_uuid())
            .with_base_url(self.base_url.clone());
        if let Some(modified) = file.modified {
            entry = entry.with_modified(modified);
        }
        if let Some(blake3) = uploaded.blake3() {
            entry = entry.with_blake3(blake3);
        }
        if let Some(remote) = uploaded.remote_file_path() {
            entry = entry.with_remote_file_path(remote);
        }
        if let Some(workspace) = lock(&self.workspace).as_deref() {
            entry = entry.with_workspace_uuid(workspace);
        }
        entry
    }

    /// Counts a finished file, tells the observer, and hands the outcome to the handle.
    pub(crate) fn report(&self, outcome: UploadOutcome) {
        let counters = &self.state.counters;
        let (index, path) = (outcome.index(), outcome.path());
        match outcome.kind() {
            OutcomeKind::Uploaded(file) => {
                Counters::add(&counters.files_uploaded, 1);
                Counters::add(&counters.bytes_uploaded, file.size_bytes());
                self.events.emit(ProgressEvent::Done { index, file });
            }
            OutcomeKind::Skipped(file) => {
                Counters::add(&counters.files_skipped, 1);
                self.events.emit(ProgressEvent::Skipped { index, file });
            }
            OutcomeKind::Failed(error) => {
                Counters::add(&counters.files_failed, 1);
                self.events
                    .emit(ProgressEvent::Failed { index, path, error });
            }
            OutcomeKind::Cancelled => {
                Counters::add(&counters.files_cancelled, 1);
                self.events.emit(ProgressEvent::Cancelled { index, path });
            }
        }
        // The handle may be gone (dropped while this task was being aborted); nobody to tell.
        let _ = self.outcomes.send(outcome);
    }

    /// The workspace, at the end of the run.
    pub(crate) fn into_workspace(self) -> Option<String> {
        self.workspace
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The outcome of `file`.
pub(crate) fn outcome(file: &PlannedFile, kind: OutcomeKind) -> UploadOutcome {
    UploadOutcome::new(file.index, file.local_file_path.clone(), kind)
}
