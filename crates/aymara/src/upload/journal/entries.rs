//! What a journal holds ([`JournalEntry`]), what an upload asks it ([`JournalQuery`]), and
//! the trait every journal implements ([`Journal`]).

use std::borrow::Cow;
use std::io;
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::SystemTime;

/// What the journal knows about one stored file.
///
/// Build one with [`JournalEntry::new`] and the `with_*` methods to fake a journal in tests.
///
/// ```
/// let entry = aymara::JournalEntry::new()
///     .with_local_file_path("data/a.csv")
///     .with_size_bytes(4)
///     .with_file_uuid("0b5c…")
///     .with_blake3("8d5d4d4a4f0dc8c0b5e0e7c0c8bc0b9a4c6d8b2e1f0a9b8c7d6e5f4a3b2c1d0e");
/// let query = aymara::JournalQuery::new("./data/a.csv", 4)
///     .with_blake3("8d5d4d4a4f0dc8c0b5e0e7c0c8bc0b9a4c6d8b2e1f0a9b8c7d6e5f4a3b2c1d0e");
/// assert!(entry.matches(&query));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalEntry {
    local_file_path: String,
    size_bytes: u64,
    modified: Option<SystemTime>,
    blake3: Option<String>,
    file_uuid: String,
    remote_file_path: Option<String>,
    base_url: Option<String>,
    workspace_uuid: Option<String>,
}

impl JournalEntry {
    /// An entry with every field empty: set them with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// With the path as sent to the API (what entries are looked up by).
    pub fn with_local_file_path(mut self, path: impl Into<String>) -> Self {
        self.local_file_path = path.into();
        self
    }

    /// With the bytes stored.
    pub fn with_size_bytes(mut self, size: u64) -> Self {
        self.size_bytes = size;
        self
    }

    /// With the service's identifier for the file.
    pub fn with_file_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.file_uuid = uuid.into();
        self
    }

    /// With the file's modification time when it was read.
    pub fn with_modified(mut self, modified: SystemTime) -> Self {
        self.modified = Some(modified);
        self
    }

    /// With the lower-case hex BLAKE3 hash of the bytes stored.
    pub fn with_blake3(mut self, hex: impl Into<String>) -> Self {
        self.blake3 = Some(hex.into());
        self
    }

    /// With the path later eval-run calls use.
    pub fn with_remote_file_path(mut self, path: impl Into<String>) -> Self {
        self.remote_file_path = Some(path.into());
        self
    }

    /// With the API's base URL the file was uploaded through.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// With the workspace the file went to.
    pub fn with_workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// The path as sent to the API.
    pub fn local_file_path(&self) -> &str {
        &self.local_file_path
    }

    /// Bytes stored.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The file's modification time when it was read, if known.
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }

    /// The lower-case hex BLAKE3 hash of the bytes stored, if known.
    pub fn blake3(&self) -> Option<&str> {
        self.blake3.as_deref()
    }

    /// The service's identifier for the file.
    pub fn file_uuid(&self) -> &str {
        &self.file_uuid
    }

    /// The path later eval-run calls use, if the API gave one.
    pub fn remote_file_path(&self) -> Option<&str> {
        self.remote_file_path.as_deref()
    }

    /// The API's base URL the file was uploaded through, if recorded.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The workspace the file went to, if known.
    pub fn workspace_uuid(&self) -> Option<&str> {
        self.workspace_uuid.as_deref()
    }

    /// Whether this entry says the file `query` describes is stored already: the same path
    /// (`./a` and `a` are the same), the same size, the same workspace when both name one,
    /// and then the same content hash when both have one, else the same modification time
    /// (so an entry written before hashes were BLAKE3, which has none, is matched by its
    /// time until the file is recorded again).
    pub fn matches(&self, query: &JournalQuery<'_>) -> bool {
        let same_workspace = match (query.workspace_uuid, &self.workspace_uuid) {
            (Some(asked), Some(recorded)) => asked == recorded,
            _ => true,
        };
        let same_content = match (query.blake3, self.blake3.as_deref()) {
            (Some(asked), Some(recorded)) => asked.eq_ignore_ascii_case(recorded),
            _ => query.modified.is_some() && query.modified == self.modified,
        };
        self.size_bytes == query.size_bytes
            && same_workspace
            && same_content
            && normalize(&self.local_file_path) == normalize(query.local_file_path)
    }
}

/// A local file an upload is about to send, as it asks the [`Journal`] about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalQuery<'a> {
    local_file_path: &'a str,
    size_bytes: u64,
    modified: Option<SystemTime>,
    blake3: Option<&'a str>,
    workspace_uuid: Option<&'a str>,
}

impl<'a> JournalQuery<'a> {
    /// The file at `local_file_path` (as it will be sent to the API), `size_bytes` long.
    pub fn new(local_file_path: &'a str, size_bytes: u64) -> Self {
        Self {
            local_file_path,
            size_bytes,
            modified: None,
            blake3: None,
            workspace_uuid: None,
        }
    }

