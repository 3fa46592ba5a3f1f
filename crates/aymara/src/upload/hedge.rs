//! When a straggling transfer gets a second `PUT` (a hedge), as the AWS transfer manager
//! does for parts: pure bookkeeping, so the bounds can be tested without a clock.
//!
//! A transfer straggles once it waits for its connection or its answer past the run's
//! hedge point (see [`pace`](crate::upload::pace)). It may be hedged when:
//! - the file is at most [`MAX_HEDGED_SIZE`] (a hedge sends the whole file again);
//! - hedges stay at most one in [`ONE_IN`] of the attempts started so far.
//!
//! A hedge takes a slot and its buffers like any attempt, so hedges never pass the
//! concurrency level or the memory budget.

/// The largest file that is hedged.
pub(crate) const MAX_HEDGED_SIZE: u64 = 8 * 1024 * 1024;
/// At most one hedge per this many attempts.
pub(crate) const ONE_IN: u64 = 20;

/// Hedges so far, against attempts so far.
#[derive(Debug, Default)]
pub(crate) struct Hedges {
    attempts: u64,
    hedged: u64,
}

impl Hedges {
    /// An attempt started.
    pub(crate) fn attempt(&mut self) {
        self.attempts += 1;
    }

    /// Whether a straggling attempt at a file of `size` bytes may be hedged now.
    pub(crate) fn has_room(&self, size: u64) -> bool {
        size <= MAX_HEDGED_SIZE && (self.hedged + 1) * ONE_IN <= self.attempts
    }

    /// [`has_room`](Self::has_room), and yes counts the hedge.
    pub(crate) fn take(&mut self, size: u64) -> bool {
        let room = self.has_room(size);
        self.hedged += u64::from(room);
        room
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_one_hedge_in_twenty_attempts_and_only_small_files() {
        let mut hedges = Hedges::default();
        for _ in 0..19 {
            hedges.attempt();
        }
        assert!(!hedges.take(1), "19 attempts pay for no hedge");
        hedges.attempt();
        assert!(!hedges.take(MAX_HEDGED_SIZE + 1), "too large to send twice");
        assert!(hedges.take(MAX_HEDGED_SIZE));
        assert!(!hedges.take(1), "the one hedge of 20 is spent");
        let mut granted = 1;
        for _ in 0..980 {
            hedges.attempt();
            granted += u64::from(hedges.take(1));
        }
        assert_eq!(granted, 1000 / ONE_IN);
    }
}
