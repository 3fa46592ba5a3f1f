//! The Files resource's records: what each file is, when its bytes arrived, and so its
//! processing status, computed from timestamps so that tokio's paused clock drives it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// Fewer bytes than this cannot be a video: such a "video" ends `failed`.
pub(crate) const MIN_VIDEO_BYTES: u64 = 16;
/// Frames are sampled one per second of a video assumed to carry this many bytes a second.
const VIDEO_BYTES_PER_SECOND: u64 = 64 * 1024;
/// The most frames one video yields.
const MAX_FRAMES: u64 = 120;

/// What a file is, as the service classifies it from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileType {
    Image,
    Video,
    Text,
    Document,
}

impl FileType {
    /// `image/*` image, `video/*` video, `text/*`, CSV, JSON and JSON Lines text, anything
    /// else document.
    pub(crate) fn of(content_type: &str) -> FileType {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (top, sub) = essence.split_once('/').unwrap_or((&essence, ""));
        match top {
            "image" => FileType::Image,
            "video" => FileType::Video,
            "text" => FileType::Text,
            _ if matches!(
                sub,
                "csv"
                    | "json"
                    | "jsonl"
                    | "x-jsonl"
                    | "jsonlines"
                    | "x-jsonlines"
                    | "ndjson"
                    | "x-ndjson"
            ) =>
            {
                FileType::Text
            }
            _ => FileType::Document,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FileType::Image => "image",
            FileType::Video => "video",
            FileType::Text => "text",
            FileType::Document => "document",
        }
    }

    /// The query parameter's spelling, if it is one.
    pub(crate) fn parse(s: &str) -> Option<FileType> {
        [
            FileType::Image,
            FileType::Video,
            FileType::Text,
            FileType::Document,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// The content type for a name with none given: from its extension, else
/// `application/octet-stream`.
pub(crate) fn infer_content_type(name: &str) -> String {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    if extension.as_deref() == Some("jsonl") {
        return "application/jsonl".to_owned();
    }
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// When a file's bytes arrived, and how many.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    pub(crate) size: u64,
    /// Wall clock, for `updated_at`.
    pub(crate) at: SystemTime,
    /// Tokio's clock, for the processing delay.
    pub(crate) instant: Instant,
}

impl Arrival {
    pub(crate) fn now(size: u64) -> Arrival {
        Arrival {
            size,
            at: SystemTime::now(),
            instant: Instant::now(),
        }
    }
}

/// One file of the resource.
#[derive(Debug, Clone)]
pub(crate) struct FileRecord {
    pub(crate) file_uuid: String,
    pub(crate) workspace_uuid: Option<String>,
    pub(crate) local_file_path: Option<String>,
    /// The object key: `remote_file_path`.
    pub(crate) key: String,
    pub(crate) content_type: String,
    pub(crate) remote_uri: Option<String>,
    pub(crate) created_at: SystemTime,
    pub(crate) arrival: Option<Arrival>,
    /// Why the bytes will never come (a remote URI the emulator cannot fetch), and when
    /// that was decided.
    pub(crate) failure: Option<(String, SystemTime)>,
    pub(crate) deleted: bool,
    /// Whether a fronted store holds this video's frames yet.
    pub(crate) frames_stored: bool,
}

/// Where a file is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProcessingStatus {
    Pending,
    Processing,
    Completed,
    Failed(String),
}

impl ProcessingStatus {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            ProcessingStatus::Pending => "pending",
            ProcessingStatus::Processing => "processing",
            ProcessingStatus::Completed => "completed",
            ProcessingStatus::Failed(_) => "failed",
        }
    }
}

/// A file's status at one moment.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) processing: ProcessingStatus,
    pub(crate) updated_at: SystemTime,
}

impl FileRecord {
    pub(crate) fn file_type(&self) -> FileType {
        FileType::of(&self.content_type)
    }

    /// Pending until the bytes arrive; then completed, except videos, which are
    /// processing for `video_delay` and then completed (or failed, when too short to be a
    /// video).
    pub(crate) fn status(&self, now: Instant, video_delay: Duration) -> Status {
        if let Some((message, at)) = &self.failure {
            return Status {
                processing: ProcessingStatus::Failed(message.clone()),
                updated_at: *at,
            };
        }
        let Some(arrival) = self.arrival else {
            return Status {
                processing: ProcessingStatus::Pending,
                updated_at: self.created_at,
            };
        };
        if self.file_type() != FileType::Video {
            return Status {
                processing: ProcessingStatus::Completed,
                updated_at: arrival.at,
            };
        }
        if now.saturating_duration_since(arrival.instant) < video_delay {
            return Status {
                processing: ProcessingStatus::Processing,
                updated_at: arrival.at,
            };
        }
        let processing = if arrival.size < MIN_VIDEO_BYTES {
            ProcessingStatus::Failed(format!(
                "processing failed: {} bytes cannot hold a video",
                arrival.size
            ))
        } else {
            ProcessingStatus::Completed
        };
        Status {
            processing,
            updated_at: arrival.at + video_delay,
        }
    }

