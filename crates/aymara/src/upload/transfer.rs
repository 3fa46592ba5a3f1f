//! Step 3: one `PUT` of one file to its presigned URL, streamed from disk.
//!
//! The body is read in large chunks straight from the file and sent with an explicit
//! `Content-Length` (object stores refuse chunked bodies). Each attempt reopens the file and
//! checks that its size is still the planned one. The SHA-256 of the bytes is computed as
//! they are read, with no second read of the file.

use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::attempt::{Answered, Attempt};
use crate::upload::engine::Control;
use crate::upload::plan::PlannedFile;
use crate::upload::presign::Target;
use crate::upload::progress::Counters;
use crate::upload::{ProgressEvent, UploadOptions};
use crate::{Error, error};

/// Bytes read from disk per chunk: large enough that syscalls and per-chunk work vanish
/// next to the transfer, small enough that `concurrency` chunks in flight stay a few MiB.
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

/// Chunks read ahead of the socket per transfer: enough to keep the socket busy while the
/// disk is read, few enough that `concurrency` transfers stay a few MiB.
const READ_AHEAD: usize = 2;

/// The slowest a transfer may go on average before it is cut off: with the client's
/// per-call timeout, it bounds the time of one transfer attempt to
/// `timeout + size / MIN_TRANSFER_RATE`, so a store that drips its answer cannot hold a
/// transfer for ever, while a slow link still has hours for a large file.
pub const MIN_TRANSFER_RATE: u64 = 64 * 1024;

/// The lower-case hex SHA-256 of what an attempt read, set by the reader once it has read
/// the last byte and before it hands that byte on, so it is there when the store answers.
pub(crate) type Digest = Arc<OnceLock<String>>;

/// The store's answer to a transfer that succeeded.
pub(crate) struct Stored {
    status: StatusCode,
    /// The SHA-256 of the bytes sent.
    pub sha256: Option<String>,
}

impl Answered for Stored {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn request_id(&self) -> Option<&str> {
        None
    }
}

/// The time limit of one transfer attempt of `size` bytes.
pub(crate) fn transfer_limit(timeout: Duration, size: u64) -> Duration {
    timeout.saturating_add(Duration::from_secs(size / MIN_TRANSFER_RATE))
}

/// One attempt at sending `file` to `target`; what the store answered on success.
pub(crate) async fn put_once(
    http: &reqwest::Client,
    timeout: Duration,
    file: &PlannedFile,
    target: &Target,
    options: &UploadOptions,
    control: &Arc<Control>,
    number: u32,
) -> Result<Stored, Error> {
    let attempt = Attempt {
        operation: "put_file",
        number,
        url: &target.shown_url,
        limit: transfer_limit(timeout, file.size),
        file_uuid: Some(&target.file_uuid),
    };
    attempt
        .run(async {
            let (body, digest) = open_body(file, options, control).await?;
            let response = http
                .put(target.url.clone())
                .header(CONTENT_TYPE, file.content_type.as_str())
                .header(CONTENT_LENGTH, file.size)
                .body(body)
                .send()
                .await
                .map_err(|e| error::from_transport(e, target.shown_url.clone(), timeout))?;
            let status = response.status();
            if status.is_success() {
                let sha256 = digest.get().cloned();
                return Ok(Stored { status, sha256 });
            }
            let headers = response.headers().clone();
            let mut response = response;
            let body = aymara_api::read_body_bounded(&mut response, aymara_api::ERROR_BODY_LIMIT)
                .await
                .map(|(body, _)| body)
                .unwrap_or_default();
            Err(error::from_storage_response(
                status,
                &headers,
                &body,
                target.shown_url.clone(),
            ))
        })
        .await
}

/// Opens the file for one attempt and turns it into a body of exactly the planned size,
/// counting what is sent and telling the observer; also where its SHA-256 will be.
async fn open_body(
    file: &PlannedFile,
    options: &UploadOptions,
    control: &Arc<Control>,
) -> Result<(reqwest::Body, Digest), Error> {
    let (index, size, observer) = (file.index, file.size, options.observer.clone());
    let control = control.clone();
    file_body(file.path(), size, move |chunk, sent| {
        Counters::add(&control.counters.bytes_sent, chunk);
        if let Some(observer) = &observer
            && chunk > 0
        {
            observer.on_event(&ProgressEvent::BytesSent { index, sent, size });
        }
    })
    .await
}

