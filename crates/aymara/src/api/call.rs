//! The one path every API call takes (retries, time limit, bounded answer, typed errors,
//! request ids, tracing), and the calls of the Files resource made through it.
//!
//! [`Api`] is what a client's clones share. [`Files`](crate::Files) is its public face;
//! the upload and the list reach the calls here directly.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use std::num::NonZeroU64;

use aymara_api::types::{ErrorResponse, FileTypeFilter};
use url::Url;

use crate::api::response::Response;
use crate::attempt::{Answered, Attempt};
use crate::retry::{Retries, RetryBudget, RetryPolicy};
use crate::types::{
    CreateRequest, CreateResponse, FileDetail, FileFrames, FilePage, FileStatus, FromGenerated,
};
use crate::{Error, error};

/// What every clone of a client shares; cheap to clone.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base_url", &self.inner.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// The client's configuration and connections.
pub(crate) struct Inner {
    /// The generated client, which sends the key, to the API only.
    pub(crate) generated: aymara_api::Client,
    /// For presigned PUTs, without the key: a pool of its own (with a custom client, the
    /// same pool as `generated`). In production the store is another host anyway; when both
    /// are one host (the emulator), transfers then never reuse a connection whose read
    /// buffer grew to hold a presign answer.
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
}

/// One API operation, for [`Api::call`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    /// The spec's `operationId`, as logged.
    pub id: &'static str,
    /// The schema a success carries, for the error when it does not.
    pub answer: &'static str,
    /// Retries for this call; `None` is the client's policy.
    pub retries: Option<u32>,
}

impl Operation {
    /// `id`, answering `answer`, retried per the client's policy.
    pub(crate) fn new(id: &'static str, answer: &'static str) -> Self {
        Self {
            id,
            answer,
            retries: None,
        }
    }
}

/// A file uuid as given for a path segment: refused when empty, which would name another
/// resource.
fn checked_uuid(file_uuid: &str) -> Result<&str, Error> {
    if file_uuid.trim().is_empty() {
        return Err(Error::Config("the file uuid is empty".into()));
    }
    Ok(file_uuid)
}

impl Api {
    pub(crate) fn new(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// `POST /v2/files`, with a retry count of its own (`None`: the client's), telling
    /// `on_retry` about retries.
    pub(crate) async fn create_with(
        &self,
        request: &CreateRequest,
        retries: Option<u32>,
        on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<Response<CreateResponse>, Error> {
        let body = request
            .to_generated()
            .map_err(|e| Error::Config(format!("invalid request: {e}")))?;
        let api = &self.inner.generated;
        let operation = Operation {
            retries,
            ..Operation::new("post_files", "FileUploadResponse")
        };
        self.call(
            operation,
            || api.post_files().body(body.clone()).send(),
            on_retry,
        )
        .await
    }

    /// `GET /v2/files/{file_uuid}`: what the service holds for a file, with a presigned
    /// `file_url` to download it.
    pub(crate) async fn get(&self, file_uuid: &str) -> Result<Response<FileDetail>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.inner.generated;
        let operation = Operation::new("get_file", "FileDetail");
        self.call(
            operation,
            || api.get_file().file_uuid(uuid).send(),
            |_, _, _| {},
        )
        .await
    }

    /// `DELETE /v2/files/{file_uuid}`: deletes a file (204). Later calls for it answer 404,
    /// as does deleting it again.
    pub(crate) async fn delete(&self, file_uuid: &str) -> Result<Response<()>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.inner.generated;
        let operation = Operation::new("delete_file", "an empty 204");
        self.call(
            operation,
            || api.delete_file().file_uuid(uuid).send(),
            |_, _, _| {},
        )
        .await
    }

