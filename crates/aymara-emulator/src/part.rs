//! A body being received: written to a temporary file among the parts (or nowhere, when
//! bodies are discarded), hashed and counted as it arrives, and moved into place as an
//! object only once whole. Dropping a part deletes its file.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

use crate::files::Arrival;
use crate::objects::{Entry, StoredObject};
use crate::state::Shared;

/// A body on its way in.
pub(crate) struct Part {
    file: Option<(tokio::fs::File, TempPath)>,
    hasher: Sha256,
    size: u64,
}

/// A body received whole, not yet an object.
pub(crate) struct Received {
    temp: Option<TempPath>,
    pub(crate) sha256: String,
    pub(crate) size: u64,
}

impl Received {
    /// Where the bytes are, unless they were discarded.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.temp.as_deref()
    }
}

impl Part {
    /// A new part in `parts_dir`; `discard` keeps no bytes, only the count and hash.
    pub(crate) fn new(parts_dir: &Path, discard: bool) -> std::io::Result<Part> {
        let file = if discard {
            None
        } else {
            let temp = tempfile::Builder::new()
                .prefix("put-")
                .suffix(".part")
                .tempfile_in(parts_dir)?;
            let (file, temp) = temp.into_parts();
            Some((tokio::fs::File::from_std(file), temp))
        };
        Ok(Part {
            file,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if let Some((file, _)) = self.file.as_mut() {
            file.write_all(chunk).await?;
        }
        Ok(())
    }

    /// Flushes and closes the file: the body is whole.
    pub(crate) async fn finish(self) -> std::io::Result<Received> {
        let temp = match self.file {
            Some((mut file, temp)) => {
                file.flush().await?;
                drop(file);
                Some(temp)
            }
            None => None,
        };
        Ok(Received {
            temp,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }
}

/// What an object is recorded with, besides its bytes.
pub(crate) struct ObjectMeta {
    pub(crate) key: String,
    pub(crate) file_uuid: String,
    pub(crate) name: String,
    pub(crate) content_type: String,
    /// Whether this is a PUT (counted in [`StoredObject::puts`]) or another way in.
    pub(crate) by_put: bool,
}

/// Moves a received body to `<data_dir>/<bucket>/<key>` and records it, under the table's
/// lock so the table always describes the file on disk, even when two PUTs race; then
/// tells the file's record its bytes arrived.
pub(crate) async fn commit(
    shared: &Shared,
    received: Received,
    meta: ObjectMeta,
) -> std::io::Result<StoredObject> {
    let path = match &received.temp {
        Some(_) => {
            let path = shared.objects_dir.join(&meta.key);
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            path
        }
        None => PathBuf::new(),
    };
    let object = {
        let mut objects = shared.objects.lock();
        if let Some(temp) = received.temp {
            temp.persist(&path).map_err(|e| e.error)?;
        }
        let puts = objects.get(&meta.file_uuid).map_or(0, |e| e.object.puts);
        let object = StoredObject {
            remote_file_path: meta.key,
            file_uuid: meta.file_uuid.clone(),
            name: meta.name,
            size: received.size,
            sha256: received.sha256,
            content_type: meta.content_type,
            puts: puts.saturating_add(u32::from(meta.by_put)),
            path,
        };
        objects.insert(
            meta.file_uuid.clone(),
            Entry {
                object: object.clone(),
                stored_at: SystemTime::now(),
            },
        );
        object
    };
    shared
        .files
        .arrived(&meta.file_uuid, Arrival::now(received.size));
    Ok(object)
}
