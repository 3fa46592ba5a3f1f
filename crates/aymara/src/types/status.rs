//! `GET /v2/files/{file_uuid}/status`: where a file's processing stands.

use std::fmt;
use std::time::SystemTime;

use aymara_api::types as generated;

use crate::types::{FromGenerated, timestamp};
use crate::unknown::UnknownValue;
use aymara_text as display;

/// Where a file's processing stands. The service may add states: an unknown one is kept as
/// [`ProcessingStatus::Unknown`], never an error; read it with
/// [`as_str`](ProcessingStatus::as_str).
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
    Unknown(UnknownValue),
}

impl ProcessingStatus {
    /// The state as the service writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Unknown(other) => other.as_str(),
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
            other => Self::Unknown(UnknownValue::new(other)),
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
/// let status = FileStatus::new().with_file_uuid("0b5c…").with_processing_status(ProcessingStatus::Failed)
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

impl Default for FileStatus {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStatus {
    /// A fake answer, for tests of code that reads one: texts empty, a state no version
    /// knows; set what the test reads with the `with_*` methods.
    pub fn new() -> Self {
        Self {
            file_uuid: String::new(),
            processing_status: ProcessingStatus::Unknown(UnknownValue::new("")),
            created_at: String::new(),
            updated_at: String::new(),
            error_message: None,
            remote_file_path: None,
        }
    }

    /// With `file_uuid`.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = uuid.into();
        self
    }

    /// With `processing_status`.
    pub fn with_processing_status(mut self, status: ProcessingStatus) -> Self {
        self.processing_status = status;
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
    /// ([`aymara_text::message`]).
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
