//! What one request body has done so far, for the watchdog that cuts off a stalled transfer
//! (see the upload's `put`): when the HTTP stack first asked for bytes (the connection and
//! the request head went through), when it last took a chunk, whether it is waiting on us
//! (the disk, the memory budget, the bandwidth limit) rather than on the network, and
//! whether every byte is handed over, so that only the answer is missing.
//!
//! The body updates it as the HTTP stack polls; the watchdog only reads it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::lock::lock;

/// Where a body stands; cheap to clone, clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    started: Instant,
    phase: Phase,
    /// When the HTTP stack first asked for bytes.
    connected: Option<Instant>,
    /// Time spent preparing chunks the stack had asked for: ours, not the network's.
    ours: Duration,
}

/// What a body is waiting for, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Nothing asked for yet: the connection, or the request head, is on its way.
    Connecting { since: Instant },
    /// A chunk of `len` bytes was handed over at `since`, and the stack has not asked for
    /// more yet: the network has it.
    Sending { since: Instant, len: usize },
    /// The stack asked for more, and the body is preparing it.
    Reading { since: Instant },
    /// Every byte is handed over and the stack asked again: only the answer is missing.
    Answering { since: Instant },
}

/// A copy of where a body stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub phase: Phase,
    /// How long the connection and request head took, once they went through.
    pub connect_took: Option<Duration>,
    /// Time since the start the network had the turn: the total, less ours.
    pub network_time: Duration,
}

impl Activity {
    /// A body being prepared (its file opened, its first buffer read): our time, until
    /// [`sent`](Self::sent).
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            state: Arc::new(Mutex::new(State {
                started: now,
                phase: Phase::Reading { since: now },
                connected: None,
                ours: Duration::ZERO,
            })),
        }
    }

    /// The request leaves now: the network's time starts here.
    pub(crate) fn sent(&self) {
        let now = Instant::now();
        *lock(&self.state) = State {
            started: now,
            phase: Phase::Connecting { since: now },
            connected: None,
            ours: Duration::ZERO,
        };
    }

    /// The stack asks for the next chunk: the last one is gone.
    pub(crate) fn asked(&self) {
        let now = Instant::now();
        let mut state = lock(&self.state);
        state.connected.get_or_insert(now);
        state.phase = Phase::Reading { since: now };
    }

    /// A chunk of `len` bytes is handed over.
    pub(crate) fn handed(&self, len: usize) {
        let now = Instant::now();
        let mut state = lock(&self.state);
        state.close_reading(now);
        state.phase = Phase::Sending { since: now, len };
    }

    /// Every byte was handed over (told again when the stack asks past the end: the first
    /// time counts).
    pub(crate) fn finished(&self) {
        let now = Instant::now();
        let mut state = lock(&self.state);
        if let Phase::Answering { .. } = state.phase {
            return;
        }
        state.close_reading(now);
        state.phase = Phase::Answering { since: now };
    }

    /// Where it stands now.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let now = Instant::now();
        let state = *lock(&self.state);
        let reading = match state.phase {
            Phase::Reading { since } => now.saturating_duration_since(since),
            _ => Duration::ZERO,
        };
        Snapshot {
            phase: state.phase,
            connect_took: state
                .connected
                .map(|at| at.saturating_duration_since(state.started)),
            network_time: now
                .saturating_duration_since(state.started)
                .saturating_sub(state.ours + reading),
        }
    }
}

impl State {
    fn close_reading(&mut self, now: Instant) {
        if let Phase::Reading { since } = self.phase {
            self.ours += now.saturating_duration_since(since);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn phases_follow_the_stack_and_our_time_is_not_the_networks() {
        let activity = Activity::new();
        // Opening the file and waiting for room in the budget: ours.
        tokio::time::advance(3000 * MS).await;
        assert!(matches!(activity.snapshot().phase, Phase::Reading { .. }));
        assert_eq!(activity.snapshot().network_time, Duration::ZERO);
        activity.sent();
        let start = Instant::now();
        tokio::time::advance(30 * MS).await;
        assert_eq!(
            activity.snapshot().phase,
            Phase::Connecting { since: start }
        );
        activity.asked();
        tokio::time::advance(500 * MS).await; // reading from a slow disk
        activity.handed(10);
        tokio::time::advance(20 * MS).await;
        let sending = activity.snapshot();
        assert_eq!(
            sending.phase,
            Phase::Sending {
                since: start + 530 * MS,
                len: 10
            }
        );
        assert_eq!(sending.connect_took, Some(30 * MS));
        assert_eq!(sending.network_time, 50 * MS);
        activity.asked();
        tokio::time::advance(100 * MS).await; // waiting for the bandwidth limit
        assert_eq!(activity.snapshot().network_time, 50 * MS);
        activity.finished();
        tokio::time::advance(7 * MS).await;
        activity.finished();
        let answering = activity.snapshot();
        assert_eq!(
            answering.phase,
            Phase::Answering {
                since: start + 650 * MS
            }
        );
        assert_eq!(answering.network_time, 57 * MS);
    }
}
