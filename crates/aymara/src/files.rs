//! `client.files()`: the Files resource, the public face of the API's calls.

mod direct;
mod list;
mod wait;

use std::path::PathBuf;

pub use direct::DirectUpload;
pub use list::{FileList, ListOptions, MAX_PAGE_SIZE};
pub(crate) use wait::wait_for_processing;
pub use wait::{DEFAULT_WAIT_DEADLINE, WaitOptions, WaitOutcome};

use crate::Error;
use crate::api::{Api, Response};
use crate::types::{CreateRequest, CreateResponse, FileDetail, FileFrames, FilePage, FileStatus};
use crate::upload::{Upload, UploadOptions};

/// The Files API. Get one with [`Client::files`](crate::Client::files); it holds a clone of the client's
/// connections, so it (and an upload started from it) can move into a spawned task.
#[derive(Debug, Clone)]
pub struct Files {
    pub(crate) api: Api,
}

impl Files {
    /// `POST /v2/files`: asks for presigned URLs for the files named in `request`. Sends no
    /// bytes; see [`Files::upload`] for the whole job. Retried per the client's policy.
    pub async fn create(&self, request: &CreateRequest) -> Result<Response<CreateResponse>, Error> {
        self.api.create_with(request, None, |_, _, _| {}).await
    }

    /// `GET /v2/files/{file_uuid}`: what the service holds for a file, with a presigned
    /// `file_url` to download it.
    pub async fn get(&self, file_uuid: &str) -> Result<Response<FileDetail>, Error> {
        self.api.get(file_uuid).await
    }

    /// `DELETE /v2/files/{file_uuid}`: deletes a file (204). Later calls for it answer 404,
    /// as does deleting it again.
    pub async fn delete(&self, file_uuid: &str) -> Result<Response<()>, Error> {
        self.api.delete(file_uuid).await
    }

    /// `GET /v2/files/{file_uuid}/status`: where the file's processing stands. See
    /// [`Files::wait_for_processing`] to wait for the end.
    pub async fn status(&self, file_uuid: &str) -> Result<Response<FileStatus>, Error> {
        self.api.status(file_uuid).await
    }

    /// `GET /v2/files/{file_uuid}/frames`: a processed video's frames. A video still
    /// processing is a 409 ([`ApiErrorKind::Conflict`](crate::ApiErrorKind::Conflict));
    /// anything but a completed video is an error.
    pub async fn frames(&self, file_uuid: &str) -> Result<Response<FileFrames>, Error> {
        self.api.frames(file_uuid).await
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
        FileList::new(self.api.clone(), options)
    }

    /// `GET /v2/files`: one page of the files matching `options`, skipping `offset` of
    /// them. [`Files::list`] walks every page.
    pub async fn list_page(
        &self,
        options: &ListOptions,
        offset: u64,
    ) -> Result<Response<FilePage>, Error> {
        list::page(&self.api, options, offset).await
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
        wait::wait_for_processing(&self.api, file_uuid, options).await
    }

    /// `POST /v2/files/-/uploads`: uploads one file in the request itself
    /// (`multipart/form-data`), streamed from disk, instead of through a presigned URL.
    /// `.await` the returned [`DirectUpload`] (after setting its options) for the service's
    /// answer. For many files, [`Files::upload`] is faster.
    ///
    /// ```no_run
    /// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
    /// let answer = client.files().upload_direct("data/cat.png").await?.into_inner();
    /// println!("{:?} {:?}", answer.file_uuid(), answer.processing_status());
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_direct(&self, path: impl Into<PathBuf>) -> DirectUpload {
        DirectUpload::new(self.api.clone(), path.into())
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
        let paths = paths.into_iter().map(Into::into).collect();
        Upload::new(self.api.clone(), paths, options)
    }
}
