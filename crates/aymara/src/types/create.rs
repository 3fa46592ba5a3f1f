//! `POST /v2/files`: the request ([`CreateRequest`], one [`CreateFile`] per file) and its
//! answer ([`CreateResponse`], one [`FileUpload`] per file).

use std::fmt;

use aymara_api::types as generated;

use crate::types::from_generated::FromGenerated;
use crate::types::status::ProcessingStatus;
use aymara_text as display;

/// One file to ask a presigned URL for, in a [`CreateRequest`], or one for the service to
/// fetch from a URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CreateFile {
    local_file_path: Option<String>,
    content_type: Option<String>,
    remote_uri: Option<String>,
}

impl CreateFile {
    /// A file known by its path on the client. The service derives the stored name from it
    /// and echoes it back, so answers can be matched to requests.
    pub fn local(local_file_path: impl Into<String>) -> Self {
        Self {
            local_file_path: Some(local_file_path.into()),
            ..Self::default()
        }
    }

    /// A file the service fetches from `uri` itself, instead of receiving its bytes: its
    /// answer has no `file_url` to upload to, and its status stays `pending` until the
    /// fetch is done. `uri` may be a presigned URL, a secret: `Debug` shows it redacted.
    ///
    /// ```
    /// use aymara::types::{CreateFile, CreateRequest};
    /// let request = CreateRequest::new()
    ///     .file(CreateFile::remote("https://example.com/clip.mp4").content_type("video/mp4"));
    /// # let _ = request;
    /// ```
    pub fn remote(uri: impl Into<String>) -> Self {
        Self {
            remote_uri: Some(uri.into()),
            ..Self::default()
        }
    }

    /// With its MIME type (the service infers one from the extension otherwise).
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// The path as it will be sent.
    pub fn local_file_path(&self) -> Option<&str> {
        self.local_file_path.as_deref()
    }

    /// The URI the service is asked to fetch.
    pub fn remote_uri(&self) -> Option<&str> {
        self.remote_uri.as_deref()
    }
}

impl fmt::Debug for CreateFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateFile")
            .field("local_file_path", &self.local_file_path)
            .field("content_type", &self.content_type)
            .field("remote_uri", &self.remote_uri.as_deref().map(display::url))
            .finish()
    }
}

/// The body of `POST /v2/files`: which files to presign, for which workspace.
///
/// ```
/// use aymara::types::{CreateFile, CreateRequest};
/// let request = CreateRequest::new()
///     .workspace_uuid("9b2f…")
///     .file(CreateFile::local("data/prompts.csv").content_type("text/csv"))
///     .file(CreateFile::local("images/cat.png"));
/// # let _ = request;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRequest {
    workspace_uuid: Option<String>,
    files: Vec<CreateFile>,
}

impl CreateRequest {
    /// An empty request for the default workspace.
    pub fn new() -> Self {
        Self::default()
    }

    /// The workspace the files belong to.
    pub fn workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// Adds a file.
    pub fn file(mut self, file: CreateFile) -> Self {
        self.files.push(file);
        self
    }

    /// Adds files.
    pub fn files(mut self, files: impl IntoIterator<Item = CreateFile>) -> Self {
        self.files.extend(files);
        self
    }

    /// The generated client's body, built through its builders so that a new optional
    /// field in the spec needs no change here.
    pub(crate) fn to_generated(&self) -> Result<generated::FileUploadRequest, String> {
        let files = self
            .files
            .iter()
            .map(|file| {
                generated::FileUploadRequestItem::builder()
                    .local_file_path(file.local_file_path.clone())
                    .content_type(file.content_type.clone())
                    .remote_uri(file.remote_uri.clone())
                    .try_into()
                    .map_err(|e: generated::error::ConversionError| e.to_string())
            })
            .collect::<Result<Vec<_>, String>>()?;
        generated::FileUploadRequest::builder()
            .workspace_uuid(self.workspace_uuid.clone())
            .files(files)
            .try_into()
            .map_err(|e: generated::error::ConversionError| e.to_string())
    }
}

/// The service's answer for one requested file: where to send its bytes and how later
/// calls refer to it. Every field may be missing; check what you use.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileUpload {
    local_file_path: Option<String>,
    file_uuid: Option<String>,
    file_url: Option<String>,
    remote_file_path: Option<String>,
    content_type: Option<String>,
    processing_status: Option<ProcessingStatus>,
    remote_uri: Option<String>,
}

