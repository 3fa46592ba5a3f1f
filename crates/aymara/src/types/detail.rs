//! `GET /v2/files/{file_uuid}` and the items of `GET /v2/files`: what the service holds.

use std::fmt;
use std::time::SystemTime;

use aymara_api::types as generated;
use serde_json::{Map, Value};

use crate::types::{FromGenerated, timestamp};
use crate::unknown::UnknownValue;
use aymara_text as display;

/// What kind of file the service made of it. Also the filter of
/// [`ListOptions::file_type`](crate::ListOptions::file_type). The service may add kinds: an
/// unknown one is kept as [`FileType::Unknown`], never an error; read it with
/// [`as_str`](FileType::as_str).
///
/// ```
/// use aymara::types::FileType;
/// assert_eq!("video".parse::<FileType>(), Ok(FileType::Video));
/// let new_kind = FileType::from("audio");
/// assert!(matches!(new_kind, FileType::Unknown(_)));
/// assert_eq!(new_kind.as_str(), "audio");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileType {
    /// Text, CSV, JSON, JSON Lines.
    Text,
    /// An image.
    Image,
    /// A video: processed after upload, then split into frames.
    Video,
    /// Anything else the service takes (PDF, …).
    Document,
    /// A kind this version does not know, as the service sent it.
    Unknown(UnknownValue),
}

impl FileType {
    /// The kind as the service writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Video => "video",
            Self::Document => "document",
            Self::Unknown(other) => other.as_str(),
        }
    }
}

impl From<&str> for FileType {
    fn from(text: &str) -> Self {
        match text {
            "text" => Self::Text,
            "image" => Self::Image,
            "video" => Self::Video,
            "document" => Self::Document,
            other => Self::Unknown(UnknownValue::new(other)),
        }
    }
}

/// Never fails: an unknown kind is [`FileType::Unknown`].
impl std::str::FromStr for FileType {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(text))
    }
}

/// Escaped: an unknown kind is server text.
impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display::escape(self.as_str()))
    }
}

/// A file as the service holds it.
///
/// `file_url` (and `original_file_url`, when it is presigned) carry a signature in their
/// query string: secrets until they expire. `Debug` shows them redacted.
///
/// ```
/// use aymara::types::{FileDetail, FileType};
/// let file = FileDetail::new()
///     .with_file_uuid("0b5c…")
///     .with_file_type(FileType::Text)
///     .with_file_size_bytes(4)
///     .with_file_url("https://store.example/a.csv?X-Amz-Signature=secret");
/// assert!(!format!("{file:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq)]
pub struct FileDetail {
    file_uuid: String,
    content_type: String,
    file_type: FileType,
    organization_uuid: String,
    remote_file_path: String,
    created_at: String,
    updated_at: String,
    file_size_bytes: Option<u64>,
    file_url: Option<String>,
    original_file_url: Option<String>,
    uploaded_by_uuid: Option<String>,
    video_metadata: Option<Map<String, Value>>,
    workspace_uuid: Option<String>,
}

impl Default for FileDetail {
    fn default() -> Self {
        Self::new()
    }
}

impl FileDetail {
    /// A fake answer, for tests of code that reads one: every text empty, no optional
    /// field, and a file type no version knows; set what the test reads with the `with_*`
    /// methods.
    pub fn new() -> Self {
        Self {
            file_uuid: String::new(),
            content_type: String::new(),
            file_type: FileType::Unknown(UnknownValue::new("")),
            organization_uuid: String::new(),
            remote_file_path: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            file_size_bytes: None,
            file_url: None,
            original_file_url: None,
            uploaded_by_uuid: None,
            video_metadata: None,
            workspace_uuid: None,
        }
    }

