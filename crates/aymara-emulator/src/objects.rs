//! What the store holds: one record per stored object, keyed by file uuid.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// An object the store holds: what tests inspect after an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The uuid the presign answer gave.
    pub file_uuid: String,
    /// The object name: the base name of the client's `local_file_path`, sanitized.
    pub name: String,
    /// What the presign answer called `remote_file_path`: the object's key in the bucket,
    /// `<organization_uuid>/<file_uuid>/<name>`.
    pub remote_file_path: String,
    /// Bytes stored.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes, to compare with the local file.
    pub sha256: String,
    /// The bound content type, else the one the PUT sent, else `application/octet-stream`.
    pub content_type: String,
    /// Successful PUTs to this object; more than one means the client re-sent it. Zero
    /// when the bytes came another way (a direct upload, a copied `remote_uri`).
    pub puts: u32,
    /// Where the bytes are on disk, `<data_dir>/<bucket>/<key>`; empty when the emulator discards bodies
    /// ([`EmulatorConfig::discard_bodies`](crate::EmulatorConfig::discard_bodies)).
    pub path: PathBuf,
}

impl StoredObject {
    /// The first 32 hex digits of the SHA-256, quoted: opaque, as S3's are to clients.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", &self.sha256[..32.min(self.sha256.len())])
    }
}

/// A stored object, and when (for `Last-Modified`).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) object: StoredObject,
    pub(crate) stored_at: SystemTime,
}

/// The table of stored objects. Keyed by file uuid, so listings come out sorted.
#[derive(Default)]
pub(crate) struct Objects {
    table: Mutex<BTreeMap<String, Entry>>,
}

impl Objects {
    /// The table, locked. A poisoned lock is recovered: every update to it is a single
    /// insert, so it is never left half-changed.
    pub(crate) fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Entry>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn entry(&self, file_uuid: &str) -> Option<Entry> {
        self.lock().get(file_uuid).cloned()
    }

    pub(crate) fn get(&self, file_uuid: &str) -> Option<StoredObject> {
        self.lock().get(file_uuid).map(|e| e.object.clone())
    }

    pub(crate) fn all(&self) -> Vec<StoredObject> {
        self.lock().values().map(|e| e.object.clone()).collect()
    }
}
