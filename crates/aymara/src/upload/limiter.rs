//! How many transfers may run at once, found while the upload runs: pure logic, fed with
//! what each transfer attempt gave, so it can be tested without a clock.
//!
//! The limit grows while transfers still finish about as fast as the fastest seen, which
//! means more of them at once move more files per second (Little's law: throughput is
//! transfers in flight over their latency). It stops growing once latency rises with the
//! limit (the link, the store or the CPU is saturated: more in flight only queues), and
//! backs off at once when the store says so (429, 503 `SlowDown`) or an attempt times out.
//!
//! Samples are taken in windows of about one round trip (`limit` completions, at least
//! [`MIN_WINDOW`]); each window ends with one decision:
//! - its mean latency is compared with the lowest window mean so far (the base: the
//!   latency with no queueing);
//! - at most [`GROW_BELOW`] times that, the limit grows: doubling while nothing has pushed
//!   back yet (slow start, so a 30 ms store reaches 128 in flight in a handful of round
//!   trips), by an eighth afterwards, and by one only once near the level where the store
//!   last pushed back (where it pushed back once, it likely will again);
//! - above [`SHRINK_ABOVE`] times that, it shrinks in proportion (at most by half); if
//!   the next window, with fewer in flight, is no faster, the latency was not ours to
//!   cause (the path became slower), and it becomes the new base;
//! - a window in which fewer than half the slots were used says nothing about a larger
//!   limit, and changes nothing.
//!
//! A congestion signal lowers the limit at once and ends slow start: by half, or by a
//! tenth when it comes near the level of the previous push-back after a calm window (the
//! store has a steady capacity, and the limit only just crossed it again). Signals from
//! attempts that started before that decrease are not counted again (as TCP reacts once
//! per round trip); attempts started after it that are still refused lower it again, so a
//! store whose capacity fell is followed within a few round trips. The limit always stays
//! between 1 and the cap.

use std::time::Duration;

/// Where the adaptive limit starts: the fixed default of earlier versions.
pub(crate) const INITIAL_CONCURRENCY: usize = 8;
/// The most transfers that ever run at once, adaptive or fixed (s5cmd's default number of
/// workers; the AWS transfer manager for Rust defaults to 128). Public because it bounds
/// [`UploadOptions::concurrency`](crate::UploadOptions::concurrency).
pub const MAX_CONCURRENCY: usize = 256;

/// Fewest samples in a window, so one slow transfer at a low limit does not decide alone.
pub(crate) const MIN_WINDOW: usize = 8;
/// A window this much slower than the base still grows the limit.
pub(crate) const GROW_BELOW: f64 = 1.25;
/// A window this much slower than the base shrinks it.
pub(crate) const SHRINK_ABOVE: f64 = 1.75;
/// How much a congestion signal keeps of the limit.
const BACKOFF: f64 = 0.5;
/// How much it keeps near the level of the previous push-back.
const GENTLE_BACKOFF: f64 = 0.9;

/// What one finished attempt tells the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// The store answered, success or not, after `latency`; `in_flight` attempts were
    /// running when it finished (itself included).
    Answered { latency: Duration, in_flight: usize },
    /// The store pushed back (429, 503 `SlowDown`) or the attempt timed out; the attempt
    /// started in `epoch` (see [`AdaptiveLimit::epoch`]).
    Congested { epoch: u64 },
}

/// Why the limit changed, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Latency held while more ran at once.
    Grew,
    /// Latency rose with the limit.
    Queueing,
    /// The store pushed back or an attempt timed out.
    Congested,
}

/// The adaptive limit; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct AdaptiveLimit {
    limit: f64,
    cap: usize,
    /// Doubling per window until the first push-back.
    slow_start: bool,
    /// The limit when the store last pushed back.
    ceiling: Option<f64>,
    /// Decreases for congestion so far.
    epoch: u64,
    /// A whole window has ended since the last decrease for congestion.
    calm: bool,
    window: Window,
    /// The lowest window mean so far.
    base: Option<Duration>,
    /// The mean latency of the window that last shrank the limit, until the next one ends.
    shrunk_at: Option<Duration>,
}

