//! What every request handler shares.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::Faults;
use crate::faults::Dice;
use crate::objects::Objects;
use crate::signing::Signer;
use crate::stats::Counters;

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
    /// See [`crate::EmulatorConfig::body_idle_timeout`].
    pub(crate) body_idle_timeout: Duration,
    pub(crate) signer: Signer,
    pub(crate) dice: Dice,
    pub(crate) counters: Counters,
    pub(crate) objects: Objects,
}

/// Seconds since the unix epoch; a clock before 1970 counts as 0 rather than failing.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
