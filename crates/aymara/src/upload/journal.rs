//! The journal of stored files, which lets a re-run skip what an earlier run stored.
//!
//! [`Journal`] is what an upload asks before presigning ("is this file stored already?")
//! and tells after each transfer the store answered 2xx. [`FileJournal`] is the provided
//! implementation: an append-only JSON-lines file. Dependents that keep state elsewhere
//! (a database, a manifest of their own) implement the trait.

mod entries;
mod file;

pub use entries::{Journal, JournalEntry, JournalQuery};
pub use file::FileJournal;
