//! Step 3: one `PUT` of one file to its presigned URL, streamed from disk.
//!
//! The body is read in large chunks straight from the file and sent with an explicit
//! `Content-Length` (object stores refuse chunked bodies). Each attempt reopens the file and
//! checks that its size is still the planned one.

use std::io;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;
use tracing::Instrument;

use crate::error::{ERROR_BODY_LIMIT, read_bounded};
use crate::upload::plan::PlannedFile;
use crate::upload::presign::Target;
use crate::upload::{ProgressEvent, UploadOptions};
use crate::{Error, urls};

/// Bytes read from disk per chunk: large enough that syscalls and per-chunk work vanish
/// next to the transfer, small enough that `concurrency` chunks in flight stay a few MiB.
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

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
async fn open_body(file: &PlannedFile, options: &UploadOptions) -> Result<reqwest::Body, Error> {
    let fail = |source: io::Error| Error::local_file(&file.path, source);
    let handle = tokio::fs::File::open(&file.path).await.map_err(fail)?;
    let now = handle.metadata().await.map_err(fail)?.len();
    if now != file.size {
        return Err(fail(io::Error::other(format!(
            "size changed since planning (was {} bytes, now {now})",
            file.size
        ))));
    }
    if file.size == 0 {
        return Ok(reqwest::Body::from(Bytes::new()));
    }

    let (index, size) = (file.index, file.size);
    let observer = options.observer.clone();
    let chunks = ReaderStream::with_capacity(handle.take(size), CHUNK_SIZE);
    // Counts what is sent, reports it, and turns a file that shrank mid-transfer into an
    // error instead of a short body.
    let counted = stream::unfold((chunks, 0u64), move |(mut chunks, sent)| {
        let observer = observer.clone();
        async move {
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    let sent = sent + chunk.len() as u64;
                    if let Some(observer) = &observer {
                        observer.on_event(&ProgressEvent::BytesSent { index, sent, size });
                    }
                    Some((Ok(chunk), (chunks, sent)))
                }
                Some(Err(e)) => Some((Err(e), (chunks, u64::MAX))),
                None if sent < size => Some((
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("file shrank during upload ({sent} of {size} bytes read)"),
                    )),
                    (chunks, u64::MAX),
                )),
                None => None,
            }
        }
    });
    Ok(reqwest::Body::wrap_stream(counted))
}
