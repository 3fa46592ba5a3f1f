//! A local emulator of Aymara AI's Files API and of the object store its presigned URLs
//! point to, so the SDK, the CLI and their tests run with no key and no network.
//!
//! It implements the behaviour of the Files resource from `openapi/aymara.yaml`, not just
//! its shapes, and a store that speaks S3's presigned-URL dialect and is as strict as S3.
//!
//! # The API (`/v2/files`)
//!
//! Every call checks `x-api-key` (401 `auth.invalid_key`), carries `x-request-id`, and
//! answers errors in the envelope `{"error": {"code", "message", "details"}, "request_id"}`.
//! An unknown or malformed file uuid, or a deleted file, is 404 `resource.not_found`.
//!
//! - `POST /v2/files`: validation (422 `validation.invalid_format` for a body that is not a
//!   JSON object, 422 `validation.invalid_request` with `details.field` naming the field
//!   otherwise, including more than [`EmulatorConfig::max_files_per_request`] files, and a
//!   file with neither `local_file_path` nor `remote_uri`), a 1 MiB body limit, then one
//!   `FileUpload` per file in request order: `file_url` a presigned PUT, `remote_file_path`
//!   the object's key `<organization_uuid>/<file_uuid>/<name>` (`name` the base name of
//!   `local_file_path`, or of `remote_uri`'s path, with anything unsafe removed),
//!   `content_type` as given, else inferred from the name's extension, else
//!   `application/octet-stream`, `processing_status` `pending`, `remote_uri` echoed.
//!   `workspace_uuid` is echoed as given (`null` stays `null`).
//! - `GET /v2/files?workspace_uuid=&file_type=&limit=&offset=`: `{items, count}`, live files
//!   in creation order (so offset paging is stable and files created meanwhile come last),
//!   `count` the total matching; `limit` 1..=100 (default 50), `offset` >= 0, `file_type`
//!   one of `image`, `video`, `text`, `document`, each otherwise a 422 naming it.
//! - `GET /v2/files/{file_uuid}`: `FileDetail`. `file_type` follows the content type
//!   (`image/*`, `video/*`, `text/*` and CSV/JSON/JSON Lines as text, else document);
//!   `file_size_bytes` and `file_url` (a presigned GET, 30 minutes) once the bytes are
//!   stored; `original_file_url` the `remote_uri`; `video_metadata` (`fps`, `duration`,
//!   `frame_count`) once a video is processed; `uploaded_by_uuid` fixed per emulator.
//! - `DELETE /v2/files/{file_uuid}`: 204, a soft delete: every later call for it is 404,
//!   it leaves lists and counts, and its presigned URLs answer 404 `NoSuchKey`.
//! - `GET /v2/files/{file_uuid}/status`: `pending` until the bytes arrive; then `completed`,
//!   except videos: `processing` for [`EmulatorConfig::video_processing`] (on tokio's clock),
//!   then `completed`, or `failed` with an `error_message` when fewer than 16 bytes arrived.
//! - `GET /v2/files/{file_uuid}/frames`: for a completed video, `frame_count` presigned GETs
//!   sorted by frame number; the count is `1 + size / 64 KiB`, at most 120 (one frame a
//!   second, `video_metadata.fps` 1), and each frame is a 1×1 PNG. Not a video, or a failed
//!   one: 422 `validation.invalid_request` (asking again cannot help). A video still
//!   pending or processing: 409 `resource.conflict` (poll the status, then ask again).
//! - `POST /v2/files/-/uploads?workspace_uuid=`: `multipart/form-data` with a part `file`
//!   (filename required; content type from the part, else inferred), streamed into the
//!   store with its limits (5 GiB, safe names, no stalls); answers a `FileUpload` without
//!   `file_url`, already `completed` (or `processing` for a video).
//! - `remote_uri`: the emulator fetches nothing from outside. The file is accepted
//!   (`pending` in the answer) and then `failed`, its message saying the emulator cannot
//!   fetch remote URIs, unless the URI is a valid presigned GET of an object in the
//!   emulator's own store, which is then copied as the file's bytes.
//!
//! # The store (`<base_url>/<bucket>/<key>`)
//!
//! Path style, bucket [`EmulatorConfig::bucket`]. URLs are AWS Signature V4 query presigns
//! made with `rusty-s3` under credentials random per emulator, region `us-east-1`, binding
//! `host` and, when the create request named a content type, `content-type`. The key is
//! percent-encoded segment by segment, and the store checks the path exactly as sent: a
//! client must send path and query as received.
//!
//! `PUT` answers 403 `SignatureDoesNotMatch` for a missing, wrong or tampered signature
//! (including a `Content-Type` other than a signed one), 403 `InvalidAccessKeyId` for
//! another key id, 403 `AccessDenied` ("Request has expired") once expired, 400
//! `AuthorizationQueryParametersError` for `X-Amz-Expires` over a week, 411
//! `MissingContentLength` for chunked bodies, 400 `EntityTooLarge` over 5 GiB (before
//! reading the body), 400 `IncompleteBody` when the body and `Content-Length` disagree, 400
//! `RequestTimeout` when the body stalls, 400 `InvalidObjectName` for keys that could leave
//! the data directory, and 503 `SlowDown` ("Please reduce your request rate.") past
//! [`EmulatorConfig::max_puts_in_flight`]. Success is 200 with an `ETag` (the first 32 hex
//! digits of the body's SHA-256, quoted). `GET` and `HEAD` serve objects and frames through
//! presigned URLs, checked the same way. Errors are S3's XML document with
//! `Connection: close`.
//!
//! # Fronting a real store
//!
//! With [`EmulatorConfig::external_store`] ([`ExternalStore`], say from
//! [`ExternalStore::from_env`]) the API presigns PUT and GET URLs for that S3-compatible
//! store instead of its own (path style, `<endpoint>/<bucket>/<key>`), and learns that a
//! file's bytes arrived, and their size, with a signed `HEAD` when the file is read (get,
//! list, status, frames). Direct uploads are received, then put there with a signed PUT;
//! a processed video's placeholder frames are put there on the first frames call.
//! `remote_uri` files always end `failed`. [`Emulator::objects`] stays empty: the bytes
//! are in the other store.
//!
//! # State
//!
//! With a data directory ([`EmulatorConfig::persistent`], as `aymara serve` and `--local`
//! use), the records (every file, its object's size and hash, its processing), the
//! organization and the key the store signs with live in a SQLite database,
//! [`STATE_FILE`], beside the objects: a restart answers what the emulator answered
//! before, its presigned URLs included, until they expire, and a video goes on processing
//! where it was. Writes are ordered so that `kill -9` at any moment leaves no record
//! claiming bytes that are not all there, and no object no record accounts for; the next
//! start removes partial bodies and records an object that was in place but not yet
//! recorded, and says so ([`Emulator::recovery`]). One emulator uses a directory at a time
//! ([`LOCK_FILE`]); a database that is damaged, not the emulator's or from a newer version
//! is refused with one line naming it, and left as it is. Lists are served from indexes in
//! creation order, a walk page by page costing the same for every page; nothing about
//! files is kept in memory but SQLite's bounded page cache. Without a data directory (the
//! default, [`EmulatorConfig::ephemeral`]) the emulator is ephemeral: records in memory,
//! objects in a temporary directory, a blank slate every start.
//!
//! # Robustness
//!
//! Headers must arrive within [`EmulatorConfig::header_read_timeout`], a body may not stall
//! longer than [`EmulatorConfig::body_idle_timeout`], and at most
//! [`EmulatorConfig::max_connections`] connections are served at once. Bodies are written
//! to `<data_dir>/.parts/` and renamed into `<data_dir>/<bucket>/<key>` only once whole, so
//! no call shows an object before its last byte. Faults ([`Faults`]) are seeded and so
//! reproducible.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use aymara_emulator::{Emulator, EmulatorConfig};
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! let base_url = emulator.base_url().to_owned(); // give this to the client under test
//! // ... run the client ...
//! for object in emulator.objects() {
//!     assert!(object.size > 0);
//! }
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

