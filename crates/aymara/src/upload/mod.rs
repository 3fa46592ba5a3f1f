//! `client.files().upload(..)`: plan → skip what the journal has → presign → transfer →
//! journal → report, for one file or a million.
//!
//! Where each part lives:
//! - [`handle`]: what the caller holds: `Upload`, `UploadHandle`, `UploadControl`;
//! - [`run`]: one upload start to end; [`state`]: what the run and its handle share;
//! - [`schedule`]: the loop that presigns ahead and starts transfers;
//!   [`health`]: whether the API can be reached; [`presign`], [`ahead`], [`expiry`];
//! - [`transfer`]: one file's attempts, in one loop; [`put`]: one `PUT` and its watchdog;
//!   [`pace`]: the time limits and hedge points the run has observed; [`hedge`];
//!   [`slots`] and [`limiter`]: how many transfers run at once;
//! - [`record`]: journal and report; [`journal`], [`skip`], [`report`], [`progress`];
//! - [`options`], [`dry_run`], [`wait`].

mod ahead;
mod dry_run;
mod expiry;
mod handle;
mod health;
mod hedge;
mod journal;
mod limiter;
mod options;
mod pace;
mod presign;
mod progress;
mod put;
mod record;
mod report;
mod run;
mod schedule;
mod skip;
mod slots;
mod state;
mod transfer;
mod wait;

pub use dry_run::{PlanAction, PlanEntry, UploadPlan};
pub use handle::{Upload, UploadControl, UploadHandle};
pub use journal::{FileJournal, Journal, JournalEntry, JournalQuery};
pub use limiter::MAX_CONCURRENCY;
pub use options::{MAX_BATCH_SIZE, ProgressEvent, ProgressObserver, UploadOptions};
pub use progress::UploadProgress;
pub use report::{OutcomeKind, SkippedFile, UploadOutcome, UploadReport, UploadedFile};