    /// Frames a completed video yields: one a second of a video assumed to carry 64 KiB a
    /// second, at least 1 and at most 120, so the count is deterministic per size.
    pub(crate) fn frame_count(&self) -> u32 {
        let size = self.arrival.map_or(0, |a| a.size);
        let count = (1 + size / VIDEO_BYTES_PER_SECOND).min(MAX_FRAMES);
        u32::try_from(count).unwrap_or(1)
    }
}

/// Every file, in creation order (so offset paging is stable), indexed by uuid.
#[derive(Default)]
pub(crate) struct Files {
    inner: Mutex<Table>,
}

#[derive(Default)]
pub(crate) struct Table {
    records: Vec<FileRecord>,
    by_uuid: HashMap<String, usize>,
}

impl Table {
    /// A file that exists and is not deleted.
    pub(crate) fn live(&self, file_uuid: &str) -> Option<&FileRecord> {
        self.by_uuid
            .get(file_uuid)
            .map(|&i| &self.records[i])
            .filter(|r| !r.deleted)
    }

    pub(crate) fn live_mut(&mut self, file_uuid: &str) -> Option<&mut FileRecord> {
        let i = *self.by_uuid.get(file_uuid)?;
        Some(&mut self.records[i]).filter(|r| !r.deleted)
    }

    /// Live files, oldest first.
    pub(crate) fn iter_live(&self) -> impl Iterator<Item = &FileRecord> {
        self.records.iter().filter(|r| !r.deleted)
    }
}

impl Files {
    /// The table, locked. A poisoned lock is recovered: every change to it is a single
    /// push or field update.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Table> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, record: FileRecord) {
        let mut table = self.lock();
        let index = table.records.len();
        table.by_uuid.insert(record.file_uuid.clone(), index);
        table.records.push(record);
    }

    /// A copy of a live file.
    pub(crate) fn get(&self, file_uuid: &str) -> Option<FileRecord> {
        self.lock().live(file_uuid).cloned()
    }

    /// Records that the bytes of a live file arrived (again).
    pub(crate) fn arrived(&self, file_uuid: &str, arrival: Arrival) {
        if let Some(record) = self.lock().live_mut(file_uuid) {
            record.arrival = Some(arrival);
        }
    }

    /// Whether `file_uuid` names a deleted file.
    pub(crate) fn is_deleted(&self, file_uuid: &str) -> bool {
        let table = self.lock();
        table
            .by_uuid
            .get(file_uuid)
            .is_some_and(|&i| table.records[i].deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content_type: &str, size: Option<u64>) -> FileRecord {
        FileRecord {
            file_uuid: "u".into(),
            workspace_uuid: None,
            local_file_path: Some("f".into()),
            key: "k".into(),
            content_type: content_type.into(),
            remote_uri: None,
            created_at: SystemTime::UNIX_EPOCH,
            arrival: size.map(Arrival::now),
            failure: None,
            deleted: false,
            frames_stored: false,
        }
    }

    #[test]
    fn file_types_follow_the_content_type() {
        for (ct, t) in [
            ("image/png", FileType::Image),
            ("video/mp4", FileType::Video),
            ("text/plain; charset=utf-8", FileType::Text),
            ("text/csv", FileType::Text),
            ("application/json", FileType::Text),
            ("application/jsonl", FileType::Text),
            ("application/pdf", FileType::Document),
            ("application/octet-stream", FileType::Document),
        ] {
            assert_eq!(FileType::of(ct), t, "{ct}");
        }
        assert_eq!(infer_content_type("a.CSV"), "text/csv");
        assert_eq!(infer_content_type("a.jsonl"), "application/jsonl");
        assert_eq!(infer_content_type("noext"), "application/octet-stream");
    }

    #[tokio::test(start_paused = true)]
    async fn videos_process_for_the_delay_then_complete_or_fail() {
        let delay = Duration::from_secs(2);
        assert_eq!(
            record("video/mp4", None)
                .status(Instant::now(), delay)
                .processing,
            ProcessingStatus::Pending
        );
        let video = record("video/mp4", Some(1_000_000));
        let short = record("video/mp4", Some(3));
        let text = record("text/csv", Some(3));
        let now = Instant::now();
        assert_eq!(
            video.status(now, delay).processing,
            ProcessingStatus::Processing
        );
        assert_eq!(
            text.status(now, delay).processing,
            ProcessingStatus::Completed
        );
        let later = now + delay;
        assert_eq!(
            video.status(later, delay).processing,
            ProcessingStatus::Completed
        );
        assert!(matches!(
            short.status(later, delay).processing,
            ProcessingStatus::Failed(_)
        ));
        assert_eq!(video.frame_count(), 16);
        assert_eq!(short.frame_count(), 1);
        assert_eq!(record("video/mp4", Some(u64::MAX)).frame_count(), 120);
    }
}
