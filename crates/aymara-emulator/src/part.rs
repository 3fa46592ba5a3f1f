//! A body being received: written to a temporary file among the parts (or nowhere, when
//! bodies are discarded), hashed and counted as it arrives, and moved into place as an
//! object only once whole. Dropping a part deletes its file.

use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

use crate::db::{DbError, Landing};
use crate::files::Arrival;
use crate::kill::{KillPoint, KillSwitch};
use crate::objects::StoredObject;
use crate::state::Shared;

/// A body on its way in.
pub(crate) struct Part {
    file: Option<(tokio::fs::File, TempPath)>,
    hasher: Sha256,
    size: u64,
    kill: KillSwitch,
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
    /// A new part among `shared`'s parts; `discard` keeps no bytes, only the count and
    /// hash.
    pub(crate) fn new(shared: &Shared, discard: bool) -> std::io::Result<Part> {
        let file = if discard {
            None
        } else {
            let temp = tempfile::Builder::new()
                .prefix("put-")
                .suffix(".part")
                .tempfile_in(&shared.parts_dir)?;
            let (file, temp) = temp.into_parts();
            Some((tokio::fs::File::from_std(file), temp))
        };
        Ok(Part {
            file,
            hasher: Sha256::new(),
            size: 0,
            kill: shared.kill,
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
            if self.kill.is(KillPoint::MidBody) {
                file.flush().await?;
                self.kill.at(KillPoint::MidBody);
            }
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
        self.kill.at(KillPoint::BodyReceived);
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

/// Moves a received body to `<data_dir>/<bucket>/<key>` and records it in its file's
/// record, in the order [`crate::recovery`] relies on: note the landing, rename, then record
/// the object and end the note in one commit. It all runs as one database call, so two
/// PUTs of one file never interleave: the record always describes the object in place.
pub(crate) async fn commit(
    shared: &Shared,
    received: Received,
    meta: ObjectMeta,
) -> Result<StoredObject, DbError> {
    let path = shared.objects_dir.join(&meta.key);
    let kept = received.temp.is_some();
    if kept && let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let landing = Landing {
        file_uuid: meta.file_uuid.clone(),
        content_type: meta.content_type.clone(),
        by_put: meta.by_put,
    };
    let arrival = Arrival {
        size: received.size,
        at: shared.clock.now(),
    };
    let kill = shared.kill;
    let puts = shared.db.run(|conn| {
        if let Some(temp) = received.temp {
            conn.begin_landing(&landing)?;
            kill.at(KillPoint::LandingNoted);
            if let Err(e) = temp.persist(&path) {
                conn.drop_landing(&landing.file_uuid)?;
                return Err(e.error.into());
            }
            kill.at(KillPoint::Renamed);
        }
        let puts = conn.store_object(&landing, arrival, &received.sha256)?;
        kill.at(KillPoint::Recorded);
        Ok(puts)
    })?;
    Ok(StoredObject {
        file_uuid: meta.file_uuid,
        name: meta.name,
        remote_file_path: meta.key,
        size: arrival.size,
        sha256: received.sha256,
        content_type: meta.content_type,
        puts,
        path: if kept { path } else { Default::default() },
    })
}
