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
use futures_util::{StreamExt, stream};
use http::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::attempt::{Answered, Attempt};
use crate::upload::buffers::Buffers;
use crate::upload::engine::Control;
use crate::upload::plan::PlannedFile;
use crate::upload::presign::Target;
use crate::upload::progress::Counters;
use crate::upload::{ProgressEvent, UploadOptions};
use crate::{Error, error};

/// Bytes read from disk per chunk: large enough that syscalls and per-chunk work vanish
/// next to the transfer; what all transfers hold at once is capped by
/// [`MAX_BUFFERED_BYTES`](crate::upload::MAX_BUFFERED_BYTES).
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

/// Chunks read ahead of the socket per transfer: enough to keep the socket busy while the
/// disk is read.
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
    let buffers = control.buffers.clone();
    // The hash is for the journal: without one, nothing would record it.
    let hash = options.journal.is_some();
    file_body(file.path(), size, &buffers, hash, move |chunk, sent| {
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
/// attempt, and, with `hash`, where the SHA-256 of what it sends will be once all is read;
/// `on_sent(chunk, sent)` hears of each chunk as it goes (its size, and the bytes of this
/// body so far). Used by presigned transfers and the direct upload alike.
///
/// The file is opened and checked on the blocking pool; one of at most a chunk is read (and
/// hashed) there too and sent as one buffer. A larger one is then read by one blocking task
/// per attempt, straight into the buffers that are sent (no intermediate copy, no hop to the
/// blocking pool per read, no second read to hash), at most [`READ_AHEAD`] chunks ahead of
/// the socket. Every buffer comes out of `buffers`, so memory stays flat whatever the sizes
/// and however many transfers run.
pub(crate) async fn file_body(
    path: &Path,
    size: u64,
    buffers: &Buffers,
    hash: bool,
    on_sent: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<(reqwest::Body, Digest), Error> {
    let fail = |source: io::Error| Error::local_file(path, source);
    let (owned, budget) = (path.to_path_buf(), buffers.clone());
    let runtime = tokio::runtime::Handle::current();
    let opened =
        tokio::task::spawn_blocking(move || open_checked(&owned, size, hash, &budget, &runtime))
            .await
            .map_err(|e| fail(io::Error::other(e)))?
            .map_err(fail)?;
    let digest = Digest::default();
    let handle = match opened {
        Opened::Whole(bytes, sha256) => {
            if let Some(sha256) = sha256 {
                let _ = digest.set(sha256);
            }
            on_sent(size, size);
            return Ok((reqwest::Body::from(bytes), digest));
        }
        Opened::Large(handle) => handle,
    };

    let counted = chunks(handle, size, buffers.clone(), hash.then(|| digest.clone())).scan(
        0u64,
        move |sent, chunk| {
            if let Ok(chunk) = &chunk {
                *sent += chunk.len() as u64;
                on_sent(chunk.len() as u64, *sent);
            }
            std::future::ready(Some(chunk))
        },
    );
    Ok((reqwest::Body::wrap_stream(counted), digest))
}

/// The `size` bytes of `handle`, read by a blocking task in chunks taken from `buffers`
/// (and hashed into `digest`, if given), at most [`READ_AHEAD`] of them ahead of the
/// reader.
fn chunks(
    handle: std::fs::File,
    size: u64,
    buffers: Buffers,
    digest: Option<Digest>,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(READ_AHEAD);
    let runtime = tokio::runtime::Handle::current();
    // Not awaited: it ends at the end of the file, or at its next send once the stream
    // (and so `rx`) is dropped.
    drop(tokio::task::spawn_blocking(move || {
        pump(handle, size, &buffers, &runtime, &tx, digest.as_deref())
    }));
    stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((chunk, rx))
    })
}

/// A file opened for one attempt.
enum Opened {
    /// All of a small file, and its SHA-256 if asked for.
    Whole(Bytes, Option<String>),
    /// A file larger than one chunk, to be read by [`pump`].
    Large(std::fs::File),
}

/// Opens `path` and checks that it still has the planned size; if it fits in one chunk,
/// reads it whole into room taken from `buffers`.
///
/// Room is only ever waited for on a blocking thread that holds no room yet, never held
/// while waiting for one: so threads and room cannot wait on each other, however small the
/// blocking pool.
fn open_checked(
    path: &Path,
    size: u64,
    hash: bool,
    buffers: &Buffers,
    runtime: &tokio::runtime::Handle,
) -> io::Result<Opened> {
    let mut handle = std::fs::File::open(path)?;
    let now = handle.metadata()?.len();
    if now != size {
        return Err(io::Error::other(format!(
            "size changed since planning (was {size} bytes, now {now})"
        )));
    }
    let len = match usize::try_from(size) {
        Ok(len) if len <= buffers.chunk_size() => len,
        _ => return Ok(Opened::Large(handle)),
    };
    let room = buffers.reserve_blocking(runtime, len);
    let mut buf = room.buffer();
    handle.read_exact(&mut buf).map_err(|e| shrank(e, size))?;
    let sha256 = hash.then(|| hex::encode(Sha256::digest(&buf)));
    Ok(Opened::Whole(room.freeze(buf), sha256))
}

/// Reads `size` bytes of `handle` in chunks into `tx`, hashing them into `digest` if given;
/// a file that ends early is an error, bytes past `size` are never read.
fn pump(
    mut handle: std::fs::File,
    size: u64,
    buffers: &Buffers,
    runtime: &tokio::runtime::Handle,
    tx: &mpsc::Sender<io::Result<Bytes>>,
    digest: Option<&OnceLock<String>>,
) {
    let chunk_size = buffers.chunk_size();
    let mut left = size;
    let mut hasher = digest.map(|digest| (digest, Sha256::new()));
    while left > 0 {
        // The body is gone (the attempt ended): take no room a live transfer may need.
        if tx.is_closed() {
            return;
        }
        let want = usize::try_from(left).map_or(chunk_size, |left| left.min(chunk_size));
        let room = buffers.reserve_blocking(runtime, want);
        let mut buf = room.buffer();
        let chunk = match handle.read_exact(&mut buf) {
            Ok(()) => {
                if let Some((digest, hasher)) = &mut hasher {
                    hasher.update(&buf);
                    if left == want as u64 {
                        let _ = digest.set(hex::encode(hasher.finalize_reset()));
                    }
                }
                Ok(room.freeze(buf))
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
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Many files larger than a chunk, read at once, against a budget of four chunks: the
    /// pumps fill the budget and no more, wait while nothing is sent, and every byte still
    /// arrives, in order, once the bodies are read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_large_files_at_once_hold_no_more_than_the_budget() {
        const FILES: usize = 16;
        const SIZE: usize = 3 * CHUNK_SIZE + 1000;
        let cap = 4 * CHUNK_SIZE;
        let dir = tempfile::tempdir().unwrap();
        let contents: Vec<Vec<u8>> = (0..FILES)
            .map(|i| (0..SIZE).map(|b| (b * 31 + i * 7) as u8).collect())
            .collect();
        let buffers = Buffers::new(cap);
        let mut streams = Vec::new();
        for (i, bytes) in contents.iter().enumerate() {
            let path = dir.path().join(format!("{i}.bin"));
            std::fs::write(&path, bytes).unwrap();
            let handle = std::fs::File::open(&path).unwrap();
            streams.push(Box::pin(chunks(
                handle,
                SIZE as u64,
                buffers.clone(),
                Some(Digest::default()),
            )));
        }

        // Nothing is read by the network yet: the pumps take the whole budget and stop.
        let filled = async {
            while buffers.held() < cap {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), filled)
            .await
            .expect("the pumps fill the budget");
        for _ in 0..1000 {
            tokio::task::yield_now().await;
        }
        assert_eq!(buffers.held(), cap, "16 files want 48 chunks; 4 fit");

        // Each body is read by its own connection, as the HTTP stack does.
        let drains = streams.into_iter().map(|stream| {
            let buffers = buffers.clone();
            async move {
                let mut body = Vec::new();
                let mut stream = stream;
                while let Some(chunk) = stream.next().await {
                    assert!(buffers.held() <= cap);
                    body.extend_from_slice(&chunk.unwrap());
                }
                body
            }
        });
        let received = futures_util::future::join_all(drains).await;
        assert_eq!(received, contents);
        assert_eq!(buffers.held(), 0, "every chunk gave its room back");
        assert_eq!(buffers.peak(), cap);
    }
}
