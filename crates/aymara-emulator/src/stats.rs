//! Counters tests read to check what a client actually did.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of what the emulator has seen since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// `POST /v2/files` requests received, answered with any status.
    pub presign_requests: u64,
    /// Files presigned in 200 answers, summed.
    pub presigned_files: u64,
    /// The largest `files` list in one 200 answer: shows whether a client batches.
    pub max_files_in_one_request: u64,
    /// `GET /v2/files` requests received, answered with any status.
    pub list_requests: u64,
    /// `GET /v2/files/{file_uuid}` requests received.
    pub get_file_requests: u64,
    /// `DELETE /v2/files/{file_uuid}` requests received.
    pub delete_requests: u64,
    /// `GET /v2/files/{file_uuid}/status` requests received.
    pub status_requests: u64,
    /// `GET /v2/files/{file_uuid}/frames` requests received.
    pub frames_requests: u64,
    /// `POST /v2/files/-/uploads` requests received.
    pub upload_requests: u64,
    /// `PUT`s received by the store, answered with any status or reset.
    pub put_requests: u64,
    /// `PUT`s that stored an object.
    pub objects_stored: u64,
    /// `PUT`s refused with 503 `SlowDown` because `max_puts_in_flight` were in flight.
    pub puts_slowed_down: u64,
    /// `GET`s and `HEAD`s received by the store, answered with any status.
    pub store_get_requests: u64,
    /// `PUT`s refused with 411 for a chunked body or no `Content-Length`.
    pub chunked_puts_refused: u64,
    /// TCP connections accepted: shows whether a client reuses connections.
    pub connections_accepted: u64,
    /// Connections closed because their request headers did not arrive in time.
    pub header_timeouts: u64,
    /// Requests cut off because their body stopped arriving.
    pub body_timeouts: u64,
    /// Faults injected, per kind.
    pub faults: FaultStats,
}

/// Faults injected so far, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultStats {
    /// Presign requests answered 429.
    pub presign_429: u64,
    /// Presign requests answered 503.
    pub presign_503: u64,
    /// PUTs answered 500.
    pub put_500: u64,
    /// PUTs whose connection was reset mid-body.
    pub put_reset: u64,
    /// PUTs answered late (stored).
    pub put_straggled: u64,
    /// PUTs read and never answered.
    pub put_stalled: u64,
}

/// The live counters behind [`Stats`].
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) presign_requests: AtomicU64,
    pub(crate) presigned_files: AtomicU64,
    pub(crate) max_files_in_one_request: AtomicU64,
    pub(crate) put_requests: AtomicU64,
    pub(crate) objects_stored: AtomicU64,
    pub(crate) chunked_puts_refused: AtomicU64,
    pub(crate) puts_slowed_down: AtomicU64,
    pub(crate) store_get_requests: AtomicU64,
    pub(crate) list_requests: AtomicU64,
    pub(crate) get_file_requests: AtomicU64,
    pub(crate) delete_requests: AtomicU64,
    pub(crate) status_requests: AtomicU64,
    pub(crate) frames_requests: AtomicU64,
    pub(crate) upload_requests: AtomicU64,
    pub(crate) connections_accepted: AtomicU64,
    pub(crate) header_timeouts: AtomicU64,
    pub(crate) body_timeouts: AtomicU64,
    pub(crate) presign_429: AtomicU64,
    pub(crate) presign_503: AtomicU64,
    pub(crate) put_500: AtomicU64,
    pub(crate) put_reset: AtomicU64,
    pub(crate) put_straggled: AtomicU64,
    pub(crate) put_stalled: AtomicU64,
}

/// Counting needs no ordering with other memory: each counter stands alone.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            presign_requests: get(&self.presign_requests),
            presigned_files: get(&self.presigned_files),
            max_files_in_one_request: get(&self.max_files_in_one_request),
            put_requests: get(&self.put_requests),
            objects_stored: get(&self.objects_stored),
            chunked_puts_refused: get(&self.chunked_puts_refused),
            puts_slowed_down: get(&self.puts_slowed_down),
            store_get_requests: get(&self.store_get_requests),
            list_requests: get(&self.list_requests),
            get_file_requests: get(&self.get_file_requests),
            delete_requests: get(&self.delete_requests),
            status_requests: get(&self.status_requests),
            frames_requests: get(&self.frames_requests),
            upload_requests: get(&self.upload_requests),
            connections_accepted: get(&self.connections_accepted),
            header_timeouts: get(&self.header_timeouts),
            body_timeouts: get(&self.body_timeouts),
            faults: FaultStats {
                presign_429: get(&self.presign_429),
                presign_503: get(&self.presign_503),
                put_500: get(&self.put_500),
                put_reset: get(&self.put_reset),
                put_straggled: get(&self.put_straggled),
                put_stalled: get(&self.put_stalled),
            },
        }
    }

    pub(crate) fn record_presigned(&self, files: usize) {
        let files = u64::try_from(files).unwrap_or(u64::MAX);
        self.presigned_files.fetch_add(files, Ordering::Relaxed);
        self.max_files_in_one_request
            .fetch_max(files, Ordering::Relaxed);
    }
}
