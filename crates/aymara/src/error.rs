//! The one error type users see, and the only place the generated client's errors are
//! converted into it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use aymara_api::ResponseMeta;
use aymara_api::types::ErrorResponse;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::retry::{self, RetryHint};

/// Longest part of an unexpected response body kept in an error, in bytes.
pub const BODY_SNIPPET_LIMIT: usize = 512;

/// Most of an error body read to look for an error envelope or XML code; the rest is
/// dropped unread so a huge error page cannot exhaust memory.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Reads at most `limit` bytes of a response body; a failure part-way keeps what arrived.
pub(crate) async fn read_bounded(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())])
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

/// Everything that can go wrong in this crate.
///
/// `Display` is one line meant for people; match on the variants (and on
/// [`ApiError::kind`]) to decide what to do. No variant ever contains the API key or the
/// query string of a presigned URL.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The object store refused a presigned `PUT`.
    #[error("{0}")]
    Storage(Box<StorageError>),
    /// The connection failed: refused, reset, TLS, DNS.
    #[error("connection to {url} failed: {message}")]
    Connection {
        /// The URL, with any query string redacted.
        url: String,
        /// What failed, from the HTTP stack's error chain.
        message: String,
    },
    /// No answer came in time.
    #[error("request to {url} timed out")]
    Timeout {
        /// The URL, with any query string redacted.
        url: String,
    },
    /// The API answered something the contract does not allow (fewer files than asked for,
    /// a missing `file_url`, a body that is not JSON).
    #[error("invalid response from the API: {0}")]
    InvalidResponse(String),
    /// A local file could not be used.
    #[error("{}: {source}", path.display())]
    LocalFile {
        /// The path as the caller gave it.
        path: PathBuf,
        /// Why it could not be used.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The client or an option is misconfigured; nothing was sent.
    #[error("{0}")]
    Config(String),
    /// The operation was cancelled before it finished.
    #[error("cancelled")]
    Cancelled,
}

/// Which documented status an [`ApiError`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400
    BadRequest,
    /// 401: the key is missing, invalid or expired.
    Authentication,
    /// 403
    PermissionDenied,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 422: the request failed validation.
    UnprocessableEntity,
    /// 429
    RateLimited,
    /// 500
    InternalServer,
    /// 503
    ServiceUnavailable,
    /// Any status the contract does not document (a 502 from a proxy, say).
    Other,
}

impl ApiErrorKind {
    /// The kind for an HTTP status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::UnprocessableEntity,
            429 => Self::RateLimited,
            500 => Self::InternalServer,
            503 => Self::ServiceUnavailable,
            _ => Self::Other,
        }
    }
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal, $doc:literal;)*) => {
        /// The `error.code` of the API's error envelope: the codes the service is known to
        /// use, and [`ErrorCode::Other`] for any new one, so new codes never break decoding.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
            /// A code this version of the SDK does not know.
            Other(String),
        }

        impl ErrorCode {
            /// The code as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(code) => code,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Other(other.to_string()),
                }
            }
        }
    };
}

error_codes! {
    AuthExpiredKey => "auth.expired_key", "`auth.expired_key`";
    AuthInsufficientPermissions => "auth.insufficient_permissions", "`auth.insufficient_permissions`";
    AuthInvalidKey => "auth.invalid_key", "`auth.invalid_key`";
    QuotaLimitExceeded => "quota.limit_exceeded", "`quota.limit_exceeded`";
    ResourceConflict => "resource.conflict", "`resource.conflict`";
    ResourceNotFound => "resource.not_found", "`resource.not_found`";
    ServerInternalError => "server.internal_error", "`server.internal_error`";
    ValidationInvalidFormat => "validation.invalid_format", "`validation.invalid_format`";
    ValidationInvalidRequest => "validation.invalid_request", "`validation.invalid_request`";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error status from the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The documented status this is, or [`ApiErrorKind::Other`].
    pub kind: ApiErrorKind,
    /// `error.code`, when the body was the error envelope.
    pub code: Option<ErrorCode>,
    /// `error.message`, when the body was the error envelope.
    pub message: Option<String>,
    /// `error.details`, when the body was the error envelope and had them.
    pub details: Option<Value>,
    /// `request_id` from the body, else the `x-request-id` header.
    pub request_id: Option<String>,
    /// When the body was not the envelope: its first bytes (at most
    /// [`BODY_SNIPPET_LIMIT`]), lossily decoded.
    pub body_snippet: Option<String>,
    pub(crate) retry: RetryHint,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", status_line(self.status))?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        match (&self.message, &self.body_snippet) {
            (Some(message), _) => write!(f, ": {}", one_line(message))?,
            (None, Some(snippet)) if snippet.trim().is_empty() => write!(f, ": empty body")?,
            (None, Some(snippet)) => write!(f, ": unexpected body: {}", one_line(snippet))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// A presigned `PUT` the object store refused.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StorageError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The store's `<Code>` from an XML error body (`SignatureDoesNotMatch`, `AccessDenied`…).
    pub code: Option<String>,
    /// The store's `<Message>`, if any.
    pub message: Option<String>,
    /// The URL, with its query string (the signature) redacted.
    pub url: String,
    pub(crate) retry: RetryHint,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "storage refused PUT {}: {}",
            self.url,
            status_line(self.status)
        )?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", one_line(message))?;
        }
        Ok(())
    }
}

fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// Folds a message onto one line so `Display` stays one line whatever the server sent.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first [`BODY_SNIPPET_LIMIT`] bytes of a body, cut at a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_SNIPPET_LIMIT)]);
    let mut text = text.into_owned();
    while text.len() > BODY_SNIPPET_LIMIT {
        text.pop();
    }
    text
}

impl Error {
    /// The HTTP status, for errors that came with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Storage(e) => Some(e.status),
            _ => None,
        }
    }

    /// The request id the API gave this error, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the retry policy treats this error as transient.
    pub fn is_retryable(&self) -> bool {
        self.retry_hint().retryable
    }

    pub(crate) fn retry_hint(&self) -> RetryHint {
        match self {
            Error::Api(e) => e.retry,
            Error::Storage(e) => e.retry,
            Error::Connection { .. } | Error::Timeout { .. } => RetryHint::transient(),
            _ => RetryHint::permanent(),
        }
    }

    pub(crate) fn local_file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::LocalFile {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// An error status from the API, with whatever body it came with.
    pub(crate) fn from_api_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorResponse>(body) {
            Ok(envelope) => api_error(status, headers, Some(envelope), None),
            Err(_) => api_error(status, headers, None, Some(snippet(body))),
        }
    }

    /// A refused presigned `PUT`, with the store's XML error body if it sent one.
    pub(crate) fn from_storage_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        redacted_url: String,
    ) -> Self {
        let text = String::from_utf8_lossy(body);
        let (code, message) = match roxmltree::Document::parse(&text) {
            Ok(doc) => {
                let field = |name: &str| {
                    doc.descendants()
                        .find(|n| n.has_tag_name(name))
                        .and_then(|n| n.text())
                        .map(str::to_string)
                };
                (field("Code"), field("Message"))
            }
            Err(_) => (None, None),
        };
        Error::Storage(Box::new(StorageError {
            status,
            code,
            message,
            url: redacted_url,
            retry: retry::hint_from_response(status, headers),
        }))
    }

    /// Classifies a transport error from reqwest. The URL is passed in already redacted,
    /// and reqwest's own copy of it is never printed.
    pub(crate) fn from_transport(err: reqwest::Error, redacted_url: String) -> Self {
        let err = err.without_url();
        if err.is_timeout() {
            return Error::Timeout { url: redacted_url };
        }
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Error::Connection {
            url: redacted_url,
            message,
        }
    }

    /// The one conversion from the generated client's error. `meta` is the status line and
    /// headers of the response, when one arrived (see [`aymara_api::capture_response_meta`]).
    pub(crate) async fn from_generated(
        err: aymara_api::Error<ErrorResponse>,
        meta: Option<ResponseMeta>,
        redacted_url: String,
    ) -> Self {
        use aymara_api::Error as E;
        match err {
            E::ErrorResponse(value) => {
                let (status, headers) = (value.status(), value.headers().clone());
                api_error(status, &headers, Some(value.into_inner()), None)
            }
            E::InvalidResponsePayload(body, cause) => match meta {
                Some(meta) if !meta.status.is_success() => {
                    api_error(meta.status, &meta.headers, None, Some(snippet(&body)))
                }
                _ => Error::InvalidResponse(format!(
                    "the answer is not a FileUploadResponse ({cause}): {}",
                    one_line(&snippet(&body))
                )),
            },
            E::ResponseBodyError(cause) => match meta {
                Some(meta) if !meta.status.is_success() => {
                    api_error(meta.status, &meta.headers, None, Some(String::new()))
                }
                _ => Error::from_transport(cause, redacted_url),
            },
            E::CommunicationError(cause) | E::InvalidUpgrade(cause) => {
                Error::from_transport(cause, redacted_url)
            }
            E::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = read_bounded(response, ERROR_BODY_LIMIT).await;
                if status.is_success() {
                    Error::InvalidResponse(format!("unexpected status {}", status_line(status)))
                } else {
                    Error::from_api_response(status, &headers, &body)
                }
            }
            E::InvalidRequest(message) => Error::Config(format!("invalid request: {message}")),
            E::Custom(message) => Error::InvalidResponse(message),
        }
    }
}

fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    envelope: Option<ErrorResponse>,
    body_snippet: Option<String>,
) -> Error {
    let header_request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (code, message, details, body_request_id) = match envelope {
        Some(ErrorResponse { error, request_id }) => (
            Some(ErrorCode::from(error.code.as_str())),
            Some(error.message),
            error.details,
            request_id.filter(|id| !id.is_empty()),
        ),
        None => (None, None, None, None),
    };
    Error::Api(Box::new(ApiError {
        status,
        kind: ApiErrorKind::from_status(status),
        code,
        message,
        details,
        request_id: body_request_id.or(header_request_id),
        body_snippet,
        retry: retry::hint_from_response(status, headers),
    }))
}
