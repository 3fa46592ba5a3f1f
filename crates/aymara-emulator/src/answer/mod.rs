//! Typed answers: the request id every answer carries, and the two error vocabularies,
//! the API's JSON envelope ([`ApiError`]) and the store's S3 XML ([`StoreError`]).
//!
//! Handlers return these instead of building bodies, so each status, code and message is
//! written once. The request id reaches them through a task-local set by the outermost
//! middleware, so an error can render its body wherever it is converted.

mod api_error;
mod store_error;

pub(crate) use api_error::{ApiError, Invalid};
pub(crate) use store_error::StoreError;

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: RequestId;
}

/// A request's id: `x-request-id` on its answer and `request_id` / `<RequestId>` in its
/// error body.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

impl RequestId {
    /// A fresh id.
    pub(crate) fn new() -> Self {
        RequestId(format!("req_{}", uuid::Uuid::new_v4().simple()))
    }

    /// Runs `future` (a request's handling) with `self` as the current request id.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        REQUEST_ID.scope(self, future).await
    }

    /// The id of the request being handled. Outside [`RequestId::scope`] (which the router
    /// never is) an empty string, rather than a panic.
    pub(crate) fn current() -> String {
        REQUEST_ID.try_with(|id| id.0.clone()).unwrap_or_default()
    }
}
