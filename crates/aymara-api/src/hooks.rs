//! The hand-written `ClientHooks` for the generated client.
//!
//! - The client's [`ApiKey`] is added as `x-api-key` to each API request. It is not a
//!   default header of the `reqwest::Client`, so requests to other hosts made with the same
//!   connection pool (the presigned PUTs) never carry it.
//! - progenitor adds an `api-version` header carrying the spec's `info.version`. That is the
//!   version of our description document, not a header the service defines or negotiates,
//!   so it is removed before the request leaves.
//! - When a response body cannot be decoded (an HTML page from a proxy, an empty or
//!   truncated body), the generated error keeps only the bytes. [`capture_response_meta`]
//!   keeps the status and headers of the response as well, so callers can still say which
//!   status the server answered and with which request id.

use std::cell::RefCell;
use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::{ApiKey, Client, Error};

/// The status line and headers of the last HTTP response an operation received.
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    /// The HTTP status the server answered.
    pub status: StatusCode,
    /// The response headers (for example `x-request-id`, `retry-after`).
    pub headers: HeaderMap,
}

tokio::task_local! {
    static LAST_RESPONSE: RefCell<Option<ResponseMeta>>;
}

/// Runs `operation` (a `send()` of this crate's client) and returns its result together with
/// the status and headers of the HTTP response it received, if any was received.
pub async fn capture_response_meta<F: Future>(operation: F) -> (F::Output, Option<ResponseMeta>) {
    LAST_RESPONSE
        .scope(RefCell::new(None), async {
            let output = operation.await;
            let meta = LAST_RESPONSE.with(|cell| cell.borrow_mut().take());
            (output, meta)
        })
        .await
}

impl ClientHooks<ApiKey> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert("x-api-key", self.inner().header_value().clone());
        Ok(())
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Ok(response) = result {
            let meta = ResponseMeta {
                status: response.status(),
                headers: response.headers().clone(),
            };
            // Outside `capture_response_meta` there is nobody to tell; that is fine.
            let _ = LAST_RESPONSE.try_with(|cell| *cell.borrow_mut() = Some(meta));
        }
        Ok(())
    }
}
