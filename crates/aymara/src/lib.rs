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
//!     eprintln!("{}: {error}", aymara::display::path(path));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Errors are one type, [`Error`]. The API key and the signatures of presigned URLs never
//! appear in errors, `Debug` output or `tracing` events. Redirects are never followed,
//! every answer is read with a limit, and every wait has a deadline.
//!
//! The public API uses only this crate's own types, the standard library's, and the stable
//! `http` 1.x, `serde_json` 1.x and `futures-core` `Stream` traits, so that a dependency's
//! release never forces a breaking release of this one.
#![deny(missing_docs)]

mod attempt;
mod client;
pub mod display;
mod error;
mod files;
mod retry;
pub mod types;
mod upload;
mod urls;

pub use aymara_api::{API_BODY_LIMIT, ERROR_BODY_LIMIT};
pub use client::{
    API_KEY_ENV, BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
};
pub use error::{
    ApiError, ApiErrorKind, BODY_SNIPPET_LIMIT, BoxError, Error, ErrorCode, PlanError, PlanProblem,
    StorageError,
};
pub use files::{Files, Response};
pub use retry::{DEFAULT_MAX_RETRIES, RETRY_BUDGET, RETRY_COST, TIMEOUT_RETRY_COST};
pub use upload::{
    INITIAL_CONCURRENCY, MAX_BATCH_SIZE, MAX_BUFFERED_BYTES, MAX_CONCURRENCY, MAX_FILE_SIZE,
    MIN_TRANSFER_RATE, OutcomeKind, ProgressEvent, ProgressObserver, Upload, UploadControl,
    UploadHandle, UploadOptions, UploadOutcome, UploadProgress, UploadReport, UploadedFile,
};
