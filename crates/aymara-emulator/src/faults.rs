//! Seeded dice for fault injection.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::Faults;

/// What an accepted presign request gets instead of an answer, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PresignFault {
    None,
    TooManyRequests,
    Unavailable,
}

/// What an accepted PUT gets instead of being stored, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutFault {
    None,
    InternalError,
    Reset,
    /// Stored, and answered late.
    Straggle,
    /// Read, never answered.
    Stall,
}

/// Two generators, so that presign faults do not depend on how PUTs interleave with them,
/// and the count of PUTs stalled so far.
pub(crate) struct Dice {
    presign: Mutex<fastrand::Rng>,
    put: Mutex<fastrand::Rng>,
    stalled: AtomicU64,
}

/// Keeps the PUT stream different from the presign stream for the same seed.
const PUT_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Dice {
            presign: Mutex::new(fastrand::Rng::with_seed(seed)),
            put: Mutex::new(fastrand::Rng::with_seed(seed ^ PUT_STREAM)),
            stalled: AtomicU64::new(0),
        }
    }

    /// Draws exactly once per call, whatever the rates, so the sequence depends only on the
    /// seed and the number of calls.
    pub(crate) fn presign(&self, faults: &Faults) -> PresignFault {
        let roll = draw(&self.presign);
        let too_many = clamp(faults.presign_429_rate);
        if roll < too_many {
            PresignFault::TooManyRequests
        } else if roll < too_many + clamp(faults.presign_503_rate) {
            PresignFault::Unavailable
        } else {
            PresignFault::None
        }
    }

    /// Draws exactly once per call, like [`Dice::presign`]; the first
    /// [`Faults::put_stalls`] calls stall whatever the draw.
    pub(crate) fn put(&self, faults: &Faults) -> PutFault {
        let roll = draw(&self.put);
        if self.stalled.fetch_add(1, Ordering::Relaxed) < faults.put_stalls {
            return PutFault::Stall;
        }
        let error = clamp(faults.put_500_rate);
        let reset = error + clamp(faults.put_reset_rate);
        if roll < error {
            PutFault::InternalError
        } else if roll < reset {
            PutFault::Reset
        } else if roll < reset + clamp(faults.put_straggler_rate) {
            PutFault::Straggle
        } else {
            PutFault::None
        }
    }
}

fn draw(rng: &Mutex<fastrand::Rng>) -> f64 {
    // A poisoned lock only means another request panicked mid-draw; the generator is fine.
    rng.lock().unwrap_or_else(|e| e.into_inner()).f64()
}

fn clamp(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}
