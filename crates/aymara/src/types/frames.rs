//! `GET /v2/files/{file_uuid}/frames`: a processed video's frames.

use std::fmt;

use aymara_api::types as generated;

use crate::types::FromGenerated;
use aymara_text as display;

/// A processed video's frames: presigned download URLs sorted by frame number, valid 30
/// minutes. They are secrets until then; `Debug` shows them redacted.
///
/// ```
/// let frames = aymara::types::FileFrames::new().with_file_uuid("0b5c…").with_frame_urls(vec!["https://s/1.png?sig=x".into()]);
/// assert_eq!(frames.frame_count(), 1);
/// assert!(!format!("{frames:?}").contains("sig=x"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileFrames {
    file_uuid: String,
    frame_count: u64,
    frame_urls: Vec<String>,
}

impl FileFrames {
    /// A fake answer, for tests of code that reads one: no frame; set what the test reads
    /// with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `file_uuid`.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = uuid.into();
        self
    }

    /// With these frame URLs, and as many frames.
    pub fn with_frame_urls(mut self, urls: Vec<String>) -> Self {
        self.frame_count = urls.len() as u64;
        self.frame_urls = urls;
        self
    }

    /// The video.
    pub fn file_uuid(&self) -> &str {
        &self.file_uuid
    }

    /// How many frames the service says the video has.
    pub fn frame_count(&self) -> u64 {
        self.frame_count
    }

    /// One presigned URL per frame, in frame order.
    pub fn frame_urls(&self) -> &[String] {
        &self.frame_urls
    }
}

impl fmt::Debug for FileFrames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self
            .frame_urls
            .iter()
            .map(|url| display::url(url))
            .collect();
        f.debug_struct("FileFrames")
            .field("file_uuid", &self.file_uuid)
            .field("frame_count", &self.frame_count)
            .field("frame_urls", &shown)
            .finish()
    }
}

impl FromGenerated<generated::FileFrames> for FileFrames {
    fn from_generated(frames: generated::FileFrames) -> Self {
        Self {
            file_uuid: frames.file_uuid,
            frame_count: u64::try_from(frames.frame_count).unwrap_or(0),
            frame_urls: frames.frame_urls,
        }
    }
}
