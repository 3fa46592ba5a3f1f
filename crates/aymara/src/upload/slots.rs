//! Which transfer attempts may run: at most the current limit at once, fixed or found by
//! the [`AdaptiveLimit`]. Each attempt takes a [`Slot`] before it opens its file and
//! reports how it went when it ends, so a retry waiting out its backoff holds no slot, and
//! the limit sees every attempt's latency and every push-back from the store. Whoever
//! watches the gate (progress, the observer, the log) hears of changes through a callback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::Error;
use crate::lock::lock;
use crate::upload::limiter::{AdaptiveLimit, Change, MAX_CONCURRENCY, Sample};
use crate::upload::options::Concurrency;

/// What changed at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GateChange {
    /// The limit is now this (`why` is `None` for the first announcement).
    Limit { limit: usize, why: Option<Change> },
    /// This many attempts are running.
    InFlight(usize),
}

/// Hears of every [`GateChange`].
pub(crate) type OnChange = Box<dyn Fn(GateChange) + Send + Sync>;

/// The gate every transfer attempt passes.
pub(crate) struct Slots {
    /// One permit per attempt that may start now.
    room: Arc<Semaphore>,
    state: Mutex<State>,
    in_flight: AtomicUsize,
    on_change: OnChange,
}

struct State {
    limit: usize,
    /// `None` for a fixed limit.
    adaptive: Option<AdaptiveLimit>,
    /// Permits to take out of circulation as attempts end, after the limit went down
    /// while more than the new limit were running.
    debt: usize,
    /// Recent latency of answered attempts, smoothed.
    latency: Option<Duration>,
}

/// One attempt's place; dropping it without [`Slot::finish`] (a cancelled attempt) frees
/// it without telling the limiter anything.
pub(crate) struct Slot<'a> {
    slots: &'a Slots,
    permit: Option<OwnedSemaphorePermit>,
    /// The limiter's epoch when the attempt started.
    epoch: u64,
}

impl Slots {
    /// A gate for `concurrency`, telling `on_change` of the first limit at once.
    pub(crate) fn new(concurrency: Concurrency, on_change: OnChange) -> Self {
        let adaptive = match concurrency {
            Concurrency::Auto => Some(AdaptiveLimit::new(MAX_CONCURRENCY)),
            Concurrency::Fixed(_) => None,
        };
        let limit = match (&adaptive, concurrency) {
            (Some(adaptive), _) => adaptive.limit(),
            (None, Concurrency::Fixed(n)) => n,
            (None, Concurrency::Auto) => 1,
        };
        let slots = Self {
            room: Arc::new(Semaphore::new(limit)),
            state: Mutex::new(State {
                limit,
                adaptive,
                debt: 0,
                latency: None,
            }),
            in_flight: AtomicUsize::new(0),
            on_change,
        };
        slots.announce(limit, None);
        slots
    }

    /// How many attempts may run at once right now.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit
    }

    /// How many attempts are running now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Recent latency of an attempt the store answered, if one was yet.
    pub(crate) fn latency(&self) -> Option<Duration> {
        self.state().latency
    }

    /// Waits for room, then holds a slot.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        // Never closed: `None` would only let the attempt run unmetered.
        let permit = self.room.clone().acquire_owned().await.ok();
        let running = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        (self.on_change)(GateChange::InFlight(running));
        let epoch = self
            .state()
            .adaptive
            .as_ref()
            .map_or(0, AdaptiveLimit::epoch);
        Slot {
            slots: self,
            permit,
            epoch,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Gives a slot back, taking it out of circulation if the limit went down meanwhile.
    fn release(&self, permit: Option<OwnedSemaphorePermit>) {
        let running = self.in_flight.fetch_sub(1, Ordering::Relaxed) - 1;
        (self.on_change)(GateChange::InFlight(running));
        let mut state = self.state();
        if let Some(permit) = permit
            && state.debt > 0
        {
            state.debt -= 1;
            permit.forget();
        }
    }

    /// Feeds one sample to the limiter, and moves the gate to its new limit.
    fn observe(&self, sample: Sample) {
        let mut state = self.state();
        if let Sample::Answered { latency, .. } = sample {
            state.latency = Some(match state.latency {
                Some(smoothed) => (smoothed * 7 + latency) / 8,
                None => latency,
            });
        }
        let Some((limit, change)) = state.adaptive.as_mut().and_then(|a| a.observe(sample)) else {
            return;
        };
        let before = std::mem::replace(&mut state.limit, limit);
        if limit > before {
            let owed = state.debt.min(limit - before);
            state.debt -= owed;
            self.room.add_permits(limit - before - owed);
        } else {
            let excess = before - limit;
            state.debt += excess - self.room.forget_permits(excess);
        }
        drop(state);
        self.announce(limit, Some(change));
    }

    /// An attempt that started in `epoch` stalls (it waits far longer than its peers to
    /// connect): a sign of congestion now, before it ends.
    pub(crate) fn stalled(&self, epoch: u64) {
        self.observe(Sample::Congested { epoch });
    }

    fn announce(&self, limit: usize, why: Option<Change>) {
        (self.on_change)(GateChange::Limit { limit, why });
    }
}

