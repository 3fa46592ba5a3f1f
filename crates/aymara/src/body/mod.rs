//! Request bodies read from files: opened and checked for one attempt, read in chunks out
//! of one memory budget, hashed on the way when asked, paced by a shared bandwidth limit,
//! and watched as the HTTP stack takes them. Presigned transfers and the direct upload both
//! send their files through here; this module knows nothing about either.
//!
//! A file of at most a chunk is read whole on the blocking pool and sent as one buffer. A
//! larger one is read by one blocking task per attempt, straight into the buffers that are
//! sent (no intermediate copy, no hop to the blocking pool per read, no second read to
//! hash), at most [`READ_AHEAD`] chunks ahead of the socket. Every buffer comes out of the
//! [`Buffers`] budget, so memory stays flat whatever the sizes and however many transfers
//! run. The body always has exactly the size planned: a file that changed size fails the
//! attempt instead of sending something else.

mod activity;
mod bandwidth;
mod buffers;
pub(crate) mod hash;

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::mpsc;

pub(crate) use activity::{Activity, Phase};
pub(crate) use bandwidth::Bandwidth;
pub use buffers::MAX_BUFFERED_BYTES;
pub(crate) use buffers::{Buffers, CHUNK_SIZE};
pub(crate) use hash::ContentHash;

use crate::Error;

/// Chunks read ahead of the socket per body: enough to keep the socket busy while the
/// disk is read.
const READ_AHEAD: usize = 2;

/// How the bodies of one upload (or one direct upload) are read.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    /// Where every buffer of file data comes from.
    pub buffers: Buffers,
    /// The byte rate all bodies share, if limited.
    pub bandwidth: Option<Bandwidth>,
    /// Whether to compute the content hash (for the journal).
    pub hash: bool,
}

impl Reading {
    /// Unhashed, unlimited bodies within a budget of `max_buffered_bytes`.
    pub(crate) fn new(max_buffered_bytes: usize) -> Self {
        Self {
            buffers: Buffers::new(max_buffered_bytes),
            bandwidth: None,
            hash: false,
        }
    }
}