    /// `GET /v2/files/{file_uuid}/status`: where the file's processing stands. See
    /// [`Files::wait_for_processing`] to wait for the end.
    pub(crate) async fn status(&self, file_uuid: &str) -> Result<Response<FileStatus>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.inner.generated;
        let operation = Operation::new("get_file_status", "FileStatus");
        self.call(
            operation,
            || api.get_file_status().file_uuid(uuid).send(),
            |_, _, _| {},
        )
        .await
    }

    /// `GET /v2/files/{file_uuid}/frames`: a processed video's frames. A video still
    /// processing is a 409 ([`ApiErrorKind::Conflict`](crate::ApiErrorKind::Conflict));
    /// anything but a completed video is an error.
    pub(crate) async fn frames(&self, file_uuid: &str) -> Result<Response<FileFrames>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.inner.generated;
        let operation = Operation::new("get_file_frames", "FileFrames");
        self.call(
            operation,
            || api.get_file_frames().file_uuid(uuid).send(),
            |_, _, _| {},
        )
        .await
    }

    /// `GET /v2/files`: one page, `limit` files after `offset`, of the files matching the
    /// filters.
    pub(crate) async fn list_page(
        &self,
        workspace_uuid: Option<&str>,
        file_type: Option<FileTypeFilter>,
        limit: NonZeroU64,
        offset: u64,
    ) -> Result<Response<FilePage>, Error> {
        let api = &self.inner.generated;
        let operation = Operation::new("list_files", "FileListResponse");
        let send = || {
            let mut call = api.list_files().offset(offset).limit(limit);
            if let Some(uuid) = workspace_uuid {
                call = call.workspace_uuid(uuid.to_owned());
            }
            if let Some(kind) = file_type {
                call = call.file_type(kind);
            }
            call.send()
        };
        let response: Response<FilePage> = self.call(operation, send, |_, _, _| {}).await?;
        Ok(response.map(|page| page.with_offset(offset)))
    }

    /// The one path of every API call made through the generated client: see
    /// [`Api::attempts`] and [`Api::exchange`].
    pub(crate) async fn call<G, T, Fut>(
        &self,
        operation: Operation,
        send: impl Fn() -> Fut,
        on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<Response<T>, Error>
    where
        Fut: Future<Output = Generated<G>>,
        T: FromGenerated<G>,
    {
        let limit = self.inner.timeout;
        self.attempts(operation, limit, on_retry, || {
            self.exchange(operation, send())
        })
        .await
    }

    /// [`Api::call`] for a request built by hand (the multipart upload, which the
    /// generator cannot describe): `build` makes each attempt's request afresh (reopening
    /// what it sends), and the request goes through the generated client's hooks
    /// ([`aymara_api::Client::send_hand_built`]), so the key, the bounded body, the retries
    /// and the error conversion are the same. `limit` is each attempt's time limit.
    pub(crate) async fn call_hand_built<G, T, Fut>(
        &self,
        operation: Operation,
        limit: Duration,
        build: impl Fn() -> Fut,
        on_retry: impl FnMut(u32, &Error, Duration),
    ) -> Result<Response<T>, Error>
    where
        Fut: Future<Output = Result<reqwest::Request, Error>>,
        G: serde::de::DeserializeOwned,
        T: FromGenerated<G>,
    {
        let api = &self.inner.generated;
        let once = || async {
            let request = build().await?;
            self.exchange(operation, api.send_hand_built::<G>(request, operation.id))
                .await
        };
        self.attempts(operation, limit, on_retry, once).await
    }

    /// The retries of every API call: per the policy and the client-wide budget, each
    /// attempt under its tracing span and within `limit`, reading the answer included.
    /// `on_retry` hears of each retry: the attempt about to start, why, and the wait first.
    async fn attempts<T, Fut>(
        &self,
        operation: Operation,
        limit: Duration,
        mut on_retry: impl FnMut(u32, &Error, Duration),
        once: impl Fn() -> Fut,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, Error>>,
        T: Answered,
    {
        let inner = &self.inner;
        let url = aymara_text::redact_url(&inner.base_url);
        let policy = match operation.retries {
            Some(max_retries) => RetryPolicy { max_retries },
            None => inner.retry,
        };
        let mut retries = Retries::new(policy, &inner.budget, operation.id);
        loop {
            let attempt = Attempt {
                operation: operation.id,
                number: retries.attempt(),
                url: &url,
                limit: Some(limit),
                file_uuid: None,
            };
            let error = match attempt.run(once()).await {
                Ok(answer) => {
                    retries.succeeded();
                    return Ok(answer);
                }
                Err(error) => error,
            };
            let Some(delay) = retries.next_delay(&error) else {
                return Err(error);
            };
            on_retry(retries.attempt(), &error, delay);
            tokio::time::sleep(delay).await;
        }
    }

    /// One exchange through the generated client (its hooks bound the answer), and its
    /// result as this crate's types: every failure converted to [`Error`] in one place.
    async fn exchange<G, T>(
        &self,
        operation: Operation,
        sent: impl Future<Output = Generated<G>>,
    ) -> Result<Response<T>, Error>
    where
        T: FromGenerated<G>,
    {
        let inner = &self.inner;
        let (result, meta) = aymara_api::capture_response_meta(sent).await;
        match result {
            Ok(value) => {
                let (status, headers) = (value.status(), value.headers().clone());
                Ok(Response::new(
                    T::from_generated(value.into_inner()),
                    status,
                    headers,
                ))
            }
            Err(err) => Err(error::from_generated(
                err,
                meta,
                aymara_text::redact_url(&inner.base_url),
                (operation.id, operation.answer),
                inner.timeout,
            )
            .await),
        }
    }
}

/// What a generated operation's `send()` gives.
type Generated<G> = Result<aymara_api::ResponseValue<G>, aymara_api::Error<ErrorResponse>>;
