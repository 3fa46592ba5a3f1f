//! `client.files()`: the Files resource.

use std::ops::Deref;
use std::path::Path;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tracing::Instrument;

use crate::types::{FileUploadRequest, FileUploadResponse};
use crate::upload::{self, UploadOptions, UploadReport};
use crate::{Client, Error, urls};

/// A successful API answer: the typed body, plus the status, headers and request id.
#[derive(Debug, Clone)]
pub struct Response<T> {
    body: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
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

/// The Files API. Get one with [`Client::files`].
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    client: &'a Client,
}

impl<'a> Files<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `POST /v2/files`: asks for presigned URLs for the files named in `request`. Sends no
    /// bytes; see [`Files::upload`] for the whole job. Retried per the client's policy.
    pub async fn create(
        &self,
        request: &FileUploadRequest,
    ) -> Result<Response<FileUploadResponse>, Error> {
        let inner = &self.client.inner;
        inner
            .retry
            .run(
                |attempt| self.create_once(request, attempt),
                |attempt, error, delay| {
                    tracing::info!(
                        operation = "post_files",
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        %error,
                        "retrying"
                    );
                },
            )
            .await
    }

    async fn create_once(
        &self,
        request: &FileUploadRequest,
        attempt: u32,
    ) -> Result<Response<FileUploadResponse>, Error> {
        let inner = &self.client.inner;
        let span = tracing::debug_span!(
            "aymara.request",
            operation = "post_files",
            attempt,
            files = request.files.len(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        async {
            let send = inner.api.post_files().body(request.clone()).send();
            let timed = tokio::time::timeout(inner.timeout, send);
            let (result, meta) = aymara_api::capture_response_meta(timed).await;
            let url = urls::redact(&inner.base_url);
            let result = match result {
                Err(_elapsed) => Err(Error::Timeout { url }),
                Ok(Ok(value)) => Ok(Response {
                    status: value.status(),
                    headers: value.headers().clone(),
                    body: value.into_inner(),
                }),
                Ok(Err(err)) => Err(Error::from_generated(err, meta, url).await),
            };
            let span = tracing::Span::current();
            match &result {
                Ok(response) => {
                    span.record("status", response.status.as_u16());
                    if let Some(id) = response.request_id() {
                        span.record("request_id", id);
                    }
                    tracing::debug!("presigned");
                }
                Err(error) => {
                    if let Some(status) = error.status() {
                        span.record("status", status.as_u16());
                    }
                    if let Some(id) = error.request_id() {
                        span.record("request_id", id);
                    }
                    tracing::debug!(%error, "failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Uploads files: plans (stats every path first), presigns in batches, streams each
    /// file to its presigned URL with bounded concurrency and retries, and reports one
    /// outcome per path, in the order given.
    ///
    /// Fails as a whole only for invalid options; every per-file problem (a missing path,
    /// a refused batch, a failed transfer) is that file's outcome and never stops the others.
    pub async fn upload<P: AsRef<Path>>(
        &self,
        paths: impl IntoIterator<Item = P>,
        options: UploadOptions,
    ) -> Result<UploadReport, Error> {
        upload::run(self.client, paths, options).await
    }
}
