//! A successful API answer: the typed body, with the status, headers and request id.

use http::StatusCode;
use http::header::HeaderMap;

use crate::attempt::Answered;

/// A successful API answer: the typed body, plus the status, headers and request id.
#[derive(Debug, Clone)]
pub struct Response<T> {
    body: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    /// A fake answer, for tests of code that reads one.
    pub fn new(body: T, status: StatusCode, headers: HeaderMap) -> Self {
        Self {
            body,
            status,
            headers,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `x-request-id` header: quote it when asking Aymara about a call.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id")?.to_str().ok()
    }

    /// The typed body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The typed body, owned.
    pub fn into_inner(self) -> T {
        self.body
    }

    /// The same answer with its body changed.
    pub(crate) fn map<U>(self, change: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            body: change(self.body),
            status: self.status,
            headers: self.headers,
        }
    }
}

impl<T> Answered for Response<T> {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn request_id(&self) -> Option<&str> {
        Response::request_id(self)
    }
}
