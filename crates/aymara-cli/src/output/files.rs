//! The `--json` shapes of the Files resource's commands (`files list`, `get`, `status`,
//! `wait`, `delete`, and the processing result of `files upload --wait`), and their
//! tables. Owned here, so that a new field on an SDK type never changes a documented
//! output.

use aymara::types::{FileDetail, FileStatus};
use aymara::{Error, UploadedFile, WaitOutcome};
use serde::Serialize;
use serde_json::{Map, Value};

use super::table::Columns;
use super::{bytes, describe, text};

/// A file, as `files list` and `files get` print it: the API's `FileDetail`.
#[derive(Debug, Serialize)]
pub struct DetailJson {
    pub file_uuid: String,
    pub file_type: String,
    pub content_type: String,
    pub file_size_bytes: Option<u64>,
    pub remote_file_path: String,
    pub workspace_uuid: Option<String>,
    pub organization_uuid: String,
    pub created_at: String,
    pub updated_at: String,
    pub uploaded_by_uuid: Option<String>,
    pub original_file_url: Option<String>,
    pub video_metadata: Option<Map<String, Value>>,
    /// A presigned download URL: a secret until it expires.
    pub file_url: Option<String>,
}

impl From<&FileDetail> for DetailJson {
    fn from(file: &FileDetail) -> Self {
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Self {
            file_uuid: file.file_uuid().to_owned(),
            file_type: file.file_type().as_str().to_owned(),
            content_type: file.content_type().to_owned(),
            file_size_bytes: file.file_size_bytes(),
            remote_file_path: file.remote_file_path().to_owned(),
            workspace_uuid: owned(file.workspace_uuid()),
            organization_uuid: file.organization_uuid().to_owned(),
            created_at: file.created_at().to_owned(),
            updated_at: file.updated_at().to_owned(),
            uploaded_by_uuid: owned(file.uploaded_by_uuid()),
            original_file_url: owned(file.original_file_url()),
            video_metadata: file.video_metadata().cloned(),
            file_url: owned(file.file_url()),
        }
    }
}

/// `files list --json`.
#[derive(Debug, Serialize)]
pub struct ListJson {
    /// How many files match, as the service said (more than `files` with `--limit`).
    pub count: Option<u64>,
    pub files: Vec<DetailJson>,
}

/// A file's processing status, as `files status` prints it.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub file_uuid: String,
    pub processing_status: String,
    pub error_message: Option<String>,
    pub remote_file_path: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&FileStatus> for StatusJson {
    fn from(status: &FileStatus) -> Self {
        Self {
            file_uuid: status.file_uuid().to_owned(),
            processing_status: status.processing_status().as_str().to_owned(),
            error_message: status.error_message().map(str::to_owned),
            remote_file_path: status.remote_file_path().map(str::to_owned),
            created_at: status.created_at().to_owned(),
            updated_at: status.updated_at().to_owned(),
        }
    }
}

/// How waiting for a file's processing ended: `outcome` is `completed`, `failed`,
/// `timed_out` or `error` (the status could not be read); `processing_status` the last
/// one seen; `error_message` the service's reason for a failure, or the error.
#[derive(Debug, Serialize)]
pub struct ProcessingJson {
    pub outcome: &'static str,
    pub processing_status: Option<String>,
    pub error_message: Option<String>,
}

impl ProcessingJson {
    pub fn new(result: Result<&WaitOutcome, &Error>) -> Self {
        let outcome = match result {
            Ok(WaitOutcome::Completed(_)) => "completed",
            Ok(WaitOutcome::Failed(_)) => "failed",
            Ok(_) => "timed_out",
            Err(_) => "error",
        };
        let status = result.ok().and_then(WaitOutcome::status);
        Self {
            outcome,
            processing_status: status.map(|s| s.processing_status().as_str().to_owned()),
            error_message: match result {
                Ok(outcome) => outcome.error_message().map(str::to_owned),
                Err(error) => Some(describe(error)),
            },
        }
    }
}

/// One file of `files wait --json`.
#[derive(Debug, Serialize)]
pub struct WaitJson {
    pub file_uuid: String,
    #[serde(flatten)]
    pub processing: ProcessingJson,
}