/// A body (for `reqwest::Body::wrap_stream`) of exactly `size` bytes of the file at `path`,
/// opened and checked for one attempt; where its content hash will be, when `reading` asks for one. The body tells
/// `activity` as the HTTP stack takes it, and `on_sent(chunk, sent)` of each chunk as it
/// goes (its size, and the bytes of this body so far).
pub(crate) async fn file_body(
    path: &Path,
    size: u64,
    reading: &Reading,
    activity: Activity,
    on_sent: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<
    (
        impl Stream<Item = io::Result<Bytes>> + Send + 'static,
        ContentHash,
    ),
    Error,
> {
    let fail = |source: io::Error| Error::local_file(path, source);
    let (owned, budget, hash) = (path.to_path_buf(), reading.buffers.clone(), reading.hash);
    let runtime = tokio::runtime::Handle::current();
    let opened =
        tokio::task::spawn_blocking(move || open_checked(&owned, size, hash, &budget, &runtime))
            .await
            .map_err(|join| Error::internal("opening a file", join))?
            .map_err(fail)?;
    let digest = ContentHash::default();
    let chunks = match opened {
        Opened::Whole(bytes, content_hash) => {
            if let Some(content_hash) = content_hash {
                let _ = digest.set(content_hash);
            }
            stream::iter([Ok(bytes)]).boxed()
        }
        Opened::Large(handle) => {
            let hashed = hash.then(|| digest.clone());
            chunks(handle, size, reading.buffers.clone(), hashed).boxed()
        }
    };
    let body = paced(chunks, size, reading.bandwidth.clone(), activity, on_sent);
    Ok((body, digest))
}

/// `chunks` (`size` bytes in all) as the HTTP stack takes them: each waits for its turn
/// under `bandwidth`, then is counted; `activity` hears when the stack asks for more, gets a
/// chunk, and has every byte (the stack need not ask again once it has the
/// `Content-Length`).
fn paced(
    chunks: impl Stream<Item = io::Result<Bytes>> + Send + Unpin + 'static,
    size: u64,
    bandwidth: Option<Bandwidth>,
    activity: Activity,
    on_sent: impl Fn(u64, u64) + Send + Sync + 'static,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let state = (chunks, 0u64);
    let on_sent = Arc::new(on_sent);
    stream::unfold(state, move |(mut chunks, mut sent)| {
        // Called as the stack polls for the next chunk: the last one is gone.
        activity.asked();
        let (bandwidth, activity) = (bandwidth.clone(), activity.clone());
        let on_sent = on_sent.clone();
        async move {
            let Some(chunk) = chunks.next().await else {
                activity.finished();
                return None;
            };
            if let Ok(bytes) = &chunk {
                if let Some(bandwidth) = &bandwidth {
                    bandwidth.take(bytes.len()).await;
                }
                sent += bytes.len() as u64;
                on_sent(bytes.len() as u64, sent);
                activity.handed(bytes.len());
                if sent == size {
                    activity.finished();
                }
            }
            Some((chunk, (chunks, sent)))
        }
    })
}

/// The `size` bytes of `handle`, read by a blocking task in chunks taken from `buffers`
/// (and hashed into `digest`, if given), at most [`READ_AHEAD`] of them ahead of the
/// reader.
fn chunks(
    handle: std::fs::File,
    size: u64,
    buffers: Buffers,
    digest: Option<ContentHash>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
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
    /// All of a small file, and its content hash if asked for.
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
    let content_hash = hash.then(|| hash::of_bytes(&buf));
    Ok(Opened::Whole(room.freeze(buf), content_hash))
}

/// Reads `size` bytes of `handle` in chunks into `tx`, hashing them into `digest` if given;
/// a file that ends early is an error, bytes past `size` are never read.
fn pump(
    mut handle: std::fs::File,
    size: u64,
    buffers: &Buffers,
    runtime: &tokio::runtime::Handle,
    tx: &mpsc::Sender<io::Result<Bytes>>,
    digest: Option<&std::sync::OnceLock<String>>,
) {
    let chunk_size = buffers.chunk_size();
    let mut left = size;
    let mut hasher = digest.map(|digest| (digest, hash::Hasher::default()));
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
                        let _ = digest.set(hasher.finish());
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
                Some(ContentHash::default()),
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

    /// A body paced at 1 MB/s takes its size over the rate, counts each chunk, and tells
    /// its activity when every byte is gone.
    #[tokio::test(start_paused = true)]
    async fn a_paced_body_goes_at_the_rate_and_reports_each_chunk() {
        let chunks: Vec<io::Result<Bytes>> =
            (0..5).map(|_| Ok(Bytes::from(vec![7; 100_000]))).collect();
        let activity = Activity::new();
        let counted = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = counted.clone();
        let body = paced(
            stream::iter(chunks),
            500_000,
            Bandwidth::new(1_000_000),
            activity.clone(),
            move |chunk, sent| seen.lock().unwrap().push((chunk, sent)),
        );
        let start = tokio::time::Instant::now();
        let mut body = std::pin::pin!(body);
        let mut got = 0;
        while let Some(chunk) = body.next().await {
            got += chunk.unwrap().len();
        }
        assert_eq!(got, 500_000);
        // The fifth chunk starts once four have gone at 1 MB/s.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        let counted = counted.lock().unwrap().clone();
        assert_eq!(counted.len(), 5);
        assert_eq!(counted.last(), Some(&(100_000, 500_000)));
        assert!(matches!(activity.snapshot().phase, Phase::Answering { .. }));
    }

    /// A large file's body is hashed as it is read, and the hash is there once the last
    /// byte is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_body_is_hashed_as_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let bytes: Vec<u8> = (0..3 * CHUNK_SIZE as u32 + 10).map(|i| i as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let reading = Reading {
            hash: true,
            ..Reading::new(MAX_BUFFERED_BYTES)
        };
        let size = bytes.len() as u64;
        let (body, digest) = file_body(&path, size, &reading, Activity::new(), |_, _| {})
            .await
            .unwrap();
        let mut body = std::pin::pin!(body);
        let mut got = Vec::new();
        while let Some(chunk) = body.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(got, bytes);
        assert_eq!(digest.get().unwrap(), &hash::of_bytes(&bytes));
        let short = file_body(&path, size + 1, &reading, Activity::new(), |_, _| {}).await;
        let error = short.err().unwrap().to_string();
        assert!(error.contains("size changed since planning"), "{error}");
    }
}