// Dependencies point one way: the modules above `state` know nothing of handlers; the
// handlers (`api`, `store`) know nothing of the server; `server` wires them together.
mod answer;
mod body;
mod clock;
mod config;
mod connection;
mod db;
mod external;
mod faults;
mod files;
mod keys;
mod kill;
mod lock;
mod names;
mod objects;
mod part;
mod recovery;
mod seed;
mod signing;
mod state;
mod stats;

mod api;
mod store;

mod server;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::{DEFAULT_BUCKET, EmulatorConfig, ExternalStore, Faults};
pub use db::FILE_NAME as STATE_FILE;
#[doc(hidden)]
pub use kill::KILL_AT_VAR;
pub use lock::LOCK_FILE;
pub use objects::StoredObject;
pub use recovery::Recovery;
pub use stats::{FaultStats, Stats};

use db::{Db, Identity, StoreKind};
use server::Stop;
use signing::Signer;
use state::Shared;

/// How long [`Emulator::shutdown`] lets in-flight requests finish before dropping them.
const GRACE: Duration = Duration::from_secs(5);

/// A running emulator. Dropping it stops serving at once; [`Emulator::shutdown`] lets
/// in-flight requests finish first. Either way a temporary data directory is removed.
pub struct Emulator {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    stop: Stop,
    tracker: TaskTracker,
    recovery: Recovery,
    /// Held only to be removed on drop, after every task that could write to it has ended.
    temp_dir: Mutex<Option<tempfile::TempDir>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url)
            .field("data_dir", &self.shared.data_dir)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Opens its state (in the data directory, locking it, or in memory), cleans up after
    /// an unclean stop ([`Emulator::recovery`]), binds `config.addr` and starts serving in
    /// the background on the current tokio runtime.
    ///
    /// # Errors
    /// One line naming what is wrong: the address cannot be bound; the data directory
    /// cannot be created, or another emulator uses it; its database is damaged, not the
    /// emulator's, written by a newer version, or holds the files of another store.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        if !config::valid_bucket(&config.bucket) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "bucket {:?} is not a valid S3 bucket name (3 to 63 lower-case letters, digits, '-' and '.')",
                    config.bucket
                ),
            ));
        }
        let kill = kill::KillSwitch::from_env()?;
        let opened = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || open_state(&config))
                .await
                .map_err(std::io::Error::other)??
        };
        let listener = TcpListener::bind(config.addr).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.addr))
        })?;
        let local_addr = listener.local_addr()?;

        let base_url = format!("http://{}", reachable(local_addr));
        let (signer, external) = match &config.external_store {
            None => (
                own_signer(&opened.identity, &config.bucket, &base_url)?,
                None,
            ),
            Some(store) => (external_signer(store)?, Some(external::External::new()?)),
        };
        let shared = Arc::new(Shared {
            store_prefix: format!("/{}/", config.bucket),
            base_url,
            objects_dir: opened.data_dir.join(&config.bucket),
            parts_dir: opened.data_dir.join(PARTS_DIR),
            data_dir: opened.data_dir,
            org_uuid: opened.identity.org_uuid,
            user_uuid: opened.identity.user_uuid,
            db: opened.db,
            clock: clock::Clock::start(),
            video_processing: config.video_processing,
            put_slots: config
                .max_puts_in_flight
                .map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
            api_keys: config.api_keys,
            url_ttl: config.url_ttl,
            dice: faults::Dice::new(config.faults.seed),
            faults: config.faults,
            max_files_per_request: config.max_files_per_request,
            discard_bodies: config.discard_bodies,
            body_idle_timeout: config.body_idle_timeout,
            signer,
            external,
            counters: stats::Counters::default(),
            kill,
        });

        let stop = Stop {
            graceful: CancellationToken::new(),
            hard: CancellationToken::new(),
        };
        let tracker = TaskTracker::new();
        tracker.spawn(server::accept_loop(
            listener,
            server::router(shared.clone()),
            shared.clone(),
            server::ConnectionLimits {
                header_read_timeout: config.header_read_timeout,
                max_connections: config.max_connections,
            },
            stop.clone(),
            tracker.clone(),
        ));
        tracing::debug!(base_url = %shared.base_url, "emulator: listening");

        Ok(Emulator {
            shared,
            local_addr,
            stop,
            tracker,
            recovery: opened.recovery,
            temp_dir: Mutex::new(opened.temp_dir),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the base URL for a client.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The data directory: the database ([`STATE_FILE`]) and the objects, as
    /// `<data_dir>/<bucket>/<key>`. For an ephemeral emulator, a temporary directory that
    /// holds only the objects (its database is in memory).
    pub fn data_dir(&self) -> &Path {
        &self.shared.data_dir
    }

    /// What this start cleaned up after an emulator that did not stop cleanly in the same
    /// data directory: say it to the user unless it [is empty](Recovery::is_empty).
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// The bucket of the store's presigned URLs.
    pub fn bucket(&self) -> &str {
        self.shared.signer.bucket()
    }

    /// The organization every file of this emulator belongs to: the first segment of
    /// every key.
    pub fn organization_uuid(&self) -> &str {
        &self.shared.org_uuid
    }

    /// Every object in the emulator's store (deleted files' too), sorted by `file_uuid`, so
    /// tests can compare listings. Empty when fronting another store. Reads every record
    /// that has one: meant for tests, not for a store of millions.
    pub fn objects(&self) -> Vec<StoredObject> {
        let records = self.shared.db.run(|conn| conn.objects());
        match records {
            Ok(records) => records
                .iter()
                .filter_map(|record| self.stored_object(record))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "emulator: cannot read the objects");
                Vec::new()
            }
        }
    }

    /// The object stored for `file_uuid`, if its bytes arrived in the emulator's store (by
    /// a PUT, a direct upload or a copy).
    pub fn object(&self, file_uuid: &str) -> Option<StoredObject> {
        let record = self.shared.db.run(|conn| conn.find(file_uuid));
        match record {
            Ok(record) => record.and_then(|record| self.stored_object(&record)),
            Err(e) => {
                tracing::warn!(error = %e, "emulator: cannot read an object");
                None
            }
        }
    }

    fn stored_object(&self, record: &files::FileRecord) -> Option<StoredObject> {
        if self.shared.external.is_some() {
            return None;
        }
        StoredObject::of(record, &self.shared.objects_dir, self.shared.discard_bodies)
    }

    /// Counters of what clients did so far.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Stops accepting, lets in-flight requests finish (at most 5 s), then drops the rest
    /// and removes a temporary data directory.
    pub async fn shutdown(self) {
        self.stop.graceful.cancel();
        self.tracker.close();
        if tokio::time::timeout(GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("emulator: dropping connections still busy after the grace period");
            self.stop.hard.cancel();
            self.tracker.wait().await;
        }
        let temp_dir = self
            .temp_dir
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(dir) = temp_dir
            && let Err(e) = dir.close()
        {
            tracing::warn!(error = %e, "emulator: cannot remove the temporary data directory");
        }
    }

    /// Serves until `signal` completes (say, `tokio::signal::ctrl_c()`), then shuts down
    /// gracefully: what a `serve` command needs.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }
}

