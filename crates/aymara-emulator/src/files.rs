//! The Files resource's records: what each file is, when its bytes arrived, and so its
//! processing status, computed from timestamps so that tokio's paused clock drives it.

use std::time::{Duration, SystemTime};

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
    /// On the emulator's clock ([`crate::clock::Clock`]): `updated_at`, and when a video's
    /// processing ends, even after a restart.
    pub(crate) at: SystemTime,
}

/// A file's object in the emulator's own store (fronting another store, there is none).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) sha256: String,
    /// The content type the bytes came with.
    pub(crate) content_type: String,
    /// PUTs that stored it.
    pub(crate) puts: u32,
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
    pub(crate) stored: Option<Stored>,
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

    /// The object's name: the key's last segment.
    pub(crate) fn name(&self) -> &str {
        self.key.rsplit('/').next().unwrap_or_default()
    }

    /// Pending until the bytes arrive; then completed, except videos, which are
    /// processing for `video_delay` after their arrival (on the emulator's clock, `now`)
    /// and then completed (or failed, when too short to be a video).
    pub(crate) fn status(&self, now: SystemTime, video_delay: Duration) -> Status {
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
        if now < arrival.at + video_delay {
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

#[cfg(test)]
mod tests {
    use super::*;

    const ARRIVED: SystemTime = SystemTime::UNIX_EPOCH;

    fn record(content_type: &str, size: Option<u64>) -> FileRecord {
        FileRecord {
            file_uuid: "u".into(),
            workspace_uuid: None,
            local_file_path: Some("f".into()),
            key: "k".into(),
            content_type: content_type.into(),
            remote_uri: None,
            created_at: SystemTime::UNIX_EPOCH,
            arrival: size.map(|size| Arrival { size, at: ARRIVED }),
            stored: None,
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

    #[test]
    fn videos_process_for_the_delay_after_their_arrival_then_complete_or_fail() {
        let delay = Duration::from_secs(2);
        assert_eq!(
            record("video/mp4", None).status(ARRIVED, delay).processing,
            ProcessingStatus::Pending
        );
        let video = record("video/mp4", Some(1_000_000));
        let short = record("video/mp4", Some(3));
        let text = record("text/csv", Some(3));
        let now = ARRIVED + Duration::from_millis(1_999);
        assert_eq!(
            video.status(now, delay).processing,
            ProcessingStatus::Processing
        );
        assert_eq!(
            text.status(now, delay).processing,
            ProcessingStatus::Completed
        );
        let later = ARRIVED + delay;
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