impl Slot<'_> {
    /// The limiter's epoch when the attempt started.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Ends the attempt with its result, which the limiter learns from: a success's
    /// `latency` (the network's time, not the time the body waited on the disk, the memory
    /// budget or the bandwidth limit), or a sign of congestion ([`is_congestion`]). Other
    /// failures say nothing about load (a refused signature, a reset mid-body, a local
    /// file).
    pub(crate) fn finish<T>(self, result: &Result<T, Error>, latency: Duration) {
        let sample = match result {
            Ok(_) => Sample::Answered {
                latency,
                in_flight: self.slots.in_flight.load(Ordering::Relaxed),
            },
            Err(error) if is_congestion(error) => Sample::Congested { epoch: self.epoch },
            Err(_) => return,
        };
        self.slots.observe(sample);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.release(self.permit.take());
    }
}

/// Signs of too much at once: the store asked us to slow down (429, 503 `SlowDown` or any
/// 503), an attempt ran out of time or stalled, or a connection could not be opened.
fn is_congestion(error: &Error) -> bool {
    match error {
        Error::Timeout { .. } => true,
        Error::Connection { source, .. } => source
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_connect),
        _ => error
            .status()
            .is_some_and(|s| s.as_u16() == 429 || s.as_u16() == 503),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::from_storage_response;

    /// A gate, and what it announced.
    fn slots(concurrency: Concurrency) -> (Slots, Arc<Mutex<Vec<GateChange>>>) {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let on_change: OnChange = Box::new(move |change| log.lock().unwrap().push(change));
        (Slots::new(concurrency, on_change), heard)
    }

    /// The last limit and in-flight count announced.
    fn announced(heard: &Mutex<Vec<GateChange>>) -> (usize, usize) {
        let heard = heard.lock().unwrap();
        let last_limit = heard.iter().rev().find_map(|c| match c {
            GateChange::Limit { limit, .. } => Some(*limit),
            GateChange::InFlight(_) => None,
        });
        let last_running = heard.iter().rev().find_map(|c| match c {
            GateChange::InFlight(n) => Some(*n),
            GateChange::Limit { .. } => None,
        });
        (last_limit.unwrap_or(0), last_running.unwrap_or(0))
    }

    fn slow_down() -> Result<(), Error> {
        let body = b"<Error><Code>SlowDown</Code></Error>";
        Err(from_storage_response(
            http::StatusCode::SERVICE_UNAVAILABLE,
            &http::HeaderMap::new(),
            body,
            "https://store.example/o".into(),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_limit_admits_that_many_and_never_moves() {
        let (slots, heard) = slots(Concurrency::Fixed(3));
        let held: Vec<Slot<'_>> = vec![
            slots.acquire().await,
            slots.acquire().await,
            slots.acquire().await,
        ];
        let fourth = tokio::time::timeout(Duration::from_secs(1), slots.acquire()).await;
        assert!(fourth.is_err(), "a fourth must wait");
        for slot in held {
            slot.finish(&slow_down(), Duration::from_millis(30));
        }
        assert_eq!(slots.limit(), 3);
        assert_eq!(announced(&heard), (3, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_follows_the_adaptive_limit_down_and_up() {
        let (slots, heard) = slots(Concurrency::Auto);
        assert_eq!(slots.limit(), 8);
        // Eight running; one of them is refused: the limit halves, and as the others end
        // their permits leave circulation until only four remain.
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(slots.acquire().await);
        }
        tokio::time::advance(Duration::from_millis(30)).await;
        held.pop()
            .unwrap()
            .finish(&slow_down(), Duration::from_millis(30));
        assert_eq!(slots.limit(), 4);
        assert_eq!(announced(&heard).0, 4);
        for slot in held.drain(..) {
            slot.finish(&Ok(()), Duration::from_millis(30));
        }
        assert_eq!(slots.room.available_permits(), 4);
        for _ in 0..4 {
            held.push(slots.acquire().await);
        }
        assert_eq!(slots.room.available_permits(), 0);

        // Answers at full use in 30 ms each: the limit grows and the gate opens with it.
        while slots.limit() <= 8 {
            tokio::time::advance(Duration::from_millis(30)).await;
            for slot in held.drain(..) {
                slot.finish(&Ok(()), Duration::from_millis(30));
            }
            while held.len() < slots.limit() {
                held.push(slots.acquire().await);
            }
            assert_eq!(slots.room.available_permits(), 0);
        }
        assert_eq!(held.len(), 9);
        assert_eq!(announced(&heard), (9, 9));
        assert_eq!(slots.latency(), Some(Duration::from_millis(30)));
    }
}
