//! What an emulator is started with.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The bucket name used unless [`EmulatorConfig::bucket`] says otherwise.
pub const DEFAULT_BUCKET: &str = "aymara-emulator";

/// How to start an [`Emulator`](crate::Emulator).
///
/// `Default` (or [`EmulatorConfig::ephemeral`]) gives a quiet, ephemeral emulator on a free
/// loopback port, accepting any non-empty API key, with no faults: what most tests want.
/// [`EmulatorConfig::persistent`] keeps its state in a data directory instead, across
/// restarts and crashes, as `aymara serve` and `--local` do.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Address to listen on; `127.0.0.1:0` picks a free port, which
    /// [`Emulator::base_url`](crate::Emulator::base_url) then reports.
    pub addr: SocketAddr,
    /// Where the emulator's state lives: its database ([`STATE_FILE`](crate::STATE_FILE):
    /// the file records, the organization, the store's signing key) and the objects
    /// (`<data_dir>/<bucket>/<key>`). What it answered is still true after a restart or a
    /// `kill -9`; one emulator at a time may use a directory.
    ///
    /// `None` is ephemeral: the records in memory, the objects in a temporary directory
    /// removed when the emulator shuts down. Every start is a blank slate, and tests leave
    /// nothing behind.
    pub data_dir: Option<PathBuf>,
    /// The `x-api-key` values accepted. Empty accepts any non-empty key, so a test need not
    /// agree on a key with the code under test.
    pub api_keys: Vec<String>,
    /// The bucket of the emulator's store: presigned URLs are `<base_url>/<bucket>/<key>`.
    /// An S3 bucket name: 3 to 63 lower-case letters, digits, `-` and `.`.
    pub bucket: String,
    /// Lifetime of presigned URLs, in whole seconds (a non-zero value under a second counts as
    /// one second). Zero makes every URL expired on arrival, which tests the expiry path
    /// without sleeping.
    pub url_ttl: Duration,
    /// How long a video stays `processing` once its bytes arrived, before it is
    /// `completed` (or `failed`). Measured on tokio's clock, so a paused test clock drives
    /// it.
    pub video_processing: Duration,
    /// An S3-compatible store to presign for instead of the emulator's own: the API then
    /// hands out URLs to that store and learns that bytes arrived with a signed `HEAD`.
    /// `None` (the default) uses the emulator's own store.
    pub external_store: Option<ExternalStore>,
    /// Seeded fault injection; all off by default.
    pub faults: Faults,
    /// The most files one `POST /v2/files` may name; more is a 422 naming `files`.
    pub max_files_per_request: usize,
    /// Check, count and hash PUT bodies as usual but write nothing to disk: objects are
    /// recorded (size, SHA-256) with an empty `path`. For benchmarks, where writing a large
    /// body to disk would make the store, not the client, the bottleneck.
    pub discard_bodies: bool,
    /// How long a connection may take to send a request's headers (and how long an idle
    /// kept-alive connection is kept); then it is closed. Slow-header clients cannot pin
    /// the emulator.
    pub header_read_timeout: Duration,
    /// How long a request body may go without a byte arriving; then the request is
    /// answered (`RequestTimeout` from the store, 400 from the API) and the connection
    /// closed.
    pub body_idle_timeout: Duration,
    /// PUTs the store has in flight at once, from their arrival until their answer leaves
    /// (the store's latency included); one more is answered 503 `SlowDown` at once.
    /// `None` is no limit.
    pub max_puts_in_flight: Option<usize>,
    /// Connections served at once; further ones wait in the listen backlog until one ends.
    pub max_connections: usize,
}

impl EmulatorConfig {
    /// The defaults, ephemeral: records in memory, objects in a temporary directory.
    pub fn ephemeral() -> Self {
        EmulatorConfig::default()
    }

    /// The defaults, with the state kept in `data_dir` (see [`EmulatorConfig::data_dir`]).
    pub fn persistent(data_dir: impl Into<PathBuf>) -> Self {
        EmulatorConfig {
            data_dir: Some(data_dir.into()),
            ..EmulatorConfig::default()
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: None,
            api_keys: Vec::new(),
            bucket: DEFAULT_BUCKET.to_owned(),
            url_ttl: Duration::from_secs(15 * 60),
            video_processing: Duration::from_secs(2),
            external_store: None,
            faults: Faults::default(),
            max_files_per_request: 100,
            discard_bodies: false,
            header_read_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            max_puts_in_flight: None,
            max_connections: 1024,
        }
    }
}

