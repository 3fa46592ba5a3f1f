//! One budget for the bytes of file data an upload holds in memory: read from disk and not
//! yet handed to the network. Every chunk buffer is taken from it and gives its bytes back
//! when the HTTP stack drops the chunk, so memory stays under the budget at any
//! concurrency: a transfer that finds it spent waits for another's chunk to be sent.
//!
//! Waiting always ends. Room is waited for only on a blocking thread that holds none, and
//! every chunk already taken is either read ahead for a body the HTTP stack is sending
//! (transfers use HTTP/1.1, a connection per request, so a body is read as soon as its
//! request starts; a reader whose body is gone takes no more) or sent and waiting for the
//! store's answer, which has a time limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes read from disk per chunk: large enough that syscalls and per-chunk work vanish
/// next to the transfer; what all transfers hold at once is capped by
/// [`MAX_BUFFERED_BYTES`].
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

/// The most bytes of file data an upload holds in memory at once, unless
/// [`UploadOptions::max_buffered_bytes`](crate::UploadOptions::max_buffered_bytes) says
/// otherwise: 128 chunks of 256 KiB. A transfer reads at most a few chunks ahead of its
/// socket (two queued, one on its way in, one waiting for the bandwidth limit, and what
/// the HTTP stack holds) and a small file one buffer of its size, so this is reached only
/// by many large files at once. Public because it is the default of that option.
pub const MAX_BUFFERED_BYTES: usize = 32 * 1024 * 1024;

/// The budget; cheap to clone, clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Buffers {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    room: Arc<Semaphore>,
    cap: usize,
    /// Bytes taken now, and the most ever taken at once.
    held: AtomicUsize,
    peak: AtomicUsize,
}

impl Buffers {
    /// A budget of `cap` bytes (at least 1).
    pub(crate) fn new(cap: usize) -> Self {
        let cap = cap.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            inner: Arc::new(Inner {
                room: Arc::new(Semaphore::new(cap)),
                cap,
                held: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
            }),
        }
    }

    /// The size of the chunks files are read in: [`CHUNK_SIZE`], or the whole budget if
    /// that is smaller, so that no buffer is ever larger than the budget.
    pub(crate) fn chunk_size(&self) -> usize {
        CHUNK_SIZE.min(self.inner.cap)
    }

    /// Waits for room for `len` bytes. A buffer larger than the whole budget (never asked
    /// for: see [`chunk_size`](Self::chunk_size)) would wait for all of it.
    pub(crate) async fn reserve(&self, len: usize) -> Reserved {
        let permits = self.permits(len);
        // The semaphore is never closed, so acquiring fails never; should it, the buffer
        // goes uncounted rather than failing the transfer.
        let permit = self
            .inner
            .room
            .clone()
            .acquire_many_owned(permits)
            .await
            .ok();
        self.taken(len, permit)
    }

    /// [`reserve`](Self::reserve) for a blocking thread: `runtime` runs the wait.
    pub(crate) fn reserve_blocking(
        &self,
        runtime: &tokio::runtime::Handle,
        len: usize,
    ) -> Reserved {
        runtime.block_on(self.reserve(len))
    }

    fn permits(&self, len: usize) -> u32 {
        u32::try_from(len.clamp(1, self.inner.cap)).unwrap_or(u32::MAX)
    }

    fn taken(&self, len: usize, permit: Option<OwnedSemaphorePermit>) -> Reserved {
        let held = self.inner.held.fetch_add(len, Ordering::Relaxed) + len;
        self.inner.peak.fetch_max(held, Ordering::Relaxed);
        Reserved {
            len,
            permit,
            buffers: self.clone(),
        }
    }

    /// Bytes held right now.
    pub(crate) fn held(&self) -> usize {
        self.inner.held.load(Ordering::Relaxed)
    }

    /// The most bytes held at once so far.
    #[cfg(test)]
    pub(crate) fn peak(&self) -> usize {
        self.inner.peak.load(Ordering::Relaxed)
    }
}

/// Room for one buffer, given back when dropped.
#[derive(Debug)]
pub(crate) struct Reserved {
    len: usize,
    permit: Option<OwnedSemaphorePermit>,
    buffers: Buffers,
}

impl Reserved {
    /// A zeroed buffer of the reserved size, to read into; [`Reserved::freeze`] then ties
    /// the room to the bytes.
    pub(crate) fn buffer(&self) -> Vec<u8> {
        vec![0; self.len]
    }

    /// The bytes of `buffer`, holding this room until the last clone of them is dropped.
    pub(crate) fn freeze(self, buffer: Vec<u8>) -> Bytes {
        Bytes::from_owner(Held {
            buffer,
            _room: self,
        })
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.buffers
            .inner
            .held
            .fetch_sub(self.len, Ordering::Relaxed);
        drop(self.permit.take());
    }
}

/// A buffer and the room it holds.
struct Held {
    buffer: Vec<u8>,
    _room: Reserved,
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn room_comes_back_when_the_last_clone_of_the_bytes_is_dropped() {
        let buffers = Buffers::new(10);
        let first = buffers.reserve(6).await;
        let bytes = first.freeze(vec![1; 6]);
        let copy = bytes.clone();
        assert_eq!((buffers.held(), &bytes[..]), (6, &[1u8; 6][..]));

        let waiting = tokio::spawn({
            let buffers = buffers.clone();
            async move { buffers.reserve(6).await.len }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!waiting.is_finished(), "6 + 6 > 10: it must wait");
        drop(bytes);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!waiting.is_finished(), "a clone still holds the room");
        drop(copy);
        assert_eq!(waiting.await.unwrap(), 6);
        assert_eq!(buffers.held(), 0);
        assert_eq!(buffers.peak(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn chunks_fit_the_budget_and_a_larger_buffer_takes_all_of_it() {
        assert_eq!(Buffers::new(MAX_BUFFERED_BYTES).chunk_size(), CHUNK_SIZE);
        assert_eq!(Buffers::new(1000).chunk_size(), 1000);
        let buffers = Buffers::new(4);
        let big = buffers.reserve(9).await;
        assert_eq!(big.buffer().len(), 9);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), buffers.reserve(1))
                .await
                .is_err()
        );
        drop(big);
        drop(buffers.reserve(1).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_holders_at_once_never_hold_more_than_the_cap() {
        let buffers = Buffers::new(1000);
        let runtime = tokio::runtime::Handle::current();
        let mut tasks = Vec::new();
        for i in 0..64usize {
            let (buffers, runtime) = (buffers.clone(), runtime.clone());
            // From blocking threads, as the file pump does.
            tasks.push(tokio::task::spawn_blocking(move || {
                for round in 0..50 {
                    let len = 1 + (i * 37 + round * 11) % 300;
                    let room = buffers.reserve_blocking(&runtime, len);
                    let bytes = room.freeze(vec![0; len]);
                    std::thread::yield_now();
                    drop(bytes);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(buffers.held(), 0);
        assert!(buffers.peak() <= 1000, "{}", buffers.peak());
        assert!(buffers.peak() > 300, "the cap was under pressure");
    }
}
