//! How fast the store answers in this run, and the time limits derived from it: when an
//! attempt counts as stalled (cut off and retried), and when it counts as a straggler
//! (hedged). Pure: fed with what finished attempts took, so it can be tested without a
//! clock.
//!
//! Two waits are measured, because they do not depend on a file's size:
//! - **connect**: from the start of an attempt to the moment the HTTP stack first asks
//!   for body bytes (the connection is open and the request head is sent);
//! - **answer**: from the moment every byte is handed over to the store's status line.
//!
//! The time the body spends moving is not limited as a whole but by progress: each chunk
//! handed to the socket must be taken within the connect limit plus its size at
//! [`MIN_TRANSFER_RATE`] (64 KiB/s) shared among the transfers in flight (the slowest rate
//! is the run's, not each connection's: 32 transfers on one slow link each get a 32nd of
//! it), so a large file on a slow link lives as long as its bytes move, while a connection
//! that takes nothing is cut off.
//!
//! **Stall limit** of a wait: [`STALL_FACTOR`] times the 95th percentile of the last
//! [`WINDOW`] samples of that wait, between [`STALL_FLOOR`] and [`STALL_CEILING`];
//! [`STALL_UNKNOWN`] until [`MIN_SAMPLES`] samples are in. The answer limit then grows by
//! what may still sit in the network's buffers when the last byte is handed over (the file,
//! up to [`IN_FLIGHT`]) at [`MIN_TRANSFER_RATE`], since the socket's progress cannot be seen
//! once it has taken everything, and by the file's size at [`ANSWER_RATE`], so a store that
//! checks a 5 GiB object before answering has time to. (How long a shared link takes to
//! drain files of the usual size is in the answers' own tail already: an answer is timed
//! from the last byte handed over.) A stall is a timeout: retried like
//! any transient failure, and a sign of congestion to the concurrency limit.
//!
//! **Hedge point** of a wait: [`HEDGE_FACTOR`] times the same percentile, at least
//! [`HEDGE_FLOOR`], and only once [`MIN_SAMPLES`] samples are in. For a file larger than one
//! chunk ([`CHUNK_SIZE`]) the answer's grows by the same draining allowance, so a file whose
//! last bytes may still be on their way is not sent again whole; a file of one piece is
//! cheap to send again, and how long such files take to drain is in the answers' tail.

use std::collections::VecDeque;
use std::time::Duration;

use crate::body::CHUNK_SIZE;

/// The slowest average rate a transfer may keep: each chunk handed to the socket must be
/// taken within the connect limit plus its size at this rate.
pub(crate) const MIN_TRANSFER_RATE: u64 = 64 * 1024;
/// Samples kept per wait: the recent past, not the whole run.
pub(crate) const WINDOW: usize = 256;
/// Samples needed before the tail is trusted.
pub(crate) const MIN_SAMPLES: usize = 16;
/// A stall is this many times the slow tail (p95) of recent waits.
pub(crate) const STALL_FACTOR: u32 = 4;
/// The stall limit never goes below this (a store that answers in a millisecond still
/// gets time for a hiccup) …
pub(crate) const STALL_FLOOR: Duration = Duration::from_secs(2);
/// … nor above this.
pub(crate) const STALL_CEILING: Duration = Duration::from_secs(20);
/// The stall limit before enough samples are in.
pub(crate) const STALL_UNKNOWN: Duration = Duration::from_secs(5);
/// The most bytes that may still be on their way (socket and kernel buffers) when the last
/// one is handed over.
pub(crate) const IN_FLIGHT: u64 = 8 * 1024 * 1024;
/// The rate at which a store may check what it received before it answers.
pub(crate) const ANSWER_RATE: u64 = 100 * 1024 * 1024;
/// A straggler is this many times the slow tail (p95) of recent waits …
pub(crate) const HEDGE_FACTOR: u32 = 3;
/// … and at least this late.
pub(crate) const HEDGE_FLOOR: Duration = Duration::from_millis(100);

/// One of the two waits of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    Connect,
    Answer,
}

/// The limits of the two waits of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub connect: Duration,
    pub answer: Duration,
}

/// The recent waits of a run.
#[derive(Debug, Default)]
pub(crate) struct Pace {
    connect: Tail,
    answer: Tail,
}

impl Pace {
    /// An attempt the store answered: how long its connection and its answer took.
    pub(crate) fn answered(&mut self, connect: Option<Duration>, answer: Option<Duration>) {
        if let Some(connect) = connect {
            self.connect.add(connect);
        }
        if let Some(answer) = answer {
            self.answer.add(answer);
        }
    }

    /// When an attempt of a file of `size` bytes counts as stalled, per wait.
    pub(crate) fn stall_limits(&mut self, size: u64) -> Limits {
        let limit = |tail: &mut Tail| match tail.p95() {
            Some(p95) => (p95 * STALL_FACTOR).clamp(STALL_FLOOR, STALL_CEILING),
            None => STALL_UNKNOWN,
        };
        let checking = Duration::from_secs_f64(size as f64 / ANSWER_RATE as f64);
        Limits {
            connect: whole_ms(limit(&mut self.connect)),
            answer: whole_ms(limit(&mut self.answer) + draining(size) + checking),
        }
    }

