//! How many presign batches to keep in flight ahead of the transfers.
//!
//! A presign call can take five times as long as a transfer (150 ms against 30 ms on a real
//! network), so with many transfers at once two batches ahead would starve them. Enough
//! files are presigned ahead to feed the transfers through one presign call and a half:
//! `limit × presign latency / transfer latency × 1.5`, between [`MIN_AHEAD`] and
//! [`MAX_AHEAD`] batches, so presigned URLs are still used soon after they are made and
//! memory stays flat.

use std::time::Duration;

/// Batches presigned ahead at least (and before any latency is known).
pub(crate) const MIN_AHEAD: usize = 2;
/// Batches presigned ahead at most: 800 files at the default batch size.
pub(crate) const MAX_AHEAD: usize = 8;

/// Files presigned and not started, plus the files of batches being presigned, that keep
/// `limit` transfers busy; in batches, between [`MIN_AHEAD`] and [`MAX_AHEAD`].
pub(crate) fn batches_ahead(
    limit: usize,
    batch_size: usize,
    presign: Option<Duration>,
    transfer: Option<Duration>,
) -> usize {
    let (Some(presign), Some(transfer)) = (presign, transfer) else {
        return MIN_AHEAD;
    };
    let ratio = presign.as_secs_f64() / transfer.as_secs_f64().max(1e-6);
    let files = limit as f64 * ratio * 1.5;
    let batches = (files / batch_size.max(1) as f64).ceil();
    (batches as usize).clamp(MIN_AHEAD, MAX_AHEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn enough_batches_to_cover_a_presign_call_at_the_current_pace() {
        // 150 ms presigns, 30 ms transfers: 128 at once use 960 files per presign call and
        // a half; 10 batches, capped at 8.
        assert_eq!(batches_ahead(128, 100, Some(150 * MS), Some(30 * MS)), 8);
        assert_eq!(batches_ahead(32, 100, Some(150 * MS), Some(30 * MS)), 3);
        // Fast presigns, or nothing measured yet: the minimum.
        assert_eq!(batches_ahead(128, 100, Some(MS), Some(30 * MS)), MIN_AHEAD);
        assert_eq!(batches_ahead(128, 100, None, Some(30 * MS)), MIN_AHEAD);
        assert_eq!(batches_ahead(8, 100, Some(150 * MS), None), MIN_AHEAD);
        // Tiny batches need more of them.
        assert_eq!(batches_ahead(8, 10, Some(60 * MS), Some(30 * MS)), 3);
        assert_eq!(batches_ahead(8, 1, Some(60 * MS), Some(Duration::ZERO)), 8);
    }
}
