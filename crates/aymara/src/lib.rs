//! Rust SDK for Aymara AI's Files API.
//!
//! Before an eval run can use a file, a client asks `POST /v2/files` for presigned URLs and
//! then sends the bytes to them. [`Files::upload`] does the whole job for one file or a
//! million: it opens every path first, presigns in batches, streams each file from disk
//! with bounded concurrency and retries, and reports one outcome per path.
//!
//! ```no_run
//! # async fn run() -> Result<(), aymara::Error> {
//! // Reads AYMARA_AI_API_KEY (and AYMARA_AI_BASE_URL, if set).
//! let client = aymara::Client::from_env()?;
//! let options = aymara::UploadOptions::new().concurrency(16);
//! let report = client.files().upload(["data/prompts.csv"], options).await?;
//! for (path, error) in report.failed() {
//!     eprintln!("{}: {error}", path.display());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The rest of the Files resource is there too: [`Files::list`] (a `Stream` over every
//! page), [`Files::get`], [`Files::delete`], [`Files::status`], [`Files::frames`],
//! [`Files::wait_for_processing`] (poll until a video is processed, with a deadline), and
//! [`Files::upload_direct`] (one file in a multipart request).
//!
//! Errors are one type, [`Error`]. The API key and the signatures of presigned URLs never
//! appear in errors, `Debug` output or `tracing` events. Redirects are never followed,
//! every answer is read with a limit, and every wait has a deadline.
//!
//! The public API uses only this crate's own types, the standard library's, the stable
//! `http` 1.x and `serde_json` 1.x types, and the `Stream` trait of `futures-core` 0.3. That
//! one is 0.x, but the ecosystem treats it as settled (tokio-stream, reqwest and hyper expose
//! it). So a dependency's release never forces a breaking release of this one.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod attempt;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod body;
mod client;
mod error;
mod files;
mod lock;
mod plan;
mod retry;
mod shard;
pub mod types;
mod unknown;
mod upload;
mod urls;

pub use api::Response;
pub use body::MAX_BUFFERED_BYTES;
pub use client::{
    API_KEY_ENV, BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
};
pub use error::{
    ApiError, ApiErrorKind, BoxError, Error, ErrorCode, PlanError, PlanProblem, StorageError,
};
pub use files::{
    DEFAULT_WAIT_DEADLINE, DirectUpload, FileList, Files, ListOptions, MAX_PAGE_SIZE, WaitOptions,
    WaitOutcome,
};
pub use plan::MAX_FILE_SIZE;
pub use retry::DEFAULT_MAX_RETRIES;
pub use shard::Shard;
pub use upload::{
    FileJournal, Journal, JournalEntry, JournalQuery, MAX_BATCH_SIZE, MAX_CONCURRENCY, OutcomeKind,
    PlanAction, PlanEntry, ProgressEvent, ProgressObserver, SkippedFile, Upload, UploadControl,
    UploadHandle, UploadOptions, UploadOutcome, UploadPlan, UploadProgress, UploadReport,
    UploadedFile,
};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// What dependents hold can move into spawned tasks and be shared: checked at compile time.
const _: fn() = || {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Client>();
    shareable::<Files>();
    shareable::<Error>();
    shareable::<UploadOptions>();
    shareable::<Upload>();
    shareable::<UploadHandle>();
    shareable::<UploadControl>();
    shareable::<UploadReport>();
    shareable::<UploadOutcome>();
    shareable::<UploadProgress>();
    shareable::<FileList>();
    shareable::<FileJournal>();
    shareable::<JournalEntry>();
    shareable::<SkippedFile>();
    shareable::<UploadPlan>();
    shareable::<Shard>();
    shareable::<ListOptions>();
    shareable::<WaitOptions>();
    shareable::<WaitOutcome>();
    shareable::<DirectUpload>();
    shareable::<types::FileDetail>();
    shareable::<types::FileStatus>();
    shareable::<types::FileFrames>();
    shareable::<types::FilePage>();
    shareable::<types::UnknownValue>();
    shareable::<Response<types::FileDetail>>();
    // The futures are spawnable: `tokio::spawn(upload.into_future())`.
    fn spawnable<T: Send + 'static>() {}
    spawnable::<<Upload as std::future::IntoFuture>::IntoFuture>();
    spawnable::<<UploadHandle as std::future::IntoFuture>::IntoFuture>();
    spawnable::<<DirectUpload as std::future::IntoFuture>::IntoFuture>();
};
