//! `GET /v2/files/{file_uuid}/status`: where a file's processing stands.

use std::fmt;
use std::time::SystemTime;

use aymara_api::types as generated;

use crate::display;
use crate::types::{FromGenerated, timestamp};

/// Where a file's processing stands. The service may add states: an unknown one is kept as
/// [`ProcessingStatus::Other`], never an error.
///
/// ```
/// use aymara::types::ProcessingStatus;
/// assert_eq!(ProcessingStatus::from("completed"), ProcessingStatus::Completed);
/// assert!(ProcessingStatus::from("failed").is_final());
/// assert_eq!(ProcessingStatus::from("queued").as_str(), "queued");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessingStatus {
    /// Waiting for the bytes (a presigned upload not sent yet, a remote file not fetched).
    Pending,
    /// Bytes received; the service is working on them (videos).
    Processing,
    /// Ready for eval runs.
    Completed,
    /// Processing failed; [`FileStatus::error_message`] says why.
    Failed,
    /// A state this version does not know, as the service sent it.
    Other(String),
}

impl ProcessingStatus {
    /// The state as the service writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Other(other) => other,
        }
    }

    /// Whether processing is over (`completed` or `failed`): polling further cannot change it.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

impl From<&str> for ProcessingStatus {
    fn from(text: &str) -> Self {
        match text {
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Escaped: an unknown state is server text.
impl fmt::Display for ProcessingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display::escape(self.as_str()))
    }
}

/// A file's processing status. Poll it (or let [`Files::wait_for_processing`] poll it)
/// until `completed` before asking for a video's frames.
///
/// [`Files::wait_for_processing`]: crate::Files::wait_for_processing
///
/// ```
/// use aymara::types::{FileStatus, ProcessingStatus};
/// let status = FileStatus::new("0b5c…", ProcessingStatus::Failed)
///     .with_error_message("not a video");
/// assert_eq!(status.error_message(), Some("not a video"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    file_uuid: String,
    processing_status: ProcessingStatus,
    created_at: String,
    updated_at: String,
    error_message: Option<String>,
    remote_file_path: Option<String>,
}

impl FileStatus {
    /// A fake answer, for tests of code that reads one (timestamps empty).
    pub fn new(file_uuid: impl Into<String>, processing_status: ProcessingStatus) -> Self {
        Self {
            file_uuid: file_uuid.into(),
            processing_status,
            created_at: String::new(),
            updated_at: String::new(),
            error_message: None,
            remote_file_path: None,
        }
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

    /// With `error_message`.
    pub fn with_error_message(mut self, message: impl Into<String>) -> Self {
        self.error_message = Some(message.into());
        self
    }

    /// With `remote_file_path`.
    pub fn with_remote_file_path(mut self, path: impl Into<String>) -> Self {
        self.remote_file_path = Some(path.into());
        self
    }

    /// The file.
    pub fn file_uuid(&self) -> &str {
        &self.file_uuid
    }

    /// Where its processing stands.
    pub fn processing_status(&self) -> &ProcessingStatus {
        &self.processing_status
    }

    /// When the file was created, RFC 3339 as the service sent it.
    pub fn created_at(&self) -> &str {
        &self.created_at
    }

    /// When the status last changed, RFC 3339 as the service sent it.
    pub fn updated_at(&self) -> &str {
        &self.updated_at
    }

    /// [`updated_at`](Self::updated_at) parsed; `None` if it is not RFC 3339.
    pub fn updated_at_time(&self) -> Option<SystemTime> {
        timestamp::parse(&self.updated_at)
    }

    /// Why processing failed, when it did. Server text: escape it before a terminal
    /// ([`crate::display::message`]).
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// Where the processed file is, once completed.
    pub fn remote_file_path(&self) -> Option<&str> {
        self.remote_file_path.as_deref()
    }
}

impl FromGenerated<generated::FileStatus> for FileStatus {
    fn from_generated(status: generated::FileStatus) -> Self {
        Self {
            file_uuid: status.file_uuid,
            processing_status: ProcessingStatus::from(status.processing_status.as_str()),
            created_at: status.created_at,
            updated_at: status.updated_at,
            error_message: status.error_message,
            remote_file_path: status.remote_file_path,
        }
    }
}
