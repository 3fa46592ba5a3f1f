//! One byte rate for a whole upload, shared by all its transfers: each chunk waits for its
//! turn before it is handed to the socket.
//!
//! The schedule is kept in virtual time, as a generic cell rate algorithm does: every chunk
//! books the time its bytes take at the rate, after the chunks booked before it, and sleeps
//! until its turn begins. No polling and no busy loop: a limited run sleeps between
//! chunks. Time left idle is not saved up for later beyond [`BURST`], so a transfer that
//! starts after a pause does not send more than a burst's worth faster than the rate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::lock::lock;

/// The most idle time turned into credit for a burst.
const BURST: Duration = Duration::from_millis(50);

/// The shared limit; cheap to clone, clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Bandwidth {
    bytes_per_sec: u64,
    /// When the bytes booked so far will have gone at the rate.
    booked_until: Arc<Mutex<Option<Instant>>>,
}

impl Bandwidth {
    /// A limit of `bytes_per_sec`; `None` for 0, which means no limit.
    pub(crate) fn new(bytes_per_sec: u64) -> Option<Self> {
        (bytes_per_sec > 0).then(|| Self {
            bytes_per_sec,
            booked_until: Arc::new(Mutex::new(None)),
        })
    }

    /// Waits until `len` more bytes may go.
    pub(crate) async fn take(&self, len: usize) {
        let turn = self.book(len, Instant::now());
        tokio::time::sleep_until(turn).await;
    }

    /// Books `len` bytes at `now`; returns when they may start.
    fn book(&self, len: usize, now: Instant) -> Instant {
        let takes = Duration::from_secs_f64(len as f64 / self.bytes_per_sec as f64);
        let mut booked = lock(&self.booked_until);
        let earliest = now.checked_sub(BURST).unwrap_or(now);
        let turn = booked.map_or(now, |until| until.max(earliest));
        *booked = Some(turn + takes);
        turn.max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn chunks_from_many_takers_go_at_the_rate_together() {
        let limit = Bandwidth::new(1_000_000).unwrap();
        let start = Instant::now();
        let takers = (0..4).map(|_| {
            let limit = limit.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    limit.take(10_000).await;
                }
            })
        });
        for taker in takers.collect::<Vec<_>>() {
            taker.await.unwrap();
        }
        // 1 MB booked at 1 MB/s: the last chunk starts when 990 kB have gone.
        assert_eq!(start.elapsed(), Duration::from_millis(990));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_is_credited_only_up_to_a_burst() {
        let limit = Bandwidth::new(1_000).unwrap();
        limit.take(1_000).await;
        tokio::time::advance(Duration::from_secs(10)).await;
        let now = Instant::now();
        // The first second was booked long ago; after 10 s idle only 50 ms are credited.
        assert_eq!(limit.book(100, now), now);
        assert_eq!(limit.book(100, now), now + Duration::from_millis(50));
        assert_eq!(Bandwidth::new(0).map(|_| ()), None);
    }
}
