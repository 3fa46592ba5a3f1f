//! What every request handler shares.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::Faults;
use crate::faults::Dice;
use crate::signing::Signer;
use crate::stats::Counters;
use crate::store::StoredObject;

/// One per emulator, behind an `Arc`.
pub(crate) struct Shared {
    /// `http://host:port`, no trailing slash; presigned URLs start with it.
    pub(crate) base_url: String,
    pub(crate) data_dir: PathBuf,
    /// Where PUT bodies are written before they are complete; inside `data_dir` so the final
    /// rename stays on one filesystem and is atomic.
    pub(crate) parts_dir: PathBuf,
    pub(crate) api_keys: Vec<String>,
    pub(crate) url_ttl: Duration,
    pub(crate) faults: Faults,
    pub(crate) max_files_per_request: usize,
    /// See [`crate::EmulatorConfig::discard_bodies`].
    pub(crate) discard_bodies: bool,
    pub(crate) signer: Signer,
    pub(crate) dice: Dice,
    pub(crate) counters: Counters,
    /// Keyed by file uuid, so listings come out sorted.
    pub(crate) objects: Mutex<BTreeMap<String, StoredObject>>,
}

impl Shared {
    /// The object table. A poisoned lock is recovered: every update to it is a single
    /// insert, so it is never left half-changed.
    pub(crate) fn object_table(&self) -> MutexGuard<'_, BTreeMap<String, StoredObject>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Seconds since the unix epoch; a clock before 1970 counts as 0 rather than failing.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A request's id, put in its extensions by the outermost middleware.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);
