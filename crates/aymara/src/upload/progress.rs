//! Progress that can be read at any time while an upload runs: a few counters, updated by
//! the upload and copied out by [`UploadHandle::progress`](crate::UploadHandle::progress).

use std::sync::atomic::{AtomicU64, Ordering};

/// Where an upload stands. Counts of files are final once the upload ends; `bytes_sent`
/// counts the bytes of attempts so far (a retried file's bytes count again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Files that will be sent (known once planning is done), skipped ones not included.
    pub files_total: u64,
    /// Files stored.
    pub files_uploaded: u64,
    /// Files not sent because the journal says they are stored already.
    pub files_skipped: u64,
    /// Files that failed for good.
    pub files_failed: u64,
    /// Files cancelled.
    pub files_cancelled: u64,
    /// Bytes of the files that will be sent.
    pub bytes_total: u64,
    /// Bytes of files stored so far.
    pub bytes_uploaded: u64,
    /// Bytes handed to the network so far, retries included.
    pub bytes_sent: u64,
    /// Retries so far, of API calls and transfers.
    pub retries: u64,
    /// Stragglers hedged so far: transfers that got a second `PUT` (see
    /// [`UploadOptions::hedging`](crate::UploadOptions::hedging)).
    pub hedges: u64,
    /// Transfers that may run at once right now: fixed, or the level the adaptive limit
    /// found.
    pub concurrency: u64,
    /// Transfer attempts running right now (not counting retries waiting out a backoff).
    pub in_flight: u64,
    /// Bytes of file data in memory right now: read from disk and not yet handed to the
    /// network. Never more than the upload's memory budget.
    pub buffered_bytes: u64,
}

/// The live counters behind [`UploadProgress`]. Each stands alone, so relaxed ordering is
/// enough.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub files_total: AtomicU64,
    pub files_uploaded: AtomicU64,
    pub files_skipped: AtomicU64,
    pub files_failed: AtomicU64,
    pub files_cancelled: AtomicU64,
    pub bytes_total: AtomicU64,
    pub bytes_uploaded: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub retries: AtomicU64,
    pub hedges: AtomicU64,
    pub concurrency: AtomicU64,
    pub in_flight: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn set(counter: &AtomicU64, n: u64) {
        counter.store(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> UploadProgress {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        UploadProgress {
            files_total: get(&self.files_total),
            files_uploaded: get(&self.files_uploaded),
            files_skipped: get(&self.files_skipped),
            files_failed: get(&self.files_failed),
            files_cancelled: get(&self.files_cancelled),
            bytes_total: get(&self.bytes_total),
            bytes_uploaded: get(&self.bytes_uploaded),
            bytes_sent: get(&self.bytes_sent),
            retries: get(&self.retries),
            hedges: get(&self.hedges),
            concurrency: get(&self.concurrency),
            in_flight: get(&self.in_flight),
            buffered_bytes: 0,
        }
    }
}
