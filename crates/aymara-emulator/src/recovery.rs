//! What a start does about an emulator that did not stop cleanly (`kill -9`, a crash).
//!
//! Objects are written in an order that leaves at most two kinds of leftovers:
//! 1. a body is received into `<data_dir>/.parts/` and renamed into place only once whole,
//!    so a kill before that leaves a partial body there, never a partial object: a start
//!    removes every part;
//! 2. before the rename, the database notes the object as landing, and the commit that
//!    records the object ends the note, so a kill between the rename and that commit
//!    leaves a note: a start hashes the object in place and records it (adopts it), or
//!    drops the note when the rename never happened.
//!
//! No record ever claims bytes that are not all in place, and no object lies in place that
//! no record accounts for. What was done is reported ([`Recovery`]), and logged.
//!
//! Objects beside a database made anew (its file was removed, or an older emulator kept no
//! database) belong to no record and cannot be adopted: nothing says what they were. They
//! are counted and reported, and left for the user to remove.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::db::{Conn, DbError};
use crate::files::Arrival;

/// What a start cleaned up after an emulator that did not stop cleanly. Empty after a
/// clean stop, and always for an ephemeral emulator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// Partial bodies (uploads cut off by the stop) removed from `<data_dir>/.parts/`.
    pub partial_bodies_removed: u64,
    /// Files whose object was in place but not yet recorded when the emulator stopped:
    /// their objects were hashed and recorded, so they are now stored.
    pub objects_adopted: Vec<String>,
    /// Objects found beside a database made anew, which no record accounts for: they are
    /// not served, and left in place.
    pub objects_without_record: u64,
}

impl Recovery {
    /// Whether the start found nothing to clean up.
    pub fn is_empty(&self) -> bool {
        *self == Recovery::default()
    }
}

/// One line, each thing done in a clause of its own: "removed 1 partial body left by an
/// unclean stop; recorded the object already in place of file …".
impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clauses = Vec::new();
        if self.partial_bodies_removed > 0 {
            let n = self.partial_bodies_removed;
            let bodies = if n == 1 { "body" } else { "bodies" };
            clauses.push(format!(
                "removed {n} partial {bodies} left by an unclean stop"
            ));
        }
        if !self.objects_adopted.is_empty() {
            clauses.push(format!(
                "recorded the object already in place of file {} (an unclean stop came \
                 before its record)",
                self.objects_adopted.join(", ")
            ));
        }
        if self.objects_without_record > 0 {
            clauses.push(format!(
                "{} objects that no record accounts for (the database was made anew beside \
                 them) are not served; remove them to reclaim the space",
                self.objects_without_record
            ));
        }
        if clauses.is_empty() {
            return f.write_str("nothing to clean up");
        }
        f.write_str(&clauses.join("; "))
    }
}

/// Removes the parts and settles the landing notes, with the database's lock held (so no
/// other emulator is writing); beside a database just `created`, counts the objects.
/// `objects_dir` is `<data_dir>/<bucket>`.
pub(crate) fn recover(
    conn: &mut Conn,
    parts_dir: &Path,
    objects_dir: &Path,
    created: bool,
) -> Result<Recovery, DbError> {
    let mut recovery = Recovery {
        partial_bodies_removed: remove_parts(parts_dir)?,
        ..Recovery::default()
    };
    if created {
        recovery.objects_without_record = match count_files(objects_dir) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(named(objects_dir, e).into()),
        };
    }
    for landing in conn.landings()? {
        let Some(record) = conn.find(&landing.file_uuid)? else {
            conn.drop_landing(&landing.file_uuid)?;
            continue;
        };
        let path = objects_dir.join(&record.key);
        let (size, sha256, modified) = match hash(&path) {
            Ok(found) => found,
            // Killed before the rename: the body was a part, removed above.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                conn.drop_landing(&landing.file_uuid)?;
                continue;
            }
            Err(e) => return Err(named(&path, e).into()),
        };
        if record.stored.as_ref().is_some_and(|s| s.sha256 == sha256) {
            // A PUT of a stored object, killed before its rename: the record is right.
            conn.drop_landing(&landing.file_uuid)?;
            continue;
        }
        conn.store_object(&landing, Arrival { size, at: modified }, &sha256)?;
        recovery.objects_adopted.push(landing.file_uuid);
    }
    if !recovery.is_empty() {
        tracing::warn!(%recovery, "emulator: recovered");
    }
    Ok(recovery)
}

/// Empties (or creates) the directory of bodies being received; returns how many files it
/// held. Whatever is there was left by an emulator stopped mid-upload: never a complete
/// object, since objects are renamed out of it only once whole.
fn remove_parts(parts_dir: &Path) -> io::Result<u64> {
    let named = |e| named(parts_dir, e);
    let removed = match count_files(parts_dir) {
        Ok(n) => {
            std::fs::remove_dir_all(parts_dir).map_err(named)?;
            n
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(named(e)),
    };
    std::fs::create_dir_all(parts_dir).map_err(named)?;
    Ok(removed)
}

fn count_files(dir: &Path) -> io::Result<u64> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        n += if entry.file_type()?.is_dir() {
            count_files(&entry.path())?
        } else {
            1
        };
    }
    Ok(n)
}

/// An object's size, SHA-256 and modification time (when it was renamed into place).
fn hash(path: &Path) -> io::Result<(u64, String, SystemTime)> {
    let mut file = std::fs::File::open(path)?;
    let modified = file.metadata()?.modified()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize()), modified))
}

/// `e`, naming `path`.
fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_says_what_it_did_in_one_line() {
        assert_eq!(Recovery::default().to_string(), "nothing to clean up");
        let recovery = Recovery {
            partial_bodies_removed: 2,
            objects_adopted: vec!["u1".into()],
            objects_without_record: 0,
        };
        assert_eq!(
            recovery.to_string(),
            "removed 2 partial bodies left by an unclean stop; recorded the object already in place of file u1 (an unclean stop came before its record)"
        );
        let orphans = Recovery {
            objects_without_record: 3,
            ..Recovery::default()
        };
        assert_eq!(
            orphans.to_string(),
            "3 objects that no record accounts for (the database was made anew beside them) are not served; remove them to reclaim the space"
        );
        assert!(!recovery.is_empty());
    }
}