/// A body of exactly `size` bytes of the file at `path`, opened and checked for one
/// attempt, and where the SHA-256 of what it sends will be once all is read;
/// `on_sent(chunk, sent)` hears of each chunk as it goes (its size, and the bytes of this
/// body so far). Used by presigned transfers and the direct upload alike.
///
/// The file is opened and checked on the blocking pool; one of at most [`CHUNK_SIZE`] bytes
/// is read (and hashed) there too and sent as one buffer. A larger one is then read by one
/// blocking task per attempt, straight into the buffers that are sent (no intermediate copy,
/// no hop to the blocking pool per read, no second read to hash), at most [`READ_AHEAD`]
/// chunks ahead of the socket, so memory stays flat whatever the size.
pub(crate) async fn file_body(
    path: &Path,
    size: u64,
    on_sent: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<(reqwest::Body, Digest), Error> {
    let fail = |source: io::Error| Error::local_file(path, source);
    let owned = path.to_path_buf();
    let opened = tokio::task::spawn_blocking(move || open_checked(&owned, size))
        .await
        .map_err(|e| fail(io::Error::other(e)))?
        .map_err(fail)?;
    let digest = Digest::default();
    let handle = match opened {
        Opened::Whole(bytes, sha256) => {
            let _ = digest.set(sha256);
            on_sent(size, size);
            return Ok((reqwest::Body::from(bytes), digest));
        }
        Opened::Large(handle) => handle,
    };

    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(READ_AHEAD);
    // Not awaited: it ends at the end of the file, or at its next send once the body (and
    // so `rx`) is dropped.
    let read = digest.clone();
    drop(tokio::task::spawn_blocking(move || {
        pump(handle, size, &tx, &read)
    }));
    let on_sent = Arc::new(on_sent);
    let counted = stream::unfold((rx, 0u64), move |(mut rx, sent)| {
        let on_sent = on_sent.clone();
        async move {
            match rx.recv().await? {
                Ok(chunk) => {
                    let sent = sent + chunk.len() as u64;
                    on_sent(chunk.len() as u64, sent);
                    Some((Ok(chunk), (rx, sent)))
                }
                Err(e) => Some((Err(e), (rx, sent))),
            }
        }
    });
    Ok((reqwest::Body::wrap_stream(counted), digest))
}

/// A file opened for one attempt.
enum Opened {
    /// All of a small file, and its SHA-256.
    Whole(Bytes, String),
    /// A file larger than one chunk, to be read by [`pump`].
    Large(std::fs::File),
}

/// Opens `path`, checks that it still has the planned size, and reads it whole if it fits
/// in one chunk.
fn open_checked(path: &Path, size: u64) -> io::Result<Opened> {
    let mut handle = std::fs::File::open(path)?;
    let now = handle.metadata()?.len();
    if now != size {
        return Err(io::Error::other(format!(
            "size changed since planning (was {size} bytes, now {now})"
        )));
    }
    if size > CHUNK_SIZE as u64 {
        return Ok(Opened::Large(handle));
    }
    // Checked above: `size` fits in a chunk, so in a usize.
    let mut buf = vec![0; size as usize];
    handle.read_exact(&mut buf).map_err(|e| shrank(e, size))?;
    let sha256 = hex::encode(Sha256::digest(&buf));
    Ok(Opened::Whole(Bytes::from(buf), sha256))
}

/// Reads `size` bytes of `handle` in chunks into `tx`, hashing them into `digest`; a file
/// that ends early is an error, bytes past `size` are never read.
fn pump(
    mut handle: std::fs::File,
    size: u64,
    tx: &mpsc::Sender<io::Result<Bytes>>,
    digest: &OnceLock<String>,
) {
    let mut left = size;
    let mut hasher = Sha256::new();
    while left > 0 {
        let want = usize::try_from(left).map_or(CHUNK_SIZE, |left| left.min(CHUNK_SIZE));
        let mut buf = vec![0; want];
        let chunk = match handle.read_exact(&mut buf) {
            Ok(()) => {
                hasher.update(&buf);
                if left == want as u64 {
                    let _ = digest.set(hex::encode(hasher.finalize_reset()));
                }
                Ok(Bytes::from(buf))
            }
            Err(e) => Err(shrank(e, size)),
        };
        let failed = chunk.is_err();
        if tx.blocking_send(chunk).is_err() || failed {
            return;
        }
        left -= want as u64;
    }
}

/// An early end of file means the file shrank during the upload: say so.
fn shrank(error: io::Error, size: u64) -> io::Error {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("file shrank during upload (fewer than {size} bytes left to read)"),
        )
    } else {
        error
    }
}