/// A uuid a command could not handle, and why.
#[derive(Debug, Serialize)]
pub struct UuidFailedJson {
    pub file_uuid: String,
    pub error: String,
}

/// `files status --json` and `files wait --json`: the files handled, and those not.
#[derive(Debug, Serialize)]
pub struct FilesJson<T> {
    pub files: Vec<T>,
    pub failed: Vec<UuidFailedJson>,
}

/// `files delete --json`.
#[derive(Debug, Serialize)]
pub struct DeleteJson {
    pub deleted: Vec<String>,
    pub failed: Vec<UuidFailedJson>,
}

/// The table of `files list`.
pub const LIST_COLUMNS: Columns = Columns(&[
    ("FILE_UUID", 36),
    ("TYPE", 8),
    ("SIZE", 10),
    ("CREATED_AT", 24),
    ("REMOTE_FILE_PATH", 0),
]);

/// A row of `files list`.
pub fn list_row(file: &FileDetail) -> String {
    LIST_COLUMNS.row(&[
        text(file.file_uuid()),
        file.file_type().to_string(),
        file.file_size_bytes().map_or_else(|| "-".to_owned(), bytes),
        text(file.created_at()),
        text(file.remote_file_path()),
    ])
}

/// The table of `files status`.
pub const STATUS_COLUMNS: Columns = Columns(&[
    ("FILE_UUID", 36),
    ("STATUS", 10),
    ("UPDATED_AT", 24),
    ("MESSAGE", 0),
]);

/// A row of `files status`.
pub fn status_row(status: &FileStatus) -> String {
    STATUS_COLUMNS.row(&[
        text(status.file_uuid()),
        status.processing_status().to_string(),
        text(status.updated_at()),
        status
            .error_message()
            .map(aymara_text::message)
            .unwrap_or_default(),
    ])
}

/// The table of `files wait`.
pub const WAIT_COLUMNS: Columns = Columns(&[("FILE_UUID", 36), ("OUTCOME", 0)]);

/// A row of `files wait`.
pub fn wait_row(file_uuid: &str, outcome: &WaitOutcome) -> String {
    WAIT_COLUMNS.row(&[text(file_uuid), outcome.to_string()])
}

/// The lines of `files get`: one field a line; the presigned URL is left out (it is in
/// `--json`).
pub fn detail_lines(file: &FileDetail) -> Vec<String> {
    let optional = |v: Option<&str>| v.map_or_else(|| "-".to_owned(), text);
    let mut lines = vec![
        ("file_uuid", text(file.file_uuid())),
        ("file_type", file.file_type().to_string()),
        ("content_type", text(file.content_type())),
        (
            "size",
            file.file_size_bytes()
                .map_or_else(|| "-".to_owned(), |n| format!("{} ({n} bytes)", bytes(n))),
        ),
        ("remote_file_path", text(file.remote_file_path())),
        ("workspace_uuid", optional(file.workspace_uuid())),
        ("created_at", text(file.created_at())),
        ("updated_at", text(file.updated_at())),
    ];
    if let Some(url) = file.original_file_url() {
        lines.push(("original_file_url", aymara_text::url(url)));
    }
    if let Some(metadata) = file.video_metadata() {
        let json = Value::Object(metadata.clone()).to_string();
        lines.push(("video_metadata", aymara_text::message(&json)));
    }
    if file.file_url().is_some() {
        lines.push((
            "file_url",
            "a presigned download URL, valid 30 minutes (shown with --json)".to_owned(),
        ));
    }
    lines
        .into_iter()
        .map(|(name, value)| format!("{name:<18}{value}"))
        .collect()
}

/// With `--wait`: the error line of a stored file that did not complete processing.
pub fn processing_line(file: &UploadedFile) -> Option<String> {
    let why = match file.processing()? {
        Ok(outcome) if outcome.is_completed() => return None,
        Ok(outcome) => outcome.to_string(),
        Err(error) => format!("cannot read its processing status: {}", describe(error)),
    };
    Some(format!(
        "error: {} ({}): {why}",
        super::path(std::path::Path::new(file.local_file_path())),
        text(file.file_uuid())
    ))
}
