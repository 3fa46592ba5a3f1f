//! What the store holds, as tests see it: a file's object, read from its record.

use std::path::{Path, PathBuf};

use crate::files::FileRecord;

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
    /// The object a record holds in the emulator's own store, if its bytes are there;
    /// at `<objects_dir>/<key>` unless the emulator discards bodies.
    pub(crate) fn of(record: &FileRecord, objects_dir: &Path, discard: bool) -> Option<Self> {
        let (stored, arrival) = (record.stored.as_ref()?, record.arrival?);
        Some(StoredObject {
            file_uuid: record.file_uuid.clone(),
            name: record.name().to_owned(),
            remote_file_path: record.key.clone(),
            size: arrival.size,
            sha256: stored.sha256.clone(),
            content_type: stored.content_type.clone(),
            puts: stored.puts,
            path: if discard {
                PathBuf::new()
            } else {
                objects_dir.join(&record.key)
            },
        })
    }

    /// The first 32 hex digits of the SHA-256, quoted: opaque, as S3's are to clients.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", &self.sha256[..32.min(self.sha256.len())])
    }
}
