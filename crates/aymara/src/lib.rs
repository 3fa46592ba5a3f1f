//! Rust SDK for Aymara AI's file uploads.
//!
//! Before an eval run can use a file, a client asks `POST /v2/files` for presigned URLs and
//! then sends the bytes to them. [`Files::upload`] does the whole job for one file or ten
//! thousand: it checks every path first, presigns in batches, streams each file from disk
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
//! Errors are one type, [`Error`]. The API key and the signatures of presigned URLs never
//! appear in errors, `Debug` output or `tracing` events.
#![deny(missing_docs)]

mod client;
mod error;
mod files;
mod retry;
mod upload;
mod urls;

pub use client::{
    API_KEY_ENV, BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
};
pub use error::{ApiError, ApiErrorKind, BODY_SNIPPET_LIMIT, Error, ErrorCode, StorageError};
pub use files::{Files, Response};
pub use retry::DEFAULT_MAX_RETRIES;
pub use tokio_util::sync::CancellationToken;
pub use upload::{
    DEFAULT_CONCURRENCY, MAX_BATCH_SIZE, ProgressEvent, ProgressObserver, UploadOptions,
    UploadOutcome, UploadReport, UploadedFile,
};

/// The request and response types of the API, as generated from its description.
pub mod types {
    pub use aymara_api::types::{
        ErrorDetail, ErrorResponse, FileUpload, FileUploadRequest, FileUploadRequestItem,
        FileUploadResponse,
    };
}
