//! The store's error answers: S3's XML document
//! `<Error><Code/><Message/><RequestId/></Error>`, with `Connection: close` because the
//! body may be unread and the connection's framing can no longer be trusted.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::RequestId;

/// Every error the store answers, with S3's codes and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// 403: missing, wrong or tampered signature, or a signed header sent differently.
    SignatureDoesNotMatch,
    /// 403 `AccessDenied`: the URL's lifetime is over.
    Expired,
    /// 403: the URL names a key id this store does not know.
    InvalidAccessKeyId,
    /// 400 `AuthorizationQueryParametersError`: `X-Amz-Expires` over a week.
    ExpiresTooLong,
    /// 411: a chunked body, or none declared.
    MissingContentLength,
    /// 400 `InvalidArgument`: a `Content-Length` that is not a number.
    InvalidContentLength,
    /// 400: more than one PUT may carry.
    EntityTooLarge,
    /// 400: the body and its `Content-Length` disagree.
    IncompleteBody { received: u64, expected: u64 },
    /// 400 `RequestTimeout`: the body stopped arriving.
    RequestTimeout,
    /// 400: a key that is not `<org>/<file uuid>/<safe name>`.
    InvalidObjectName,
    /// 404: no object under that key.
    NoSuchKey,
    /// 405: a method the store does not serve at that path.
    MethodNotAllowed,
    /// 501: the store cannot do this (serve a body it discarded).
    NotImplemented,
    /// 503: too many PUTs in flight.
    SlowDown,
    /// 500: a fault, or the disk failed.
    Internal,
}

/// The records could not be read or written: logged, and answered as S3's opaque 500.
impl From<crate::db::DbError> for StoreError {
    fn from(e: crate::db::DbError) -> Self {
        tracing::warn!(error = %e, "store: the records failed");
        StoreError::Internal
    }
}

impl StoreError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            StoreError::SignatureDoesNotMatch => (
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided."
                    .to_owned(),
            ),
            StoreError::Expired => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired".to_owned(),
            ),
            StoreError::InvalidAccessKeyId => (
                StatusCode::FORBIDDEN,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.".to_owned(),
            ),
            StoreError::ExpiresTooLong => (
                StatusCode::BAD_REQUEST,
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is 604800".to_owned(),
            ),
            StoreError::MissingContentLength => (
                StatusCode::LENGTH_REQUIRED,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.".to_owned(),
            ),
            StoreError::InvalidContentLength => (
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "The Content-Length header is not a number.".to_owned(),
            ),
            StoreError::EntityTooLarge => (
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size.".to_owned(),
            ),
            StoreError::IncompleteBody { received, expected } => (
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                format!(
                    "You did not provide the number of bytes specified by the Content-Length HTTP header (got {received} of {expected})."
                ),
            ),
            StoreError::RequestTimeout => (
                StatusCode::BAD_REQUEST,
                "RequestTimeout",
                "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.".to_owned(),
            ),
            StoreError::InvalidObjectName => (
                StatusCode::BAD_REQUEST,
                "InvalidObjectName",
                "The object key must be <organization uuid>/<file uuid>/<one safe path component>.".to_owned(),
            ),
            StoreError::NoSuchKey => (
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.".to_owned(),
            ),
            StoreError::NotImplemented => (
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                "This emulator discards bodies, so it cannot serve them back.".to_owned(),
            ),
            StoreError::SlowDown => (
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Please reduce your request rate.".to_owned(),
            ),
            StoreError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.".to_owned(),
            ),
            StoreError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.".to_owned(),
            ),
        }
    }
}

impl IntoResponse for StoreError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            xml_escape(code),
            xml_escape(&message),
            xml_escape(&RequestId::current())
        );
        (
            status,
            [
                (header::CONTENT_TYPE, "application/xml"),
                (header::CONNECTION, "close"),
            ],
            body,
        )
            .into_response()
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