    /// With its modification time.
    pub fn with_modified(mut self, modified: Option<SystemTime>) -> Self {
        self.modified = modified;
        self
    }

    /// With its BLAKE3 hash (lower-case hex): then the content must match, not the time.
    pub fn with_blake3(mut self, hex: &'a str) -> Self {
        self.blake3 = Some(hex);
        self
    }

    /// With the workspace the upload names.
    pub fn with_workspace_uuid(mut self, uuid: Option<&'a str>) -> Self {
        self.workspace_uuid = uuid;
        self
    }

    /// The path as it will be sent to the API.
    pub fn local_file_path(&self) -> &'a str {
        self.local_file_path
    }

    /// Its size.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Its modification time, if known.
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }

    /// Its BLAKE3 hash, when the upload compares content.
    pub fn blake3(&self) -> Option<&'a str> {
        self.blake3
    }

    /// The workspace the upload names, if any.
    pub fn workspace_uuid(&self) -> Option<&'a str> {
        self.workspace_uuid
    }
}

/// Where an upload keeps track of the files it stored, so that a later upload of the same
/// files skips them (see [`UploadOptions::journal`](crate::UploadOptions::journal)).
///
/// One journal is for one destination (base URL and workspace): give each its own. Both
/// methods are called from the upload's task, so keep them quick (a file append, a map
/// lookup).
pub trait Journal: Send + Sync {
    /// An entry for the file `query` describes that [matches](JournalEntry::matches) it,
    /// if one was recorded.
    fn find(&self, query: &JournalQuery<'_>) -> io::Result<Option<JournalEntry>>;

    /// Records a stored file. Called as soon as the store answered 2xx, before the file
    /// counts as uploaded; once it returns, the entry must survive the process being
    /// killed. An error stops the upload from starting more transfers.
    fn record(&self, entry: &JournalEntry) -> io::Result<()>;
}

impl<J: Journal + ?Sized> Journal for Arc<J> {
    fn find(&self, query: &JournalQuery<'_>) -> io::Result<Option<JournalEntry>> {
        (**self).find(query)
    }

    fn record(&self, entry: &JournalEntry) -> io::Result<()> {
        (**self).record(entry)
    }
}

/// A path with `.` segments and repeated separators left out, `/`-separated: the form
/// journal entries are compared in.
pub(crate) fn normalize(path: &str) -> Cow<'_, str> {
    let clean = !path.contains("//")
        && !path.starts_with("./")
        && !path.contains("/./")
        && !path.ends_with("/.")
        && !path.ends_with('/')
        && !path.contains('\\');
    if clean {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    for component in Path::new(path).components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn paths_compare_without_dot_segments_and_doubled_slashes() {
        for (given, normal) in [
            ("a.csv", "a.csv"),
            ("./data/a.csv", "data/a.csv"),
            ("data//./a.csv", "data/a.csv"),
            ("/abs/./a.csv", "/abs/a.csv"),
            ("../up/a.csv", "../up/a.csv"),
            ("data/", "data"),
        ] {
            assert_eq!(normalize(given), normal, "{given}");
        }
    }

    #[test]
    fn entries_match_by_time_or_by_content_and_never_across_workspaces() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let entry = JournalEntry::new()
            .with_local_file_path("data/a.csv")
            .with_size_bytes(4)
            .with_file_uuid("u1")
            .with_modified(at)
            .with_blake3("ab")
            .with_workspace_uuid("ws-1");
        let query = JournalQuery::new("./data/a.csv", 4).with_modified(Some(at));
        assert!(entry.matches(&query));
        assert!(!entry.matches(&JournalQuery::new("data/a.csv", 5).with_modified(Some(at))));
        let touched = query.with_modified(Some(at + Duration::from_nanos(1)));
        assert!(!entry.matches(&touched));
        assert!(
            !entry.matches(&JournalQuery::new("data/a.csv", 4)),
            "no time"
        );
        assert!(entry.matches(&touched.with_blake3("AB")), "content wins");
        assert!(!entry.matches(&query.with_blake3("cd")), "content wins");
        // An entry with no hash (written with SHA-256, before BLAKE3): its time decides.
        let old = JournalEntry::new()
            .with_local_file_path("data/a.csv")
            .with_size_bytes(4)
            .with_modified(at);
        assert!(old.matches(&query.with_blake3("cd")));
        assert!(!old.matches(&touched.with_blake3("cd")));
        assert!(!entry.matches(&query.with_workspace_uuid(Some("ws-2"))));
        assert!(entry.matches(&query.with_workspace_uuid(Some("ws-1"))));
        assert!(!entry.matches(&JournalQuery::new("data/b.csv", 4).with_modified(Some(at))));
    }
}
