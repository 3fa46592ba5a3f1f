//! The API's error answers: the spec's envelope
//! `{"error": {"code", "message", "details"}, "request_id"}`, with the id also sent as
//! `x-request-id` (by the middleware).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::RequestId;

/// Every error the API answers.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 401 `auth.invalid_key`: no usable `x-api-key`.
    InvalidKey,
    /// 422 `validation.invalid_format`: the body is not the JSON (or form) expected.
    InvalidFormat { message: String, details: Value },
    /// 400 `validation.invalid_format`: the body could not be read at all.
    UnreadableBody,
    /// 400 `validation.invalid_format`: the body stopped arriving before its end.
    BodyStalled,
    /// 422 `validation.invalid_request`: a field's value is refused.
    InvalidRequest(Invalid),
    /// 404 `resource.not_found`.
    NotFound { message: String },
    /// 409 `resource.conflict`: not possible in the resource's current state.
    Conflict { message: String, details: Value },
    /// 429 `quota.limit_exceeded`, with `Retry-After` in whole seconds.
    RateLimited { retry_after_secs: u64 },
    /// 503 `server.internal_error`: the injected outage.
    Unavailable,
    /// 500 `server.internal_error`.
    Internal { message: String },
}

/// A 422 `validation.invalid_request` naming the field at fault, as FastAPI-style services
/// do; `extra` adds details beside `field` (a limit, what was received).
#[derive(Debug)]
pub(crate) struct Invalid {
    pub(crate) field: String,
    pub(crate) message: String,
    pub(crate) extra: Map<String, Value>,
}

impl Invalid {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// Adds `key: value` to the details.
    pub(crate) fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
}

/// The records could not be read or written: logged, and answered as the service's 500.
impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        tracing::warn!(error = %e, "api: the records failed");
        ApiError::Internal {
            message: "the emulator could not read or write its records".to_owned(),
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::InvalidRequest(invalid)
    }
}

impl ApiError {
    /// 404 `resource.not_found` for a file uuid that names no live file.
    pub(crate) fn no_file(file_uuid: &str) -> Self {
        // Echo at most a uuid's worth of what the client sent.
        let shown: String = file_uuid.chars().take(36).collect();
        ApiError::NotFound {
            message: format!("no file with uuid {shown:?}"),
        }
    }

    /// A 422 `validation.invalid_format` naming `field`.
    pub(crate) fn format(field: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidFormat {
            message: message.into(),
            details: json!({"field": field}),
        }
    }

    fn parts(self) -> (StatusCode, &'static str, String, Value) {
        match self {
            ApiError::InvalidKey => (
                StatusCode::UNAUTHORIZED,
                "auth.invalid_key",
                "missing or invalid API key in the x-api-key header".to_owned(),
                json!({}),
            ),
            ApiError::InvalidFormat { message, details } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation.invalid_format",
                message,
                details,
            ),
            ApiError::UnreadableBody => (
                StatusCode::BAD_REQUEST,
                "validation.invalid_format",
                "the request body could not be read".to_owned(),
                json!({"field": "body"}),
            ),
            ApiError::BodyStalled => (
                StatusCode::BAD_REQUEST,
                "validation.invalid_format",
                "the request body stopped arriving before its end".to_owned(),
                json!({"field": "body"}),
            ),
            ApiError::InvalidRequest(invalid) => {
                let mut details = Map::new();
                details.insert("field".to_owned(), Value::String(invalid.field));
                details.extend(invalid.extra);
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation.invalid_request",
                    invalid.message,
                    Value::Object(details),
                )
            }
            ApiError::NotFound { message } => (
                StatusCode::NOT_FOUND,
                "resource.not_found",
                message,
                json!({}),
            ),
            ApiError::Conflict { message, details } => {
                (StatusCode::CONFLICT, "resource.conflict", message, details)
            }
            ApiError::RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "quota.limit_exceeded",
                "rate limit exceeded; retry later".to_owned(),
                json!({"retry_after_seconds": retry_after_secs}),
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "server.internal_error",
                "the service is temporarily unavailable".to_owned(),
                json!({}),
            ),
            ApiError::Internal { message } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server.internal_error",
                message,
                json!({}),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A body cut off mid-way leaves the connection's framing unknown: close it.
        let close = matches!(self, ApiError::BodyStalled | ApiError::UnreadableBody);
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let (status, code, message, details) = self.parts();
        let body = json!({
            "error": {"code": code, "message": message, "details": details},
            "request_id": RequestId::current(),
        });
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}
