//! [`Error`], the one error type users see, and [`PlanError`], the paths an upload cannot
//! take (found before any request), which nests one `Error` per path: the two refer to each
//! other, so they live together.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::api::ApiError;
use crate::error::hint::RetryHint;
use crate::error::storage::StorageError;
use aymara_text as display;

/// A lower-level error kept as the [`source`](std::error::Error::source) of an [`Error`]:
/// the HTTP stack's error, whose own sources lead to the io or TLS error underneath.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in this crate.
///
/// `Display` is one line meant for people, without the causes: walk
/// [`source()`](std::error::Error::source) for those (the `aymara` command line prints the
/// whole chain). Match on the variants, and on [`ApiError::kind`], to decide what to do.
///
/// ```
/// use std::error::Error as _;
///
/// fn explain(error: &aymara::Error) -> String {
///     let mut line = error.to_string();
///     let mut cause = error.source();
///     while let Some(inner) = cause {
///         line.push_str(": ");
///         line.push_str(&inner.to_string());
///         cause = inner.source();
///     }
///     line
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The object store refused a presigned transfer.
    #[error("{0}")]
    Storage(Box<StorageError>),
    /// The connection failed: refused, reset, TLS, DNS, or cut while reading the answer.
    #[error("connection to {url} failed")]
    #[non_exhaustive]
    Connection {
        /// The URL, with any query string redacted.
        url: String,
        /// The HTTP stack's error.
        #[source]
        source: BoxError,
    },
    /// No complete answer came in time.
    #[error("request to {url} timed out after {}", secs(*after))]
    #[non_exhaustive]
    Timeout {
        /// The URL, with any query string redacted.
        url: String,
        /// The limit that ran out.
        after: Duration,
    },
    /// A server answered with a redirect. Redirects are never followed: the API key must not
    /// go to another host, and a presigned URL's signature must not leak through `Referer`.
    #[error(
        "{url} answered {status} redirecting to {}; redirects are not followed",
        location.as_deref().unwrap_or("nowhere")
    )]
    #[non_exhaustive]
    Redirect {
        /// The URL that answered, with any query string redacted.
        url: String,
        /// The 3xx status.
        status: http::StatusCode,
        /// Where it pointed, with any query string redacted, escaped and cut like any text
        /// from a server.
        location: Option<String>,
    },
    /// A successful answer was longer than the limit (4 MiB for the API's answers); the
    /// rest was not read. (An error answer is read up to 64 KiB and stays an
    /// [`Error::Api`].)
    #[error("the answer from {url} is longer than the {limit}-byte limit")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The URL, with any query string redacted.
        url: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The API answered something the contract does not allow (fewer files than asked for,
    /// a missing `file_url`, a body that is not the documented JSON).
    #[error(
        "invalid response from the API to {operation}: {}",
        display::message(message)
    )]
    #[non_exhaustive]
    InvalidResponse {
        /// The call, as its `operationId`: `post_files`, `list_files`, …
        operation: &'static str,
        /// What was wrong with the answer (with the start of its body, when that helps).
        message: String,
    },
    /// A local file could not be used.
    #[error("{}: {}", display::path(path), display::message(&source.to_string()))]
    #[non_exhaustive]
    LocalFile {
        /// The path as the caller gave it.
        path: PathBuf,
        /// Why it could not be used.
        #[source]
        source: std::io::Error,
    },
    /// The upload's journal could not be read or written (see
    /// [`UploadOptions::journal`](crate::UploadOptions::journal)).
    #[error("the upload journal failed")]
    Journal(#[source] std::io::Error),
    /// Some paths given to an upload cannot be uploaded; nothing was sent.
    #[error(transparent)]
    Plan(PlanError),
    /// The client or an option is misconfigured; nothing was sent.
    #[error("{0}")]
    Config(String),
    /// A task of this crate panicked or was aborted: a bug in this crate, not in the
    /// configuration or the input. Please report it with the message.
    #[error("internal error: {message} (a bug in aymara; please report it)")]
    #[non_exhaustive]
    Internal {
        /// What failed, and the task's own message.
        message: String,
    },
    /// The whole operation's deadline passed before it finished.
    #[error("gave up: the {} deadline passed", secs(*deadline))]
    #[non_exhaustive]
    DeadlineExceeded {
        /// The deadline that was set.
        deadline: Duration,
    },
}

/// "60 s", "1.5 s".
fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

impl Error {
    /// The HTTP status, for errors that came with one.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Storage(e) => Some(e.status()),
            Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request id the API gave this error, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            _ => None,
        }
    }

    /// Whether the retry policy treats this error as transient.
    pub fn is_retryable(&self) -> bool {
        self.retry_hint().retryable
    }

    /// Whether a connection failure or a timeout: the server may be unreachable.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Error::Connection { .. } | Error::Timeout { .. })
    }

    pub(crate) fn retry_hint(&self) -> RetryHint {
        match self {
            Error::Api(e) => e.retry,
            Error::Storage(e) => e.retry,
            Error::Connection { .. } => RetryHint::transient(),
            Error::Timeout { .. } => RetryHint::timeout(),
            _ => RetryHint::permanent(),
        }
    }

    pub(crate) fn invalid_response(operation: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidResponse {
            operation,
            message: message.into(),
        }
    }

    /// A task that panicked or was aborted while doing `what`.
    pub(crate) fn internal(what: &str, join: tokio::task::JoinError) -> Self {
        Error::Internal {
            message: format!("{what}: {join}"),
        }
    }

    pub(crate) fn local_file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::LocalFile {
            path: path.into(),
            source,
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        Error::Storage(Box::new(error))
    }
}

impl From<PlanError> for Error {
    fn from(error: PlanError) -> Self {
        Error::Plan(error)
    }
}

/// One path that failed planning.
#[derive(Debug)]
pub struct PlanProblem {
    index: usize,
    path: PathBuf,
    error: Error,
}

impl PlanProblem {
    /// A problem with the path at `index` of the input.
    pub fn new(index: usize, path: impl Into<PathBuf>, error: Error) -> Self {
        Self {
            index,
            path: path.into(),
            error,
        }
    }

    /// Position in the paths given.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why it cannot be uploaded (usually [`Error::LocalFile`], naming the path).
    pub fn error(&self) -> &Error {
        &self.error
    }

    pub(crate) fn into_parts(self) -> (usize, PathBuf, Error) {
        (self.index, self.path, self.error)
    }
}

/// Every path of an upload that cannot be uploaded (missing, unreadable, not a regular
/// file, a name that cannot be sent as UTF-8, over the 5 GiB single-transfer limit). Planning
/// opens every path before any request, so when this is returned nothing was sent.
#[derive(Debug)]
pub struct PlanError {
    problems: Vec<PlanProblem>,
}

impl PlanError {
    /// The problems, in input order. Never empty.
    pub fn problems(&self) -> &[PlanProblem] {
        &self.problems
    }

    /// Builds one from its problems (for tests of code that handles it).
    pub fn new(problems: Vec<PlanProblem>) -> Self {
        Self { problems }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}", one.error),
            [first, rest @ ..] => write!(
                f,
                "{} paths cannot be uploaded, among them {}: {}",
                rest.len() + 1,
                display::path(&first.path),
                first.error
            ),
            [] => f.write_str("no paths to upload"),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.problems
            .first()
            .map(|p| &p.error as &(dyn std::error::Error + 'static))
    }
}