    /// When an attempt of a file of `size` bytes counts as a straggler in `wait`; `None`
    /// until that wait's tail is known.
    pub(crate) fn hedge_point(&mut self, wait: Wait, size: u64) -> Option<Duration> {
        let point = |tail: &mut Tail| Some((tail.p95()? * HEDGE_FACTOR).max(HEDGE_FLOOR));
        match wait {
            Wait::Connect => point(&mut self.connect),
            Wait::Answer => {
                let one_piece = size <= CHUNK_SIZE as u64;
                let draining = if one_piece {
                    Duration::ZERO
                } else {
                    draining(size)
                };
                Some(point(&mut self.answer)? + draining)
            }
        }
    }
}

/// How long `bytes` take at [`MIN_TRANSFER_RATE`] shared among `sharing` transfers.
pub(crate) fn at_min_rate(bytes: u64, sharing: usize) -> Duration {
    let shared = bytes as f64 * sharing.max(1) as f64;
    Duration::from_secs_f64(shared / MIN_TRANSFER_RATE as f64)
}

/// What may still be on its way when a file's last byte is handed over, at
/// [`MIN_TRANSFER_RATE`].
fn draining(size: u64) -> Duration {
    at_min_rate(size.min(IN_FLIGHT), 1)
}

/// `limit` rounded up to a whole millisecond, as it is shown.
fn whole_ms(limit: Duration) -> Duration {
    let ms = limit.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The last [`WINDOW`] samples of one wait, and their p95 (computed when asked for after a
/// change).
#[derive(Debug, Default)]
struct Tail {
    samples: VecDeque<Duration>,
    p95: Option<Duration>,
    changed: bool,
}

impl Tail {
    fn add(&mut self, sample: Duration) {
        if self.samples.len() == WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.changed = true;
    }

    fn p95(&mut self) -> Option<Duration> {
        if self.samples.len() < MIN_SAMPLES {
            return None;
        }
        if self.changed {
            let mut sorted: Vec<Duration> = self.samples.iter().copied().collect();
            sorted.sort_unstable();
            let at = (sorted.len() * 95).div_ceil(100) - 1;
            self.p95 = sorted.get(at).copied();
            self.changed = false;
        }
        self.p95
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn fed(connect: &[Duration], answer: &[Duration]) -> Pace {
        let mut pace = Pace::default();
        for (c, a) in connect.iter().zip(answer) {
            pace.answered(Some(*c), Some(*a));
        }
        pace
    }

    #[test]
    fn before_enough_samples_the_limit_is_the_unknowns_and_nothing_is_hedged() {
        let mut pace = fed(&[MS; 15], &[MS; 15]);
        let limits = pace.stall_limits(0);
        assert_eq!(limits.connect, STALL_UNKNOWN);
        assert_eq!(limits.answer, STALL_UNKNOWN);
        assert_eq!(pace.hedge_point(Wait::Connect, 0), None);
        pace.answered(Some(MS), Some(MS));
        assert!(pace.hedge_point(Wait::Connect, 0).is_some());
        // An empty file's attempts have no connect wait: its answers alone are enough.
        let mut empty = fed(&[], &[]);
        for _ in 0..16 {
            empty.answered(None, Some(MS));
        }
        assert_eq!(empty.hedge_point(Wait::Connect, 0), None);
        assert_eq!(empty.hedge_point(Wait::Answer, 0), Some(HEDGE_FLOOR));
    }

    #[test]
    fn limits_follow_the_slow_tail_between_floor_and_ceiling() {
        // 95 answers in 100 ms, 5 in 900 ms: p95 is 100 ms.
        let answers: Vec<Duration> = (0..100)
            .map(|i| if i % 20 == 0 { 900 * MS } else { 100 * MS })
            .collect();
        let connects = vec![600 * MS; 100];
        let mut pace = fed(&connects, &answers);
        let limits = pace.stall_limits(0);
        assert_eq!(limits.connect, 2400 * MS, "4 × 600 ms");
        assert_eq!(limits.answer, STALL_FLOOR, "4 × 100 ms is under the floor");
        assert_eq!(pace.hedge_point(Wait::Connect, 0), Some(1800 * MS));
        assert_eq!(pace.hedge_point(Wait::Answer, 0), Some(300 * MS));
        // A file of one piece is sent again as soon as it straggles; one whose last MiB
        // may still be on its way gets the time that takes at 64 KiB/s.
        assert_eq!(pace.hedge_point(Wait::Answer, 64 * 1024), Some(300 * MS));
        let mib = pace.hedge_point(Wait::Answer, 1024 * 1024);
        assert_eq!(mib, Some(300 * MS + Duration::from_secs(16)));

        let mut slow = fed(&[30_000 * MS; 20], &[MS; 20]);
        assert_eq!(slow.stall_limits(0).connect, STALL_CEILING);
        assert_eq!(slow.hedge_point(Wait::Answer, 0), Some(HEDGE_FLOOR));
    }

    #[test]
    fn a_large_file_gets_time_to_be_checked_and_old_samples_leave_the_window() {
        let mut pace = fed(&[MS; 20], &[MS; 20]);
        let big = pace.stall_limits(5 * 1024 * 1024 * 1024);
        // 8 MiB still on its way at 64 KiB/s, and 5 GiB checked at 100 MiB/s.
        let expected = STALL_FLOOR + Duration::from_secs(128) + Duration::from_millis(51_200);
        assert_eq!(big.answer, expected);
        let small = pace.stall_limits(64 * 1024);
        assert_eq!(
            small.answer,
            STALL_FLOOR + 1001 * MS,
            "rounded up to the ms"
        );
        for _ in 0..WINDOW {
            pace.answered(Some(3_000 * MS), None);
        }
        assert_eq!(pace.stall_limits(0).connect, 12_000 * MS);
        assert_eq!(pace.stall_limits(0).answer, STALL_FLOOR);
    }
}