    /// With `file_uuid`.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = uuid.into();
        self
    }

    /// With `content_type`.
    pub fn with_content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = mime.into();
        self
    }

    /// With `file_type`.
    pub fn with_file_type(mut self, kind: FileType) -> Self {
        self.file_type = kind;
        self
    }

    /// With `organization_uuid`.
    pub fn with_organization_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.organization_uuid = uuid.into();
        self
    }

    /// With `remote_file_path`.
    pub fn with_remote_file_path(mut self, path: impl Into<String>) -> Self {
        self.remote_file_path = path.into();
        self
    }

    /// With `created_at` and `updated_at` (RFC 3339).
    pub fn with_timestamps(
        mut self,
        created_at: impl Into<String>,
        updated_at: impl Into<String>,
    ) -> Self {
        self.created_at = created_at.into();
        self.updated_at = updated_at.into();
        self
    }

    /// With `file_size_bytes`.
    pub fn with_file_size_bytes(mut self, size: u64) -> Self {
        self.file_size_bytes = Some(size);
        self
    }

    /// With `original_file_url`.
    pub fn with_original_file_url(mut self, url: impl Into<String>) -> Self {
        self.original_file_url = Some(url.into());
        self
    }

    /// With `uploaded_by_uuid`.
    pub fn with_uploaded_by_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uploaded_by_uuid = Some(uuid.into());
        self
    }

    /// With `file_url`.
    pub fn with_file_url(mut self, url: impl Into<String>) -> Self {
        self.file_url = Some(url.into());
        self
    }

    /// With `workspace_uuid`.
    pub fn with_workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// With `video_metadata`.
    pub fn with_video_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.video_metadata = Some(metadata);
        self
    }

    /// The service's identifier for the file.
    pub fn file_uuid(&self) -> &str {
        &self.file_uuid
    }

    /// Its MIME type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// What kind of file it is.
    pub fn file_type(&self) -> &FileType {
        &self.file_type
    }

    /// The organization it belongs to.
    pub fn organization_uuid(&self) -> &str {
        &self.organization_uuid
    }

    /// Where it is stored ("a directory for videos"): what eval runs refer to.
    pub fn remote_file_path(&self) -> &str {
        &self.remote_file_path
    }

    /// When it was created, RFC 3339 as the service sent it.
    pub fn created_at(&self) -> &str {
        &self.created_at
    }

    /// [`created_at`](Self::created_at) parsed; `None` if it is not RFC 3339.
    pub fn created_at_time(&self) -> Option<SystemTime> {
        timestamp::parse(&self.created_at)
    }

    /// When it last changed, RFC 3339 as the service sent it.
    pub fn updated_at(&self) -> &str {
        &self.updated_at
    }

    /// [`updated_at`](Self::updated_at) parsed; `None` if it is not RFC 3339.
    pub fn updated_at_time(&self) -> Option<SystemTime> {
        timestamp::parse(&self.updated_at)
    }

    /// Its size, once its bytes are stored.
    pub fn file_size_bytes(&self) -> Option<u64> {
        self.file_size_bytes
    }

    /// A presigned URL to download it, valid 30 minutes: a secret until then. Often absent
    /// from list answers.
    pub fn file_url(&self) -> Option<&str> {
        self.file_url.as_deref()
    }

    /// Where the service fetched it from, for a file created from a `remote_uri`.
    pub fn original_file_url(&self) -> Option<&str> {
        self.original_file_url.as_deref()
    }

    /// Who uploaded it.
    pub fn uploaded_by_uuid(&self) -> Option<&str> {
        self.uploaded_by_uuid.as_deref()
    }

    /// A processed video's metadata (`fps`, `duration`, `frame_count`, …), as sent.
    pub fn video_metadata(&self) -> Option<&Map<String, Value>> {
        self.video_metadata.as_ref()
    }

    /// The workspace it belongs to.
    pub fn workspace_uuid(&self) -> Option<&str> {
        self.workspace_uuid.as_deref()
    }
}

impl fmt::Debug for FileDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |url: &Option<String>| url.as_deref().map(display::url);
        f.debug_struct("FileDetail")
            .field("file_uuid", &self.file_uuid)
            .field("content_type", &self.content_type)
            .field("file_type", &self.file_type)
            .field("organization_uuid", &self.organization_uuid)
            .field("remote_file_path", &self.remote_file_path)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("file_size_bytes", &self.file_size_bytes)
            .field("file_url", &redacted(&self.file_url))
            .field("original_file_url", &redacted(&self.original_file_url))
            .field("uploaded_by_uuid", &self.uploaded_by_uuid)
            .field("video_metadata", &self.video_metadata)
            .field("workspace_uuid", &self.workspace_uuid)
            .finish()
    }
}

impl FromGenerated<generated::FileDetail> for FileDetail {
    fn from_generated(file: generated::FileDetail) -> Self {
        Self {
            file_uuid: file.file_uuid,
            content_type: file.content_type,
            file_type: FileType::from(file.file_type.as_str()),
            organization_uuid: file.organization_uuid,
            remote_file_path: file.remote_file_path,
            created_at: file.created_at,
            updated_at: file.updated_at,
            // A negative size is nonsense; it is left out rather than failing the answer.
            file_size_bytes: file.file_size_bytes.and_then(|n| u64::try_from(n).ok()),
            file_url: file.file_url,
            original_file_url: file.original_file_url,
            uploaded_by_uuid: file.uploaded_by_uuid,
            video_metadata: file.video_metadata,
            workspace_uuid: file.workspace_uuid,
        }
    }
}
