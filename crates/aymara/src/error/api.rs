//! [`ApiError`]: an error status from the API, with what its envelope said.

use std::fmt;

use http::StatusCode;
use serde_json::Value;

use crate::error::hint::{self, RetryHint};
use crate::unknown::UnknownValue;
use aymara_text as display;

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
        /// use, and [`ErrorCode::Unknown`] for any new one, so new codes never break
        /// decoding; read it with [`as_str`](ErrorCode::as_str).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
            /// A code this version of the SDK does not know.
            Unknown(UnknownValue),
        }

        impl ErrorCode {
            /// The code as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(code) => code.as_str(),
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(UnknownValue::new(other)),
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
        f.write_str(&display::message(self.as_str()))
    }
}

/// An error status from the API.
///
/// Build one with [`ApiError::new`] and the `with_*` methods to fake an API failure in
/// your own tests.
///
/// ```
/// let error = aymara::ApiError::new(http::StatusCode::UNAUTHORIZED)
///     .with_code("auth.invalid_key")
///     .with_message("bad key")
///     .with_request_id("req-1");
/// assert_eq!(error.kind(), aymara::ApiErrorKind::Authentication);
/// let error = aymara::Error::from(error);
/// assert!(error.to_string().contains("auth.invalid_key"));
/// ```
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Option<ErrorCode>,
    message: Option<String>,
    details: Option<Value>,
    request_id: Option<String>,
    body_snippet: Option<String>,
    pub(crate) retry: RetryHint,
}

impl ApiError {
    /// An error with this status and nothing else: retried or not as the official rule
    /// for the status says.
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            code: None,
            message: None,
            details: None,
            request_id: None,
            body_snippet: None,
            retry: hint::from_status(status),
        }
    }

    /// With `error.code`.
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(ErrorCode::from(code));
        self
    }

    /// With `error.message`.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// With `error.details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// With a request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// With the start of a body that was not the error envelope.
    pub fn with_body_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.body_snippet = Some(snippet.into());
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

    /// The documented status this is, or [`ApiErrorKind::Other`].
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.status)
    }

    /// `error.code`, when the body was the error envelope.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.code.as_ref()
    }

    /// `error.message`, when the body was the error envelope, as sent (at most 64 KiB of
    /// the body were read). Escape it before showing it; `Display` does.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// `error.details`, when the body was the error envelope and had them.
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }

    /// `request_id` from the body, else the `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// When the body was not the envelope: its first bytes (at most 512), lossily decoded.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", status_line(self.status))?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        match (&self.message, &self.body_snippet) {
            (Some(message), _) => write!(f, ": {}", display::message(message))?,
            (None, Some(snippet)) if snippet.trim().is_empty() => write!(f, ": empty body")?,
            (None, Some(snippet)) => write!(f, ": unexpected body: {}", display::message(snippet))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", display::message(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// "404 Not Found", or "599" for a status with no reason phrase.
pub(crate) fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}
