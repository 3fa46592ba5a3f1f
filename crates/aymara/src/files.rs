//! `client.files()`: the Files resource, and the one path every API call takes (retries,
//! time limit, bounded body, typed errors, request ids, tracing).

mod direct;
mod list;
mod wait;

use std::future::Future;
use std::ops::Deref;
use std::path::PathBuf;
use std::time::Duration;

use aymara_api::types::ErrorResponse;
use http::StatusCode;
use http::header::HeaderMap;

pub use direct::DirectUpload;
pub use list::{FileList, ListOptions, MAX_PAGE_SIZE};
pub use wait::{DEFAULT_WAIT_DEADLINE, WaitOptions, WaitOutcome};

use crate::attempt::{Answered, Attempt};
use crate::retry::RetryPolicy;
use crate::types::{
    CreateRequest, CreateResponse, FileDetail, FileFrames, FilePage, FileStatus, FromGenerated,
};
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

    /// The same answer with its body changed.
    pub(crate) fn map<U>(self, change: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            body: change(self.body),
            status: self.status,
            headers: self.headers,
        }
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

/// The Files API. Get one with [`Client::files`]; it holds a clone of the client, so it
/// (and an upload started from it) can move into a spawned task.
#[derive(Debug, Clone)]
pub struct Files {
    pub(crate) client: Client,
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
    pub async fn get(&self, file_uuid: &str) -> Result<Response<FileDetail>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.client.inner.api;
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
    pub async fn delete(&self, file_uuid: &str) -> Result<Response<()>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.client.inner.api;
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
    pub async fn status(&self, file_uuid: &str) -> Result<Response<FileStatus>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.client.inner.api;
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
    pub async fn frames(&self, file_uuid: &str) -> Result<Response<FileFrames>, Error> {
        let uuid = checked_uuid(file_uuid)?;
        let api = &self.client.inner.api;
        let operation = Operation::new("get_file_frames", "FileFrames");
        self.call(
            operation,
            || api.get_file_frames().file_uuid(uuid).send(),
            |_, _, _| {},
        )
        .await
    }

    /// Every file matching `options`, as a `Stream` that fetches pages as it is read (see
    /// [`FileList`]).
    ///
    /// ```no_run
    /// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
    /// use aymara::ListOptions;
    /// use aymara::types::FileType;
    ///
    /// let mut files = client.files().list(ListOptions::new().file_type(FileType::Video));
    /// while let Some(file) = files.next_file().await {
    ///     let file = file?;
    ///     println!("{} {}", file.file_uuid(), file.remote_file_path());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, options: ListOptions) -> FileList {
        FileList::new(self.clone(), options)
    }

    /// `GET /v2/files`: one page of the files matching `options`, skipping `offset` of
    /// them. [`Files::list`] walks every page.
    pub async fn list_page(
        &self,
        options: &ListOptions,
        offset: u64,
    ) -> Result<Response<FilePage>, Error> {
        let query = options.to_query()?;
        let api = &self.client.inner.api;
        let operation = Operation::new("list_files", "FileListResponse");
        let send = || {
            let mut call = api.list_files().offset(offset).limit(query.limit);
            if let Some(uuid) = &query.workspace_uuid {
                call = call.workspace_uuid(uuid.clone());
            }
            if let Some(kind) = query.file_type {
                call = call.file_type(kind);
            }
            call.send()
        };
        let response: Response<FilePage> = self.call(operation, send, |_, _, _| {}).await?;
        Ok(response.map(|page| page.with_offset(offset)))
    }

    /// Polls the file's status until processing is `completed` or `failed`, backing off
    /// between polls, within the options' deadline. The outcome says which, or that the
    /// deadline passed and what the status was then; an API error (after the usual
    /// retries; a 404 for an unknown file) ends the wait as an `Err`.
    ///
    /// ```no_run
    /// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
    /// use std::time::Duration;
    /// use aymara::{WaitOptions, WaitOutcome};
    ///
    /// let options = WaitOptions::new().deadline(Duration::from_secs(120));
    /// match client.files().wait_for_processing("0b5c…", options).await? {
    ///     WaitOutcome::Completed(status) => println!("ready: {:?}", status.remote_file_path()),
    ///     other => eprintln!("not ready: {other}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_processing(
        &self,
        file_uuid: &str,
        options: WaitOptions,
    ) -> Result<WaitOutcome, Error> {
        wait::wait_for_processing(self, file_uuid, options).await
    }

    /// `POST /v2/files/-/uploads`: uploads one file in the request itself
    /// (`multipart/form-data`), streamed from disk, instead of through a presigned URL.
    /// `.await` the returned [`DirectUpload`] (after setting its options) for the service's
    /// answer. For many files, [`Files::upload`] is faster.
    ///
    /// ```no_run
    /// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
    /// let answer = client.files().upload_direct("data/cat.png").await?;
    /// println!("{:?} {:?}", answer.file_uuid(), answer.processing_status());
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_direct(&self, path: impl Into<PathBuf>) -> DirectUpload {
        DirectUpload::new(self.clone(), path.into())
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

    /// The one path of every API call made through the generated client: see
    /// [`Files::attempts`] and [`Files::exchange`].
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
        let limit = self.client.inner.timeout;
        self.attempts(operation, limit, on_retry, || {
            self.exchange(operation, send())
        })
        .await
    }

    /// [`Files::call`] for a request built by hand (the multipart upload, which the
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
        let api = &self.client.inner.api;
        let once = || async {
            let request = build().await?;
            self.exchange(operation, api.send_hand_built::<G>(request, operation.id))
                .await
        };
        self.attempts(operation, limit, on_retry, once).await
    }

    /// The retries of every API call: per the policy and the client-wide budget, each
    /// attempt under its tracing span and within `limit`, reading the answer included.
    async fn attempts<T, Fut>(
        &self,
        operation: Operation,
        limit: Duration,
        on_retry: impl FnMut(u32, &Error, Duration),
        once: impl Fn() -> Fut,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, Error>>,
        T: Answered,
    {
        let inner = &self.client.inner;
        let url = urls::redact(&inner.base_url);
        let policy = match operation.retries {
            Some(max_retries) => RetryPolicy { max_retries },
            None => inner.retry,
        };
        let attempt = |number| {
            Attempt {
                operation: operation.id,
                number,
                url: &url,
                limit,
                file_uuid: None,
            }
            .run(once())
        };
        policy
            .run(&inner.budget, operation.id, attempt, on_retry)
            .await
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
        let inner = &self.client.inner;
        let (result, meta) = aymara_api::capture_response_meta(sent).await;
        match result {
            Ok(value) => Ok(Response {
                status: value.status(),
                headers: value.headers().clone(),
                body: T::from_generated(value.into_inner()),
            }),
            Err(err) => Err(error::from_generated(
                err,
                meta,
                urls::redact(&inner.base_url),
                operation.answer,
                inner.timeout,
            )
            .await),
        }
    }
}

/// What a generated operation's `send()` gives.
type Generated<G> = Result<aymara_api::ResponseValue<G>, aymara_api::Error<ErrorResponse>>;
