//! The only place where the HTTP stack's and the generated client's errors become [`Error`]s.

use aymara_api::ResponseMeta;
use aymara_api::types::ErrorResponse;
use http::StatusCode;
use http::header::{HeaderMap, LOCATION};

use crate::error::hint;
use crate::error::{ApiError, Error, StorageError};
use aymara_text as display;

/// Longest part of an unexpected response body kept in an error, in bytes.
pub(crate) const BODY_SNIPPET_LIMIT: usize = 512;

/// The first [`BODY_SNIPPET_LIMIT`] bytes of a body, lossily decoded, cut at a character
/// boundary.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_SNIPPET_LIMIT)]);
    aymara_text::cut_at(&text, BODY_SNIPPET_LIMIT).0.to_owned()
}

/// Classifies a transport error from reqwest. The URL is passed in already redacted, and
/// reqwest's own copy of it is dropped so it can never be printed.
pub(crate) fn from_transport(
    err: reqwest::Error,
    redacted_url: String,
    limit: std::time::Duration,
) -> Error {
    let err = err.without_url();
    if err.is_timeout() {
        return Error::Timeout {
            url: redacted_url,
            after: limit,
        };
    }
    Error::Connection {
        url: redacted_url,
        source: Box::new(err),
    }
}

/// A 3xx: where it pointed, redacted, and cut like any text from a server.
fn redirect(status: StatusCode, headers: &HeaderMap, redacted_url: String) -> Error {
    let location = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|text| display::message(&display::url(text)));
    Error::Redirect {
        url: redacted_url,
        status,
        location,
    }
}

/// An error status from the API, with whatever body it came with.
pub(crate) fn from_api_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(envelope) => api_error(status, headers, Some(envelope), None),
        Err(_) => api_error(status, headers, None, Some(snippet(body))),
    }
}

/// A refused presigned transfer, with the store's XML error body if it sent one.
pub(crate) fn from_storage_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    redacted_url: String,
) -> Error {
    if status.is_redirection() {
        return redirect(status, headers, redacted_url);
    }
    let text = String::from_utf8_lossy(body);
    let mut error =
        StorageError::new(status, redacted_url).with_retry(hint::from_response(status, headers));
    if let Ok(doc) = roxmltree::Document::parse(&text) {
        let field = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .map(str::to_string)
        };
        if let Some(code) = field("Code") {
            error = error.with_code(code);
        }
        if let Some(message) = field("Message") {
            error = error.with_message(message);
        }
    }
    Error::from(error)
}

/// The one conversion from the generated client's error. `meta` is the status line and
/// headers of the response, when one arrived (see [`aymara_api::capture_response_meta`]);
/// `operation` is the call's `operationId`, `expected` names the body a success should have
/// carried, `limit` the time limit that applied.
pub(crate) async fn from_generated(
    err: aymara_api::Error<ErrorResponse>,
    meta: Option<ResponseMeta>,
    redacted_url: String,
    (operation, expected): (&'static str, &'static str),
    limit: std::time::Duration,
) -> Error {
    use aymara_api::Error as E;
    // A success too long to read is an error of its own. An error answer cut at its limit
    // stays what it is, an error status (retried or not as the status says), shown with the
    // start of its body.
    if let Some(meta) = &meta
        && meta.truncated
        && meta.status.is_success()
    {
        return Error::ResponseTooLarge {
            url: redacted_url,
            limit: aymara_api::API_BODY_LIMIT,
        };
    }
    match err {
        E::ErrorResponse(value) => {
            let (status, headers) = (value.status(), value.headers().clone());
            api_error(status, &headers, Some(value.into_inner()), None)
        }
        E::InvalidResponsePayload(body, cause) => match meta {
            Some(meta) if !meta.status.is_success() => {
                api_error(meta.status, &meta.headers, None, Some(snippet(&body)))
            }
            _ => Error::invalid_response(
                operation,
                format!(
                    "the answer is not a {expected} ({cause}): {}",
                    snippet(&body)
                ),
            ),
        },
        E::ResponseBodyError(cause) => match meta {
            Some(meta) if !meta.status.is_success() => {
                api_error(meta.status, &meta.headers, None, Some(String::new()))
            }
            _ => from_transport(cause, redacted_url, limit),
        },
        E::CommunicationError(cause) | E::InvalidUpgrade(cause) => {
            from_transport(cause, redacted_url, limit)
        }
        E::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            if status.is_redirection() {
                redirect(status, &headers, redacted_url)
            } else if status.is_success() {
                Error::invalid_response(
                    operation,
                    format!("unexpected status {}", super::api::status_line(status)),
                )
            } else {
                // The hooks already read the body, bounded; this only takes it.
                let body = response.bytes().await.unwrap_or_default();
                from_api_response(status, &headers, &body)
            }
        }
        E::InvalidRequest(message) => Error::Config(format!("invalid request: {message}")),
        E::Custom(message) => Error::invalid_response(operation, message),
    }
}

fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    envelope: Option<ErrorResponse>,
    body_snippet: Option<String>,
) -> Error {
    let mut error = ApiError::new(status).with_retry(hint::from_response(status, headers));
    let header_request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| !id.is_empty());
    let mut request_id = header_request_id.map(str::to_string);
    if let Some(envelope) = envelope {
        error = error
            .with_code(&envelope.error.code)
            .with_message(envelope.error.message);
        if let Some(details) = envelope.error.details {
            error = error.with_details(details);
        }
        if let Some(id) = envelope.request_id.filter(|id| !id.is_empty()) {
            request_id = Some(id);
        }
    }
    if let Some(snippet) = body_snippet {
        error = error.with_body_snippet(snippet);
    }
    if let Some(id) = request_id {
        error = error.with_request_id(id);
    }
    Error::from(error)
}
