//! The one way the SDK takes a lock.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, even if a thread panicked while holding it: every value kept behind one
/// (counters, a journal's index, a limiter's state) stays valid between its updates, so
/// going on beats turning one panic into many.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