impl FileUpload {
    /// A fake answer, for tests of code that reads one: every field empty; set what the
    /// test reads with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `file_uuid`.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = Some(uuid.into());
        self
    }

    /// With `local_file_path`.
    pub fn with_local_file_path(mut self, path: impl Into<String>) -> Self {
        self.local_file_path = Some(path.into());
        self
    }

    /// With `file_url`.
    pub fn with_file_url(mut self, url: impl Into<String>) -> Self {
        self.file_url = Some(url.into());
        self
    }

    /// With `remote_file_path`.
    pub fn with_remote_file_path(mut self, path: impl Into<String>) -> Self {
        self.remote_file_path = Some(path.into());
        self
    }

    /// With `content_type`.
    pub fn with_content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// With `processing_status`.
    pub fn with_processing_status(mut self, status: ProcessingStatus) -> Self {
        self.processing_status = Some(status);
        self
    }

    /// With `remote_uri`.
    pub fn with_remote_uri(mut self, uri: impl Into<String>) -> Self {
        self.remote_uri = Some(uri.into());
        self
    }

    /// The `local_file_path` of the request item this answers.
    pub fn local_file_path(&self) -> Option<&str> {
        self.local_file_path.as_deref()
    }

    /// The service's identifier for the file.
    pub fn file_uuid(&self) -> Option<&str> {
        self.file_uuid.as_deref()
    }

    /// The presigned URL to `PUT` the bytes to. A secret until it expires: its query
    /// string carries the signature. `Debug` shows it redacted.
    pub fn file_url(&self) -> Option<&str> {
        self.file_url.as_deref()
    }

    /// The path later eval-run calls use to refer to the file.
    pub fn remote_file_path(&self) -> Option<&str> {
        self.remote_file_path.as_deref()
    }

    /// The MIME type the service recorded.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Where its processing stands: `pending` until the bytes (or the remote fetch) arrive.
    pub fn processing_status(&self) -> Option<&ProcessingStatus> {
        self.processing_status.as_ref()
    }

    /// The URI the service fetches the file from, for a [`CreateFile::remote`] file.
    pub fn remote_uri(&self) -> Option<&str> {
        self.remote_uri.as_deref()
    }
}

impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUpload")
            .field("local_file_path", &self.local_file_path)
            .field("file_uuid", &self.file_uuid)
            .field("file_url", &self.file_url.as_deref().map(display::url))
            .field("remote_file_path", &self.remote_file_path)
            .field("content_type", &self.content_type)
            .field("processing_status", &self.processing_status)
            .field("remote_uri", &self.remote_uri.as_deref().map(display::url))
            .finish()
    }
}

impl FromGenerated<generated::FileUpload> for FileUpload {
    fn from_generated(item: generated::FileUpload) -> Self {
        Self {
            local_file_path: item.local_file_path,
            file_uuid: item.file_uuid,
            file_url: item.file_url,
            remote_file_path: item.remote_file_path,
            content_type: item.content_type,
            processing_status: item
                .processing_status
                .as_deref()
                .map(ProcessingStatus::from),
            remote_uri: item.remote_uri,
        }
    }
}

/// The answer of `POST /v2/files`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateResponse {
    workspace_uuid: Option<String>,
    files: Vec<FileUpload>,
}

impl CreateResponse {
    /// A fake answer, for tests of code that reads one.
    pub fn new(workspace_uuid: Option<String>, files: Vec<FileUpload>) -> Self {
        Self {
            workspace_uuid,
            files,
        }
    }

    /// The workspace the files belong to.
    pub fn workspace_uuid(&self) -> Option<&str> {
        self.workspace_uuid.as_deref()
    }

    /// One answer per requested file.
    pub fn files(&self) -> &[FileUpload] {
        &self.files
    }

    /// The answers, owned.
    pub fn into_files(self) -> Vec<FileUpload> {
        self.files
    }
}

impl FromGenerated<generated::FileUploadResponse> for CreateResponse {
    fn from_generated(answer: generated::FileUploadResponse) -> Self {
        Self {
            workspace_uuid: answer.workspace_uuid,
            files: answer
                .files
                .into_iter()
                .map(FileUpload::from_generated)
                .collect(),
        }
    }
}