/// The samples of the current window.
#[derive(Debug, Clone, Default)]
struct Window {
    samples: usize,
    total: Duration,
    most_in_flight: usize,
}

impl AdaptiveLimit {
    /// Starts at [`INITIAL_CONCURRENCY`] (or `cap` if lower), never above `cap`.
    pub(crate) fn new(cap: usize) -> Self {
        let cap = cap.clamp(1, MAX_CONCURRENCY);
        Self {
            limit: INITIAL_CONCURRENCY.min(cap) as f64,
            cap,
            slow_start: true,
            ceiling: None,
            epoch: 0,
            calm: false,
            window: Window::default(),
            base: None,
            shrunk_at: None,
        }
    }

    /// The current limit: between 1 and the cap.
    pub(crate) fn limit(&self) -> usize {
        (self.limit.round() as usize).clamp(1, self.cap)
    }

    /// How many times congestion lowered the limit: an attempt notes it when it starts, so
    /// that its own congestion signal is ignored if the limit was lowered since.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Takes one sample; returns the new limit and why, if it changed.
    pub(crate) fn observe(&mut self, sample: Sample) -> Option<(usize, Change)> {
        let before = self.limit();
        let change = match sample {
            Sample::Congested { epoch } => self.congested(epoch),
            Sample::Answered { latency, in_flight } => self.answered(latency, in_flight),
        }?;
        let after = self.limit();
        (after != before).then_some((after, change))
    }

    fn congested(&mut self, epoch: u64) -> Option<Change> {
        self.slow_start = false;
        // Started under a higher limit, since lowered: already paid for.
        if epoch < self.epoch {
            return None;
        }
        let near = |ceiling: f64| self.limit >= ceiling * 0.9;
        let keep = if self.calm && self.ceiling.is_some_and(near) {
            GENTLE_BACKOFF
        } else {
            BACKOFF
        };
        self.ceiling = Some(self.limit);
        self.set(self.limit * keep);
        self.epoch += 1;
        self.calm = false;
        // The next window measures the new limit.
        self.window = Window::default();
        Some(Change::Congested)
    }

    fn answered(&mut self, latency: Duration, in_flight: usize) -> Option<Change> {
        let window = &mut self.window;
        window.samples += 1;
        window.total += latency;
        window.most_in_flight = window.most_in_flight.max(in_flight);
        if window.samples < MIN_WINDOW.max(self.limit()) {
            return None;
        }
        let window = std::mem::take(&mut self.window);
        self.calm = true;
        let mean = window.total / window.samples as u32;
        // Fewer in flight and no faster: the path is slower, not queueing behind us.
        let slower_path = self
            .shrunk_at
            .take()
            .is_some_and(|before| mean >= before.mul_f64(0.9));
        let base = match self.base {
            Some(base) if !slower_path => base.min(mean),
            _ => mean,
        };
        self.base = Some(base);
        let ratio = if base.is_zero() {
            1.0
        } else {
            mean.as_secs_f64() / base.as_secs_f64()
        };
        if ratio > SHRINK_ABOVE {
            self.slow_start = false;
            self.set(self.limit * (SHRINK_ABOVE / ratio).max(0.5));
            self.shrunk_at = Some(mean);
            return Some(Change::Queueing);
        }
        // Too few ran at once to say whether more would help.
        if window.most_in_flight * 2 < self.limit() {
            return None;
        }
        if ratio > GROW_BELOW {
            self.slow_start = false;
            return None;
        }
        let step = (self.limit / 8.0).max(1.0);
        let grown = if self.slow_start {
            self.limit * 2.0
        } else if self
            .ceiling
            .is_some_and(|ceiling| self.limit + step > ceiling * 0.9)
        {
            self.limit + 1.0
        } else {
            self.limit + step
        };
        self.set(grown);
        Some(Change::Grew)
    }

