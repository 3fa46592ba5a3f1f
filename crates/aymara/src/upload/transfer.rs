//! Step 3: one `PUT` of one file to its presigned URL, streamed from disk.
//!
//! The body is read in large chunks straight from the file and sent with an explicit
//! `Content-Length` (object stores refuse chunked bodies). Each attempt reopens the file and
//! checks that its size is still the planned one.

use std::io::{self, Read};
use std::path::Path;

use bytes::Bytes;
use futures_util::stream;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::error::{ERROR_BODY_LIMIT, read_bounded};
use crate::upload::plan::PlannedFile;
use crate::upload::presign::Target;
use crate::upload::{ProgressEvent, UploadOptions};
use crate::{Error, urls};

/// Bytes read from disk per chunk: large enough that syscalls and per-chunk work vanish
/// next to the transfer, small enough that `concurrency` chunks in flight stay a few MiB.
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

/// Chunks read ahead of the socket per transfer: enough to keep the socket busy while the
/// disk is read, few enough that `concurrency` transfers stay a few MiB.
const READ_AHEAD: usize = 2;

/// One attempt at sending `file` to `target`.
pub(crate) async fn put_once(
    http: &reqwest::Client,
    file: &PlannedFile,
    target: &Target,
    options: &UploadOptions,
    attempt: u32,
) -> Result<(), Error> {
    let shown_url = urls::redact(&target.url);
    let span = tracing::debug_span!(
        "aymara.put",
        operation = "put_file",
        host = target.url.host_str().unwrap_or_default(),
        file_uuid = %target.file_uuid,
        attempt,
        size = file.size,
        status = tracing::field::Empty,
    );
    async {
        let body = open_body(file, options).await?;
        let response = http
            .put(target.url.clone())
            .header(CONTENT_TYPE, &file.content_type)
            .header(CONTENT_LENGTH, file.size)
            .body(body)
            .send()
            .await
            .map_err(|e| Error::from_transport(e, shown_url.clone()))?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        if status.is_success() {
            tracing::debug!("stored");
            return Ok(());
        }
        let headers = response.headers().clone();
        let body = read_bounded(response, ERROR_BODY_LIMIT).await;
        let error = Error::from_storage_response(status, &headers, &body, shown_url.clone());
        tracing::debug!(%error, "refused");
        Err(error)
    }
    .instrument(span)
    .await
}

/// Opens the file for one attempt and turns it into a body of exactly the planned size.
///
/// The file is opened and checked on the blocking pool; one of at most [`CHUNK_SIZE`] bytes
/// is read there too and sent as one buffer. A larger one is then read by one blocking task
/// per attempt, straight into the buffers that are sent (no intermediate copy, no hop to the
/// blocking pool per read), at most [`READ_AHEAD`] chunks ahead of the socket, so memory
/// stays flat whatever the size.
async fn open_body(file: &PlannedFile, options: &UploadOptions) -> Result<reqwest::Body, Error> {
    let fail = |source: io::Error| Error::local_file(&file.path, source);
    let (path, size) = (file.path.clone(), file.size);
    let opened = tokio::task::spawn_blocking(move || open_checked(&path, size))
        .await
        .map_err(|e| fail(io::Error::other(e)))?
        .map_err(fail)?;
    let (index, observer) = (file.index, options.observer.clone());
    let handle = match opened {
        Opened::Whole(bytes) => {
            if let Some(observer) = &observer
                && size > 0
            {
                observer.on_event(&ProgressEvent::BytesSent {
                    index,
                    sent: size,
                    size,
                });
            }
            return Ok(reqwest::Body::from(bytes));
        }
        Opened::Large(handle) => handle,
    };

    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(READ_AHEAD);
    // Not awaited: it ends at the end of the file, or at its next send once the body (and
    // so `rx`) is dropped.
    drop(tokio::task::spawn_blocking(move || pump(handle, size, &tx)));
    // Counts what is sent and reports it.
    let counted = stream::unfold((rx, 0u64), move |(mut rx, sent)| {
        let observer = observer.clone();
        async move {
            match rx.recv().await? {
                Ok(chunk) => {
                    let sent = sent + chunk.len() as u64;
                    if let Some(observer) = &observer {
                        observer.on_event(&ProgressEvent::BytesSent { index, sent, size });
                    }
                    Some((Ok(chunk), (rx, sent)))
                }
                Err(e) => Some((Err(e), (rx, sent))),
            }
        }
    });
    Ok(reqwest::Body::wrap_stream(counted))
}

/// A file opened for one attempt.
enum Opened {
    /// All of a small file.
    Whole(Bytes),
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
    Ok(Opened::Whole(Bytes::from(buf)))
}

/// Reads `size` bytes of `handle` in chunks into `tx`; a file that ends early is an error,
/// bytes past `size` are never read.
fn pump(mut handle: std::fs::File, size: u64, tx: &mpsc::Sender<io::Result<Bytes>>) {
    let mut left = size;
    while left > 0 {
        let want = usize::try_from(left).map_or(CHUNK_SIZE, |left| left.min(CHUNK_SIZE));
        let mut buf = vec![0; want];
        let chunk = match handle.read_exact(&mut buf) {
            Ok(()) => Ok(Bytes::from(buf)),
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
