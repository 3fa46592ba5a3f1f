//! `client.files()`: the Files resource, and the one path every API call takes (retries,
//! time limit, bounded body, typed errors, request ids, tracing).

use std::future::Future;
use std::ops::Deref;
use std::path::PathBuf;
use std::time::Duration;

use aymara_api::types::ErrorResponse;
use http::StatusCode;
use http::header::HeaderMap;

use crate::attempt::{Answered, Attempt};
use crate::retry::RetryPolicy;
use crate::types::{CreateRequest, CreateResponse, FromGenerated};
use crate::upload::{Upload, UploadOptions};
use crate::{Client, Error, error, urls};

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
    pub fn into_inner(self) -> T {
        self.body
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
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

/// One API operation, for [`Files::call`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    /// The spec's `operationId`, as logged.
    pub id: &'static str,
    /// The schema a success carries, for the error when it does not.
    pub answer: &'static str,
    /// Retries for this call; `None` is the client's policy.
    pub retries: Option<u32>,
}

/// The Files API. Get one with [`Client::files`]; it holds a clone of the client, so it
/// (and an upload started from it) can move into a spawned task.
#[derive(Debug, Clone)]
pub struct Files {
    client: Client,
}

impl Files {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// `POST /v2/files`: asks for presigned URLs for the files named in `request`. Sends no
    /// bytes; see [`Files::upload`] for the whole job. Retried per the client's policy.
    pub async fn create(&self, request: &CreateRequest) -> Result<Response<CreateResponse>, Error> {
        self.create_with(request, None, |_, _, _| {}).await
    }

    /// [`Files::create`] with a retry count of its own, telling `on_retry` about retries.
    pub(crate) async fn create_with(
        &self,
        request: &CreateRequest,
        retries: Option<u32>,
        on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<Response<CreateResponse>, Error> {
        let body = request
            .to_generated()
            .map_err(|e| Error::Config(format!("invalid request: {e}")))?;
        let api = &self.client.inner.api;
        let operation = Operation {
            id: "post_files",
            answer: "FileUploadResponse",
            retries,
        };
        self.call(
            operation,
            || api.post_files().body(body.clone()).send(),
            on_retry,
        )
        .await
    }

    /// Uploads files: plans (opens every path first), presigns in batches, streams each file
    /// to its presigned URL with bounded concurrency and retries, and reports one outcome
    /// per path, in the order given.
    ///
    /// `.await` the returned [`Upload`] for the report, or [`Upload::start`] it for a handle
    /// that can be spawned, watched and cancelled. It fails as a whole for invalid options
    /// and for paths that cannot be uploaded ([`Error::Plan`], before any request); every
    /// other per-file problem (a refused batch, a failed transfer) is that file's outcome and
    /// never stops the others.
    pub fn upload<P: Into<PathBuf>>(
        &self,
        paths: impl IntoIterator<Item = P>,
        options: UploadOptions,
    ) -> Upload {
        Upload::new(
            self.client.clone(),
            paths.into_iter().map(Into::into).collect(),
            options,
        )
    }

    /// The one path of every API call: retried per the policy, each attempt under the
    /// client's time limit (reading the body included) with its answer bounded by the
    /// generated client's hooks, and every failure converted to [`Error`] in one place.
    pub(crate) async fn call<G, T, Fut>(
        &self,
        operation: Operation,
        send: impl Fn() -> Fut,
        on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<Response<T>, Error>
    where
        Fut:
            Future<Output = Result<aymara_api::ResponseValue<G>, aymara_api::Error<ErrorResponse>>>,
        T: FromGenerated<G>,
    {
        let inner = &self.client.inner;
        let url = urls::redact(&inner.base_url);
        let policy = match operation.retries {
            Some(max_retries) => RetryPolicy { max_retries },
            None => inner.retry,
        };
        let once = |number| {
            let attempt = Attempt {
                operation: operation.id,
                number,
                url: &url,
                limit: inner.timeout,
                file_uuid: None,
            };
            attempt.run(async {
                let (result, meta) = aymara_api::capture_response_meta(send()).await;
                match result {
                    Ok(value) => Ok(Response {
                        status: value.status(),
                        headers: value.headers().clone(),
                        body: T::from_generated(value.into_inner()),
                    }),
                    Err(err) => Err(error::from_generated(
                        err,
                        meta,
                        url.clone(),
                        operation.answer,
                        inner.timeout,
                    )
                    .await),
                }
            })
        };
        policy
            .run(&inner.budget, operation.id, once, on_retry)
            .await
    }
}