    fn set(&mut self, limit: f64) {
        self.limit = limit.clamp(1.0, self.cap as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTT: Duration = Duration::from_millis(30);

    /// Feeds `n` answers of `latency`, each with every slot in use.
    fn answer(limit: &mut AdaptiveLimit, n: usize, latency: Duration) {
        for _ in 0..n {
            let in_flight = limit.limit();
            limit.observe(Sample::Answered { latency, in_flight });
        }
    }

    /// One window: as many answers as the limit.
    fn round(limit: &mut AdaptiveLimit, latency: Duration) {
        let n = limit.limit();
        answer(limit, n, latency);
    }

    /// A store that answers in `RTT` up to `capacity` transfers at once and queues the rest
    /// (latency grows with the excess), and answers `SlowDown` above `refuse_above`. Runs
    /// `rounds` round trips, all attempts of one starting together, and returns the limits
    /// seen after each, and the refusals.
    fn simulate(capacity: usize, refuse_above: usize, rounds: usize) -> (Vec<usize>, usize) {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        let mut seen = Vec::new();
        let mut refused = 0;
        for _ in 0..rounds {
            let (level, epoch) = (limit.limit(), limit.epoch());
            let latency = RTT.mul_f64((level as f64 / capacity as f64).max(1.0));
            for slot in 0..level.max(MIN_WINDOW) {
                let sample = if slot < refuse_above {
                    Sample::Answered {
                        latency,
                        in_flight: level,
                    }
                } else {
                    refused += 1;
                    Sample::Congested { epoch }
                };
                limit.observe(sample);
            }
            seen.push(limit.limit());
        }
        (seen, refused)
    }

    #[test]
    fn it_grows_to_the_cap_while_latency_holds_and_never_past_it() {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        assert_eq!(limit.limit(), INITIAL_CONCURRENCY);
        let mut levels = vec![limit.limit()];
        for _ in 0..20 {
            round(&mut limit, RTT);
            levels.push(limit.limit());
        }
        // Slow start: one doubling per window of `limit` answers.
        assert_eq!(levels[..7], [8, 16, 32, 64, 128, 256, 256]);
        assert!(levels.iter().all(|&l| l <= MAX_CONCURRENCY));
    }

    #[test]
    fn a_cap_below_the_start_is_where_it_starts() {
        let mut limit = AdaptiveLimit::new(3);
        assert_eq!(limit.limit(), 3);
        answer(&mut limit, 100, RTT);
        assert_eq!(limit.limit(), 3);
        assert_eq!(AdaptiveLimit::new(100_000).cap, MAX_CONCURRENCY);
    }

    #[test]
    fn it_stops_growing_where_latency_starts_to_rise() {
        // The store keeps 30 ms up to 40 at once: more only queues.
        let (levels, refused) = simulate(40, usize::MAX, 60);
        assert_eq!(refused, 0);
        let settled = &levels[20..];
        assert!(
            settled.iter().all(|&l| (32..=70).contains(&l)),
            "{levels:?}"
        );
    }

    #[test]
    fn slow_down_lowers_it_once_per_round_trip_and_again_if_still_refused() {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        answer(&mut limit, 8 + 16 + 32, RTT);
        assert_eq!(limit.limit(), 64);
        let burst = limit.epoch();
        let refused = Sample::Congested { epoch: burst };
        assert_eq!(limit.observe(refused), Some((32, Change::Congested)));
        // The other attempts of that burst started before the decrease: nothing more.
        for _ in 0..20 {
            assert_eq!(limit.observe(refused), None);
        }
        assert_eq!(limit.limit(), 32);
        // One started after it and still refused: the store holds less; half again.
        let again = Sample::Congested {
            epoch: limit.epoch(),
        };
        assert_eq!(limit.observe(again), Some((16, Change::Congested)));

        // Growth resumes by an eighth per window, not by doubling, and by one once near
        // where the store last pushed back (32).
        let mut levels = Vec::new();
        for _ in 0..10 {
            round(&mut limit, RTT);
            levels.push(limit.limit());
        }
        assert_eq!(levels, [18, 20, 23, 26, 27, 28, 29, 30, 31, 32]);
        // Refused again near that level, after calm windows: the store's capacity is
        // steady and only just crossed, so a tenth off, not half.
        let near = Sample::Congested {
            epoch: limit.epoch(),
        };
        assert_eq!(limit.observe(near), Some((28, Change::Congested)));
    }

    #[test]
    fn it_stays_just_under_a_store_that_refuses_past_32_at_once() {
        // No latency signal at all: only the refusals tell.
        let (levels, refused) = simulate(usize::MAX, 32, 300);
        let settled = &levels[20..];
        assert!(
            settled.iter().all(|&l| (24..=34).contains(&l)),
            "{levels:?}"
        );
        let mean = settled.iter().sum::<usize>() as f64 / settled.len() as f64;
        assert!(mean >= 29.0, "{mean}: {levels:?}");
        let sent: usize = levels.iter().map(|&l| l.max(MIN_WINDOW)).sum();
        assert!(refused * 50 < sent, "{refused} of {sent} refused");
    }

    #[test]
    fn an_idle_window_does_not_grow_the_limit() {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        for _ in 0..100 {
            limit.observe(Sample::Answered {
                latency: RTT,
                in_flight: 2,
            });
        }
        assert_eq!(limit.limit(), INITIAL_CONCURRENCY);
    }

    #[test]
    fn rising_latency_shrinks_it_in_proportion_but_at_most_by_half() {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        answer(&mut limit, 8 + 16 + 32, RTT);
        assert_eq!(limit.limit(), 64);
        answer(&mut limit, 64, RTT * 2);
        assert_eq!(limit.limit(), 56, "64 × 1.75 / 2");
        // Faster with fewer in flight: it was queueing; 1.5× the base holds the limit.
        answer(&mut limit, 56, RTT.mul_f64(1.5));
        assert_eq!(limit.limit(), 56);
        answer(&mut limit, 56, RTT * 10);
        assert_eq!(limit.limit(), 28, "at most halved");
    }

    #[test]
    fn whatever_happens_it_stays_between_one_and_the_cap() {
        let mut rng = fastrand::Rng::with_seed(7);
        for cap in [1, 2, 17, MAX_CONCURRENCY] {
            let mut limit = AdaptiveLimit::new(cap);
            for _ in 0..20_000 {
                let sample = if rng.u8(..10) == 0 {
                    Sample::Congested {
                        epoch: limit.epoch().saturating_sub(rng.u64(0..2)),
                    }
                } else {
                    Sample::Answered {
                        latency: Duration::from_micros(rng.u64(0..100_000)),
                        in_flight: rng.usize(0..=MAX_CONCURRENCY * 2),
                    }
                };
                if let Some((level, _)) = limit.observe(sample) {
                    assert!((1..=cap).contains(&level), "{level} with cap {cap}");
                }
                assert!((1..=cap).contains(&limit.limit()));
            }
        }
    }

    #[test]
    fn a_path_that_became_slower_for_good_becomes_the_new_base() {
        let mut limit = AdaptiveLimit::new(MAX_CONCURRENCY);
        answer(&mut limit, 8 + 16 + 32, RTT);
        // From now on every answer takes 4× as long, whatever the level: one halving, then
        // the next window is no faster, so 4× is the new normal and growth resumes.
        answer(&mut limit, 64, RTT * 4);
        assert_eq!(limit.limit(), 32);
        answer(&mut limit, 32, RTT * 4);
        assert_eq!(limit.limit(), 36);
        for _ in 0..20 {
            round(&mut limit, RTT * 4);
        }
        assert!(limit.limit() >= 128, "{}", limit.limit());
    }
}
