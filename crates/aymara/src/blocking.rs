//! The same calls for synchronous code, like `reqwest::blocking`: scripts, sync services and
//! build tools need no async runtime of their own. Behind the `blocking` feature.
//!
//! A [`blocking::Client`](Client) owns a small tokio runtime and runs each call to the end
//! on it. Call it from ordinary threads; inside an async runtime use the async API instead
//! (a blocking call there returns [`Error::Config`] rather than stalling the runtime).
//!
//! ```no_run
//! # fn main() -> Result<(), aymara::Error> {
//! let client = aymara::blocking::Client::from_env()?;
//! let report = client
//!     .files()
//!     .upload(["data/prompts.csv"], aymara::UploadOptions::new())?;
//! println!("{} uploaded", report.uploaded().count());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use crate::types::{
    CreateRequest, CreateResponse, FileDetail, FileFrames, FilePage, FileStatus, FileUpload,
};
use crate::{
    Error, FileList, ListOptions, Response, UploadOptions, UploadReport, WaitOptions, WaitOutcome,
};

/// Worker threads of a blocking client's runtime: enough to keep transfers and TLS busy
/// while the calling thread waits.
const WORKER_THREADS: usize = 2;

/// The runtime calls run on. Shut down in the background on drop, so dropping a client
/// never blocks and never panics, whatever thread it happens on.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn new() -> Result<Self, Error> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("aymara-blocking")
            .enable_all()
            .build()
            .map(|runtime| Self(Some(runtime)))
            .map_err(|e| Error::Config(format!("cannot start the blocking client's runtime: {e}")))
    }

    /// Runs `future` to the end on this runtime, refusing to from inside another runtime.
    fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "aymara::blocking was called from inside an async runtime; use the async API there"
                    .into(),
            ));
        }
        match &self.0 {
            Some(runtime) => runtime.block_on(future),
            None => Err(Error::Config("the blocking client is shut down".into())),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A client for synchronous code. Cheap to clone: clones share the connection pool, the
/// retry budget and the runtime.
#[derive(Clone)]
pub struct Client {
    client: crate::Client,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client")
            .field("client", &self.client)
            .finish()
    }
}

impl Client {
    /// A client configured from `AYMARA_AI_API_KEY` and, if set, `AYMARA_AI_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(crate::Client::builder().with_env())
    }

    /// A client configured by `builder` (every setting of
    /// [`aymara::ClientBuilder`](crate::ClientBuilder)): checks it, starts the runtime and
    /// builds the client.
    ///
    /// ```no_run
    /// let client = aymara::blocking::Client::new(
    ///     aymara::Client::builder().api_key("…").max_retries(5),
    /// )?;
    /// # Ok::<(), aymara::Error>(())
    /// ```
    pub fn new(builder: crate::ClientBuilder) -> Result<Self, Error> {
        Ok(Client {
            client: builder.build()?,
            runtime: Arc::new(Runtime::new()?),
        })
    }

    /// The Files API.
    pub fn files(&self) -> Files {
        Files {
            files: self.client.files(),
            runtime: self.runtime.clone(),
        }
    }

    /// The base URL API calls go to.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }
}

/// The Files API, for synchronous code. Get one with [`Client::files`].
#[derive(Clone)]
pub struct Files {
    files: crate::Files,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Files").finish_non_exhaustive()
    }
}

impl Files {
    /// See [`crate::Files::create`].
    pub fn create(&self, request: &CreateRequest) -> Result<Response<CreateResponse>, Error> {
        self.runtime.block_on(self.files.create(request))
    }

    /// See [`crate::Files::get`].
    pub fn get(&self, file_uuid: &str) -> Result<Response<FileDetail>, Error> {
        self.runtime.block_on(self.files.get(file_uuid))
    }

    /// See [`crate::Files::delete`].
    pub fn delete(&self, file_uuid: &str) -> Result<Response<()>, Error> {
        self.runtime.block_on(self.files.delete(file_uuid))
    }

