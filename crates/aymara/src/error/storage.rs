//! [`StorageError`]: a presigned transfer the object store refused.

use std::fmt;

use http::StatusCode;

use crate::error::api::status_line;
use crate::error::hint::{self, RetryHint};
use aymara_text as display;

/// A presigned `PUT` the object store refused, with its XML error if it sent one.
///
/// Build one with [`StorageError::new`] to fake a store failure in your own tests.
///
/// ```
/// let error = aymara::StorageError::new(
///     http::StatusCode::FORBIDDEN,
///     "https://bucket.example/key?<redacted>",
/// )
/// .with_code("AccessDenied");
/// assert_eq!(error.code(), Some("AccessDenied"));
/// ```
#[derive(Debug, Clone)]
pub struct StorageError {
    status: StatusCode,
    code: Option<String>,
    message: Option<String>,
    url: String,
    pub(crate) retry: RetryHint,
}

impl StorageError {
    /// A refusal with this status, for the URL given (pass it with its query redacted).
    pub fn new(status: StatusCode, url: impl Into<String>) -> Self {
        Self {
            status,
            code: None,
            message: None,
            url: url.into(),
            retry: hint::from_status(status),
        }
    }

    /// With the store's `<Code>`.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// With the store's `<Message>`.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub(crate) fn with_retry(mut self, retry: RetryHint) -> Self {
        self.retry = retry;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The store's `<Code>` from an XML error body (`SignatureDoesNotMatch`, `AccessDenied`…).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The store's `<Message>`, if any, as sent.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The URL, with its query string (the signature) redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the store said the presigned URL has expired (403 `AccessDenied` with an
    /// expiry message, as S3 answers): a fresh presign fixes it.
    pub fn is_expired_url(&self) -> bool {
        self.status == StatusCode::FORBIDDEN
            && self.code.as_deref() == Some("AccessDenied")
            && self
                .message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("expired"))
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "storage refused PUT {}: {}",
            display::escape(&self.url),
            status_line(self.status)
        )?;
        if let Some(code) = &self.code {
            write!(f, " {}", display::message(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", display::message(message))?;
        }
        Ok(())
    }
}

impl std::error::Error for StorageError {}
