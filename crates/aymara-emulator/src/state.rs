//! What every request handler shares.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::config::Faults;
use crate::db::Db;
use crate::external::External;
use crate::faults::Dice;
use crate::kill::KillSwitch;
use crate::signing::Signer;
use crate::stats::Counters;

/// One per emulator, behind an `Arc`.
pub(crate) struct Shared {
    /// `http://host:port`, no trailing slash; presigned URLs start with it.
    pub(crate) base_url: String,
    pub(crate) data_dir: PathBuf,
    /// `<data_dir>/<bucket>`: objects live under it at their keys.
    pub(crate) objects_dir: PathBuf,
    /// `/<bucket>/`: paths that start with it are the store's.
    pub(crate) store_prefix: String,
    /// Every file of this emulator belongs to this organization.
    pub(crate) org_uuid: String,
    /// Every file of this emulator was uploaded by this user.
    pub(crate) user_uuid: String,
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
    /// Signs for the emulator's own store, or for the external one it fronts.
    pub(crate) signer: Signer,
    /// Set when fronting an external store.
    pub(crate) external: Option<External>,
    /// Free slots for PUTs in flight; `None` is no limit.
    pub(crate) put_slots: Option<Arc<Semaphore>>,
    pub(crate) dice: Dice,
    pub(crate) counters: Counters,
    /// The records: every file, its object, in SQLite.
    pub(crate) db: Db,
    /// The time of records.
    pub(crate) clock: Clock,
    /// How long a video is `processing` once its bytes arrived.
    pub(crate) video_processing: Duration,
    /// Test-only kill points ([`crate::kill`]).
    pub(crate) kill: KillSwitch,
}
