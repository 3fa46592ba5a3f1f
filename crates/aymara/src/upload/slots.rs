//! Which transfer attempts may run: at most the current limit at once, fixed or found by
//! the [`AdaptiveLimit`]. Each attempt takes a [`Slot`] before it opens its file and
//! reports how it went when it ends, so a retry waiting out its backoff holds no slot, and
//! the limit sees every attempt's latency and every push-back from the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::Error;
use crate::lock::lock;
use crate::upload::engine::Control;
use crate::upload::limiter::{AdaptiveLimit, Change, MAX_CONCURRENCY, Sample};
use crate::upload::options::Concurrency;
use crate::upload::progress::Counters;
use crate::upload::{ProgressEvent, UploadOptions};

/// The gate every transfer attempt passes.
pub(crate) struct Slots {
    /// One permit per attempt that may start now.
    room: Arc<Semaphore>,
    state: Mutex<State>,
    in_flight: AtomicUsize,
    control: Arc<Control>,
    options: UploadOptions,
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
    started: Instant,
    /// The limiter's epoch when the attempt started.
    epoch: u64,
}

impl Slots {
    pub(crate) fn new(options: &UploadOptions, control: Arc<Control>) -> Self {
        let adaptive = match options.concurrency {
            Concurrency::Auto => Some(AdaptiveLimit::new(MAX_CONCURRENCY)),
            Concurrency::Fixed(_) => None,
        };
        let limit = match (&adaptive, options.concurrency) {
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
            control,
            options: options.clone(),
        };
        slots.announce(limit, None);
        slots
    }

    /// How many attempts may run at once right now.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit
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
        Counters::set(&self.control.counters.in_flight, running as u64);
        let epoch = self
            .state()
            .adaptive
            .as_ref()
            .map_or(0, AdaptiveLimit::epoch);
        Slot {
            slots: self,
            permit,
            started: Instant::now(),
            epoch,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Gives a slot back, taking it out of circulation if the limit went down meanwhile.
    fn release(&self, permit: Option<OwnedSemaphorePermit>) {
        let running = self.in_flight.fetch_sub(1, Ordering::Relaxed) - 1;
        Counters::set(&self.control.counters.in_flight, running as u64);
        let mut state = self.state();
        if let Some(permit) = permit
            && state.debt > 0
        {
            state.debt -= 1;
            permit.forget();
        }
    }

    /// Feeds one attempt's sample to the limiter, and moves the gate to its new limit.
    fn observe(&self, latency: Duration, epoch: u64, error: Option<&Error>) {
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        let sample = match error {
            None => Sample::Answered { latency, in_flight },
            Some(error) if is_congestion(error) => Sample::Congested { epoch },
            // Says nothing about load: a refused signature, a reset, a local file.
            Some(_) => return,
        };
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

    /// Publishes the limit: progress counter, observer, log.
    fn announce(&self, limit: usize, change: Option<Change>) {
        Counters::set(&self.control.counters.concurrency, limit as u64);
        self.options
            .emit(ProgressEvent::Concurrency { transfers: limit });
        match change {
            Some(why) => tracing::debug!(concurrency = limit, ?why, "transfer concurrency changed"),
            None => tracing::debug!(concurrency = limit, "transfer concurrency"),
        }
    }
}

impl Slot<'_> {
    /// Ends the attempt with its result, which the limiter learns from.
    pub(crate) fn finish<T>(self, result: &Result<T, Error>) {
        self.slots
            .observe(self.started.elapsed(), self.epoch, result.as_ref().err());
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.release(self.permit.take());
    }
}

/// The store asked us to slow down (429, 503 `SlowDown` or any 503), or an attempt ran
/// out of time: signs of too much at once.
fn is_congestion(error: &Error) -> bool {
    matches!(error, Error::Timeout { .. })
        || error
            .status()
            .is_some_and(|s| s.as_u16() == 429 || s.as_u16() == 503)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::from_storage_response;

    fn slots(options: UploadOptions) -> Slots {
        Slots::new(&options, Arc::new(Control::new(&options)))
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
        let slots = slots(UploadOptions::new().concurrency(3));
        let held: Vec<Slot<'_>> = vec![
            slots.acquire().await,
            slots.acquire().await,
            slots.acquire().await,
        ];
        let fourth = tokio::time::timeout(Duration::from_secs(1), slots.acquire()).await;
        assert!(fourth.is_err(), "a fourth must wait");
        for slot in held {
            slot.finish(&slow_down());
        }
        assert_eq!(slots.limit(), 3);
        assert_eq!(slots.control.counters.snapshot().in_flight, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_follows_the_adaptive_limit_down_and_up() {
        let slots = slots(UploadOptions::new());
        assert_eq!(slots.limit(), 8);
        // Eight running; one of them is refused: the limit halves, and as the others end
        // their permits leave circulation until only four remain.
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(slots.acquire().await);
        }
        tokio::time::advance(Duration::from_millis(30)).await;
        held.pop().unwrap().finish(&slow_down());
        assert_eq!(slots.limit(), 4);
        assert_eq!(slots.control.counters.snapshot().concurrency, 4);
        for slot in held.drain(..) {
            slot.finish(&Ok(()));
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
                slot.finish(&Ok(()));
            }
            while held.len() < slots.limit() {
                held.push(slots.acquire().await);
            }
            assert_eq!(slots.room.available_permits(), 0);
        }
        assert_eq!(held.len(), 9);
        assert_eq!(slots.control.counters.snapshot().in_flight, 9);
        assert_eq!(slots.latency(), Some(Duration::from_millis(30)));
    }
}