impl Drop for Emulator {
    /// Stops every task; they end at their next poll.
    fn drop(&mut self) {
        self.stop.graceful.cancel();
        self.stop.hard.cancel();
    }
}

/// The organization uuid of the state kept in `data_dir`, if there is any, read without
/// starting an emulator, locking the directory or writing to it: a `--local` dry run finds
/// the journal of the store it would upload to with it.
///
/// # Errors
/// One line naming the database when it cannot be read, is damaged, is not the emulator's
/// or was written by a newer version.
pub fn stored_organization_uuid(data_dir: &Path) -> std::io::Result<Option<String>> {
    db::stored_organization(data_dir)
}

/// `.parts` cannot clash with a bucket, which starts with a letter or digit.
const PARTS_DIR: &str = ".parts";

/// The state an emulator starts from.
struct Opened {
    data_dir: std::path::PathBuf,
    temp_dir: Option<tempfile::TempDir>,
    db: Db,
    identity: Identity,
    recovery: Recovery,
}

/// Opens the data directory (locked) and its database, and recovers from an unclean stop;
/// or, for an ephemeral emulator, makes a temporary directory and a database in memory.
fn open_state(config: &EmulatorConfig) -> std::io::Result<Opened> {
    let store = match &config.external_store {
        None => StoreKind::Own {
            bucket: &config.bucket,
        },
        Some(external) => StoreKind::External {
            endpoint: &external.endpoint,
            bucket: &external.bucket,
        },
    };
    let Some(dir) = &config.data_dir else {
        let temp = tempfile::Builder::new()
            .prefix("aymara-emulator-")
            .tempdir()?;
        std::fs::create_dir(temp.path().join(PARTS_DIR))?;
        let (db, identity) = db::open_memory(store)?;
        return Ok(Opened {
            data_dir: temp.path().to_path_buf(),
            temp_dir: Some(temp),
            db,
            identity,
            recovery: Recovery::default(),
        });
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot create the data directory {}: {e}", dir.display()),
        )
    })?;
    let lock = lock::DirLock::acquire(dir)?;
    let (db, identity, created) = db::open_file(dir, lock, store)?;
    let objects_dir = dir.join(&config.bucket);
    let recovery = db
        .run(|conn| recovery::recover(conn, &dir.join(PARTS_DIR), &objects_dir, created))
        .map_err(|e| std::io::Error::other(format!("cannot recover {}: {e}", dir.display())))?;
    Ok(Opened {
        data_dir: dir.clone(),
        temp_dir: None,
        db,
        identity,
        recovery,
    })
}

/// The signer for the emulator's own store, with its persisted key.
fn own_signer(identity: &Identity, bucket: &str, base_url: &str) -> std::io::Result<Signer> {
    let credentials =
        rusty_s3::Credentials::new(&identity.access_key_id, &identity.secret_access_key);
    Signer::new(credentials, signing::EMULATOR_REGION, bucket, base_url)
        .map_err(std::io::Error::other)
}

/// The signer for a fronted store, after checking its bucket and endpoint.
fn external_signer(store: &ExternalStore) -> std::io::Result<Signer> {
    let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
    if !config::valid_bucket(&store.bucket) {
        return Err(invalid(format!(
            "bucket {:?} is not a valid S3 bucket name",
            store.bucket
        )));
    }
    let credentials = match &store.session_token {
        Some(token) => rusty_s3::Credentials::new_with_token(
            &store.access_key_id,
            &store.secret_access_key,
            token,
        ),
        None => rusty_s3::Credentials::new(&store.access_key_id, &store.secret_access_key),
    };
    Signer::new(credentials, &store.region, &store.bucket, &store.endpoint)
        .map_err(|e| invalid(format!("S3 endpoint {e}")))
}

/// A wildcard bind address is not something a client can connect to: use loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}