    /// See [`crate::Files::status`].
    pub fn status(&self, file_uuid: &str) -> Result<Response<FileStatus>, Error> {
        self.runtime.block_on(self.files.status(file_uuid))
    }

    /// See [`crate::Files::frames`].
    pub fn frames(&self, file_uuid: &str) -> Result<Response<FileFrames>, Error> {
        self.runtime.block_on(self.files.frames(file_uuid))
    }

    /// See [`crate::Files::list`]: an iterator over every file, fetching a page whenever the
    /// last one has been read.
    pub fn list(&self, options: ListOptions) -> FileIter {
        FileIter {
            list: self.files.list(options),
            runtime: self.runtime.clone(),
            refused: false,
        }
    }

    /// See [`crate::Files::list_page`].
    pub fn list_page(
        &self,
        options: &ListOptions,
        offset: u64,
    ) -> Result<Response<FilePage>, Error> {
        self.runtime.block_on(self.files.list_page(options, offset))
    }

    /// See [`crate::Files::wait_for_processing`].
    pub fn wait_for_processing(
        &self,
        file_uuid: &str,
        options: WaitOptions,
    ) -> Result<WaitOutcome, Error> {
        self.runtime
            .block_on(self.files.wait_for_processing(file_uuid, options))
    }

    /// See [`crate::Files::upload_direct`]: set its options, then [`DirectUpload::send`].
    pub fn upload_direct(&self, path: impl Into<PathBuf>) -> DirectUpload {
        DirectUpload {
            upload: self.files.upload_direct(path),
            runtime: self.runtime.clone(),
        }
    }

    /// See [`crate::Files::upload`]: the whole job, returning when every file has an outcome.
    pub fn upload<P: Into<PathBuf>>(
        &self,
        paths: impl IntoIterator<Item = P>,
        options: UploadOptions,
    ) -> Result<UploadReport, Error> {
        let upload = self.files.upload(paths, options);
        // Started inside the runtime: the upload spawns its task there.
        self.runtime.block_on(async move { upload.await })
    }
}

/// Every file of a listing, for synchronous code: a page is fetched whenever the last one
/// has been read. Get one with [`Files::list`].
pub struct FileIter {
    list: FileList,
    runtime: Arc<Runtime>,
    /// Set once a call was refused (from inside a runtime): the iterator then ends.
    refused: bool,
}

impl fmt::Debug for FileIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::FileIter").finish_non_exhaustive()
    }
}

impl FileIter {
    /// The total the service reported with the latest page, if any.
    pub fn total(&self) -> Option<u64> {
        self.list.total()
    }
}

impl Iterator for FileIter {
    type Item = Result<FileDetail, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.refused {
            return None;
        }
        let (list, runtime) = (&mut self.list, &self.runtime);
        match runtime.block_on(async { Ok(list.next_file().await) }) {
            Ok(next) => next,
            Err(refused) => {
                self.refused = true;
                Some(Err(refused))
            }
        }
    }
}

/// A direct upload of one file, for synchronous code: set its options, then
/// [`send`](Self::send) it. Get one with [`Files::upload_direct`].
#[must_use = "a direct upload sends nothing until it is sent"]
pub struct DirectUpload {
    upload: crate::DirectUpload,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for DirectUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::DirectUpload")
            .field("upload", &self.upload)
            .finish()
    }
}

impl DirectUpload {
    /// See [`crate::DirectUpload::workspace_uuid`].
    pub fn workspace_uuid(self, uuid: impl Into<String>) -> Self {
        Self {
            upload: self.upload.workspace_uuid(uuid),
            ..self
        }
    }

    /// See [`crate::DirectUpload::content_type`].
    pub fn content_type(self, mime: impl Into<String>) -> Self {
        Self {
            upload: self.upload.content_type(mime),
            ..self
        }
    }

    /// Sends the file and returns the service's answer.
    pub fn send(self) -> Result<Response<FileUpload>, Error> {
        let upload = self.upload;
        self.runtime.block_on(async move { upload.await })
    }
}