/// Hand-written so that API keys never reach logs or test output.
impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("bucket", &self.bucket)
            .field("url_ttl", &self.url_ttl)
            .field("video_processing", &self.video_processing)
            .field("external_store", &self.external_store)
            .field("faults", &self.faults)
            .field("max_files_per_request", &self.max_files_per_request)
            .field("discard_bodies", &self.discard_bodies)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field("max_puts_in_flight", &self.max_puts_in_flight)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// An S3-compatible store the emulator fronts: path-style URLs
/// `<endpoint>/<bucket>/<key>`, signed with these credentials.
#[derive(Clone)]
pub struct ExternalStore {
    /// The store's base URL, say `http://127.0.0.1:5000` or `https://s3.us-east-1.amazonaws.com`.
    pub endpoint: String,
    /// The bucket objects go to; it must exist.
    pub bucket: String,
    /// The region signatures are scoped to.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`; never shown by `Debug`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, for temporary credentials; never shown by `Debug`.
    pub session_token: Option<String>,
}

impl ExternalStore {
    /// Credentials from the usual AWS environment variables: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`, and the region from
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    ///
    /// # Errors
    /// A one-line message naming the variable that is missing or empty.
    pub fn from_env(endpoint: &str, bucket: &str) -> Result<ExternalStore, String> {
        Self::from_lookup(endpoint, bucket, |name| std::env::var(name).ok())
    }

    /// [`ExternalStore::from_env`] over any lookup, so it can be tested without touching
    /// the process environment.
    ///
    /// # Errors
    /// A one-line message naming the variable that is missing or empty.
    pub fn from_lookup(
        endpoint: &str,
        bucket: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ExternalStore, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            get(name).ok_or_else(|| {
                format!("{name} is not set: fronting an S3 store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            })
        };
        Ok(ExternalStore {
            endpoint: endpoint.to_owned(),
            bucket: bucket.to_owned(),
            region: get("AWS_REGION")
                .or_else(|| get("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_owned()),
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            session_token: get("AWS_SESSION_TOKEN"),
        })
    }
}

/// Hand-written so that secrets never reach logs or test output.
impl fmt::Debug for ExternalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalStore")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Seeded fault injection, so clients' retry and failure paths can be exercised
/// reproducibly.
///
/// Rates are probabilities in `[0, 1]` (values outside are clamped). Decisions come from
/// two generators seeded from `seed`: one drawn once per `POST /v2/files` that passes the key
/// check and validation, one drawn once per `PUT` that passes the store's checks. The same
/// seed and the same order of such requests therefore give the same faults, whatever the
/// timing; concurrent PUTs draw in the order they reach the draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Seed for both generators.
    pub seed: u64,
    /// Share of presign requests answered 429 `quota.limit_exceeded` with `Retry-After`.
    pub presign_429_rate: f64,
    /// Share of presign requests answered 503 (envelope code `server.internal_error`).
    pub presign_503_rate: f64,
    /// Share of PUTs answered 500 `InternalError` after the body was read (and discarded).
    pub put_500_rate: f64,
    /// Share of PUTs whose connection is reset once about half the body has arrived: the
    /// client sees a dead connection, not a status.
    pub put_reset_rate: f64,
    /// Share of PUTs answered `put_straggler_delay` late, after the object is stored: the
    /// stragglers of a real store.
    pub put_straggler_rate: f64,
    /// How late a straggler's answer is.
    pub put_straggler_delay: Duration,
    /// The first this many PUTs that pass the store's checks are read and never answered
    /// (nothing is stored): a store that accepts a connection and then stalls.
    pub put_stalls: u64,
    /// Added before every answer of the API, to expose timeouts and ordering assumptions.
    pub api_latency: Duration,
    /// Added before every answer of the store.
    pub store_latency: Duration,
    /// Sent with injected 429s as `Retry-After`, rounded up to whole seconds.
    pub retry_after: Duration,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            presign_429_rate: 0.0,
            presign_503_rate: 0.0,
            put_500_rate: 0.0,
            put_reset_rate: 0.0,
            put_straggler_rate: 0.0,
            put_straggler_delay: Duration::from_secs(3),
            put_stalls: 0,
            api_latency: Duration::ZERO,
            store_latency: Duration::ZERO,
            retry_after: Duration::from_secs(1),
        }
    }
}

/// Whether `name` is a bucket name S3 would accept (it is never `v2`, so never shadows the
/// API's paths).
pub(crate) fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}
