//! `client.files().upload_direct(path)`: `POST /v2/files/-/uploads`, one file sent in the
//! request itself as `multipart/form-data`, streamed from disk.
//!
//! The generator cannot describe a multipart body, so the request is built here and sent
//! through [`Api::call_hand_built`]: the same retries, hooks and errors as every other
//! call. Each attempt reopens the file and checks its size, as a presigned transfer does.

use std::future::{Future, IntoFuture};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use aymara_api::ClientInfo;
use reqwest::multipart::{Form, Part};

use crate::Error;
use crate::api::{Api, Operation, Response};
use crate::body::{self, Activity, MAX_BUFFERED_BYTES, Reading};
use crate::plan::plan;
use crate::types::FileUpload;
use aymara_text as display;

/// A direct upload of one file, not sent yet: set its options, then `.await` it for the
/// service's answer (a [`FileUpload`] without `file_url`, its `processing_status`
/// `completed`, or `processing` for a video).
#[must_use = "a direct upload sends nothing until it is awaited"]
#[derive(Debug)]
pub struct DirectUpload {
    api: Api,
    path: PathBuf,
    workspace_uuid: Option<String>,
    content_type: Option<String>,
}

impl DirectUpload {
    pub(crate) fn new(api: Api, path: PathBuf) -> Self {
        Self {
            api,
            path,
            workspace_uuid: None,
            content_type: None,
        }
    }

    /// The workspace to put the file in.
    pub fn workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// Its MIME type, instead of the one guessed from its extension.
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    async fn send(self) -> Result<Response<FileUpload>, Error> {
        if let Some(mime) = &self.content_type
            && mime.parse::<mime_guess::mime::Mime>().is_err()
        {
            return Err(Error::Config(format!(
                "content type {:?} is not a valid MIME type",
                display::escape(mime)
            )));
        }
        // The same checks as an upload's: a readable regular file of at most 5 GiB with a
        // UTF-8 name, before anything is sent.
        let mut planned = plan(vec![self.path], self.content_type).await?;
        let file = planned.remove(0);
        let name = file_name(file.path());
        let url = upload_url(&self.api, self.workspace_uuid.as_deref())?;
        let inner = &self.api.inner;
        let reading = Reading::new(MAX_BUFFERED_BYTES);
        let build = || async {
            let activity = Activity::new();
            let (body, _) =
                body::file_body(file.path(), file.size, &reading, activity, |_, _| {}).await?;
            let body = reqwest::Body::wrap_stream(body);
            let part = Part::stream_with_length(body, file.size)
                .file_name(name.clone())
                .mime_str(file.content_type.as_str())
                .map_err(|e| Error::Config(format!("invalid content type: {e}")))?;
            inner
                .http
                .post(url.clone())
                .multipart(Form::new().part("file", part))
                .build()
                .map_err(|e| Error::Config(format!("cannot build the upload request: {e}")))
        };
        let operation = Operation::new("upload_file", "FileUpload");
        // One exchange, upload and answer: the API's limit, plus the file at 64 KiB/s.
        let limit = inner
            .timeout
            .saturating_add(Duration::from_secs(file.size / (64 * 1024)));
        self.api
            .call_hand_built::<aymara_api::types::FileUpload, _, _>(
                operation,
                limit,
                build,
                |_, _, _| {},
            )
            .await
    }
}

impl IntoFuture for DirectUpload {
    type Output = Result<Response<FileUpload>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The name the part carries: the file's own name (planning made sure it is UTF-8).
fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// `<base>/v2/files/-/uploads`, with the workspace in the query string.
fn upload_url(api: &Api, workspace_uuid: Option<&str>) -> Result<url::Url, Error> {
    let base = api.inner.generated.baseurl();
    let mut url = url::Url::parse(&format!("{base}/v2/files/-/uploads"))
        .map_err(|e| Error::Config(format!("cannot build the upload URL: {e}")))?;
    if let Some(uuid) = workspace_uuid {
        url.query_pairs_mut().append_pair("workspace_uuid", uuid);
    }
    Ok(url)
}
