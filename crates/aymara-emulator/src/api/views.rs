//! The answers' shapes, built from a file's record: `FileUpload`, `FileDetail`,
//! `FileStatus`, `FileFrames`. Optional fields the service may omit are omitted when
//! unknown, except `FileUpload.remote_uri`, which is echoed (`null` when not given).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::files::{FileRecord, FileType, ProcessingStatus, Status};
use crate::keys::frame_key;
use crate::signing::StoreMethod;
use crate::state::Shared;

/// Download URLs (`file_url`, frames) live this long, as the service's do.
pub(crate) const DOWNLOAD_TTL: Duration = Duration::from_secs(30 * 60);

/// One file of a create or direct-upload answer.
#[derive(Debug, Serialize)]
pub(crate) struct FileUpload {
    pub(crate) local_file_path: Option<String>,
    pub(crate) file_uuid: String,
    /// The presigned PUT; absent for a direct upload, whose bytes are already stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file_url: Option<String>,
    pub(crate) remote_file_path: String,
    pub(crate) content_type: String,
    pub(crate) processing_status: &'static str,
    pub(crate) remote_uri: Option<String>,
}

impl FileUpload {
    pub(crate) fn new(record: &FileRecord, file_url: Option<String>, status: &Status) -> Self {
        FileUpload {
            local_file_path: record.local_file_path.clone(),
            file_uuid: record.file_uuid.clone(),
            file_url,
            remote_file_path: record.key.clone(),
            content_type: record.content_type.clone(),
            processing_status: status.processing.as_str(),
            remote_uri: record.remote_uri.clone(),
        }
    }
}

/// `GET /v2/files/{file_uuid}`, and each item of a list.
#[derive(Debug, Serialize)]
pub(crate) struct FileDetail {
    file_uuid: String,
    content_type: String,
    file_type: &'static str,
    organization_uuid: String,
    remote_file_path: String,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_size_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_file_url: Option<String>,
    uploaded_by_uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    video_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workspace_uuid: Option<String>,
}

impl FileDetail {
    /// `file_url` is a presigned GET once the bytes are stored; `video_metadata` once a
    /// video is processed.
    pub(crate) fn new(shared: &Shared, record: &FileRecord, status: &Status) -> Self {
        let stored = record.arrival.filter(|_| record.failure.is_none());
        let completed_video = record.file_type() == FileType::Video
            && status.processing == ProcessingStatus::Completed;
        FileDetail {
            file_uuid: record.file_uuid.clone(),
            content_type: record.content_type.clone(),
            file_type: record.file_type().as_str(),
            organization_uuid: shared.org_uuid.clone(),
            remote_file_path: record.key.clone(),
            created_at: rfc3339(record.created_at),
            updated_at: rfc3339(status.updated_at),
            file_size_bytes: stored.map(|a| a.size),
            file_url: stored.and_then(|_| download_url(shared, &record.key)),
            original_file_url: record.remote_uri.clone(),
            uploaded_by_uuid: shared.user_uuid.clone(),
            video_metadata: completed_video.then(|| {
                let frames = record.frame_count();
                json!({"fps": 1.0, "duration": f64::from(frames), "frame_count": frames})
            }),
            workspace_uuid: record.workspace_uuid.clone(),
        }
    }
}

/// `GET /v2/files/{file_uuid}/status`.
#[derive(Debug, Serialize)]
pub(crate) struct FileStatus {
    file_uuid: String,
    processing_status: &'static str,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_file_path: Option<String>,
}

impl FileStatus {
    pub(crate) fn new(record: &FileRecord, status: &Status) -> Self {
        FileStatus {
            file_uuid: record.file_uuid.clone(),
            processing_status: status.processing.as_str(),
            created_at: rfc3339(record.created_at),
            updated_at: rfc3339(status.updated_at),
            error_message: match &status.processing {
                ProcessingStatus::Failed(message) => Some(message.clone()),
                _ => None,
            },
            remote_file_path: (status.processing == ProcessingStatus::Completed)
                .then(|| record.key.clone()),
        }
    }
}

/// `GET /v2/files/{file_uuid}/frames`.
#[derive(Debug, Serialize)]
pub(crate) struct FileFrames {
    file_uuid: String,
    frame_count: u32,
    frame_urls: Vec<String>,
}

impl FileFrames {
    pub(crate) fn new(shared: &Shared, record: &FileRecord) -> Result<Self, String> {
        let frame_count = record.frame_count();
        let frame_urls = (1..=frame_count)
            .map(|i| {
                shared.signer.presign(
                    StoreMethod::Get,
                    &frame_key(&shared.org_uuid, &record.file_uuid, i),
                    None,
                    DOWNLOAD_TTL,
                    SystemTime::now(),
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(FileFrames {
            file_uuid: record.file_uuid.clone(),
            frame_count,
            frame_urls,
        })
    }
}

/// A presigned GET for `key`, valid 30 minutes; `None` (logged) if the clock or endpoint
/// cannot be signed for, which a running emulator never sees.
fn download_url(shared: &Shared, key: &str) -> Option<String> {
    shared
        .signer
        .presign(StoreMethod::Get, key, None, DOWNLOAD_TTL, SystemTime::now())
        .map_err(|e| tracing::warn!(error = %e, "api: cannot presign a download"))
        .ok()
}
