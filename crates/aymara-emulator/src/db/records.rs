//! File records: written when files are created, changed as their life goes on (bytes
//! arrived, failed, deleted), read one at a time or as the objects they hold.

use std::time::SystemTime;

use rusqlite::{OptionalExtension, Row, params};

use super::{Conn, DbError};
use crate::clock::{from_ms, to_ms};
use crate::files::{Arrival, FileRecord, FileType, Stored};
use crate::keys::object_key;

/// A record's columns, in the order [`record`] reads them.
pub(super) const COLUMNS: &str = "file_uuid, workspace_uuid, local_file_path, name, \
    content_type, remote_uri, created_ms, deleted, size, arrived_ms, sha256, \
    object_content_type, puts, failure, failed_ms, frames_stored";

/// An object on its way into place: noted before its rename, so a start after a kill
/// between the rename and the record's commit finds it and adopts it.
#[derive(Debug, Clone)]
pub(crate) struct Landing {
    pub(crate) file_uuid: String,
    /// The content type the bytes came with.
    pub(crate) content_type: String,
    /// Whether a PUT brought them (counted in [`crate::StoredObject::puts`]).
    pub(crate) by_put: bool,
}

impl Conn {
    /// Writes new files' records, all or none. (Files are created pending; the bench's seed
    /// writes them stored.)
    pub(crate) fn insert(&mut self, records: &[FileRecord]) -> Result<(), DbError> {
        let tx = self.sql.transaction()?;
        {
            let mut insert = tx.prepare_cached(&format!(
                "INSERT INTO files ({COLUMNS}, file_type) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
            ))?;
            for record in records {
                let arrival = record.arrival.as_ref();
                let stored = record.stored.as_ref();
                let failure = record.failure.as_ref();
                insert.execute(params![
                    record.file_uuid,
                    record.workspace_uuid,
                    record.local_file_path,
                    record.name(),
                    record.content_type,
                    record.remote_uri,
                    to_ms(record.created_at),
                    record.deleted,
                    arrival.map(|a| a.size),
                    arrival.map(|a| to_ms(a.at)),
                    stored.map(|s| &s.sha256),
                    stored.map(|s| &s.content_type),
                    stored.map_or(0, |s| s.puts),
                    failure.map(|f| &f.0),
                    failure.map(|f| to_ms(f.1)),
                    record.frames_stored,
                    record.file_type().code(),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A file, deleted or not.
    pub(crate) fn find(&self, file_uuid: &str) -> Result<Option<FileRecord>, DbError> {
        Ok(self
            .sql
            .prepare_cached(&format!("SELECT {COLUMNS} FROM files WHERE file_uuid = ?1"))?
            .query_row([file_uuid], |row| record(&self.org_uuid, row, 0))
            .optional()?)
    }

    /// A file that exists and is not deleted.
    pub(crate) fn live(&self, file_uuid: &str) -> Result<Option<FileRecord>, DbError> {
        Ok(self.find(file_uuid)?.filter(|r| !r.deleted))
    }

    /// Every file whose bytes are in the emulator's store, by file uuid.
    pub(crate) fn objects(&self) -> Result<Vec<FileRecord>, DbError> {
        let mut select = self.sql.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM files WHERE sha256 IS NOT NULL ORDER BY file_uuid"
        ))?;
        let rows = select.query_map([], |row| record(&self.org_uuid, row, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Soft-deletes a live file; `false` if there is none. Offsets after it move, so the
    /// remembered listing cursors are forgotten.
    pub(crate) fn delete(&mut self, file_uuid: &str) -> Result<bool, DbError> {
        let changed = self
            .sql
            .prepare_cached("UPDATE files SET deleted = 1 WHERE file_uuid = ?1 AND deleted = 0")?
            .execute([file_uuid])?;
        if changed > 0 {
            self.cursors.clear();
        }
        Ok(changed > 0)
    }

    /// Records why a file's bytes will never come.
    pub(crate) fn fail(
        &self,
        file_uuid: &str,
        message: &str,
        at: SystemTime,
    ) -> Result<(), DbError> {
        self.sql
            .prepare_cached("UPDATE files SET failure = ?2, failed_ms = ?3 WHERE file_uuid = ?1")?
            .execute(params![file_uuid, message, to_ms(at)])?;
        Ok(())
    }

    /// Records that a fronted store holds this video's frames.
    pub(crate) fn frames_stored(&self, file_uuid: &str) -> Result<(), DbError> {
        self.sql
            .prepare_cached("UPDATE files SET frames_stored = 1 WHERE file_uuid = ?1")?
            .execute([file_uuid])?;
        Ok(())
    }

    /// Records that a fronted store has the file's bytes (learned with a `HEAD`).
    pub(crate) fn arrived(&self, file_uuid: &str, arrival: Arrival) -> Result<(), DbError> {
        self.sql
            .prepare_cached(
                "UPDATE files SET size = ?2, arrived_ms = ?3 WHERE file_uuid = ?1 AND size IS NULL",
            )?
            .execute(params![file_uuid, arrival.size, to_ms(arrival.at)])?;
        Ok(())
    }

    /// Notes an object about to be renamed into place (committed before the rename).
    pub(crate) fn begin_landing(&self, landing: &Landing) -> Result<(), DbError> {
        self.sql
            .prepare_cached("INSERT OR REPLACE INTO landings VALUES (?1, ?2, ?3)")?
            .execute(params![
                landing.file_uuid,
                landing.content_type,
                landing.by_put
            ])?;
        Ok(())
    }

    /// The objects noted as landing and never recorded: a kill came in between.
    pub(crate) fn landings(&self) -> Result<Vec<Landing>, DbError> {
        let mut select = self
            .sql
            .prepare("SELECT file_uuid, content_type, by_put FROM landings")?;
        let rows = select.query_map([], |row| {
            Ok(Landing {
                file_uuid: row.get(0)?,
                content_type: row.get(1)?,
                by_put: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a landing whose object never reached its place.
    pub(crate) fn drop_landing(&self, file_uuid: &str) -> Result<(), DbError> {
        self.sql
            .prepare_cached("DELETE FROM landings WHERE file_uuid = ?1")?
            .execute([file_uuid])?;
        Ok(())
    }

    /// Records the object now in place for `landing` (and ends the landing), in one
    /// transaction; returns how many PUTs have stored it.
    pub(crate) fn store_object(
        &mut self,
        landing: &Landing,
        arrival: Arrival,
        sha256: &str,
    ) -> Result<u32, DbError> {
        let tx = self.sql.transaction()?;
        let puts = tx
            .prepare_cached(
                "UPDATE files SET size = ?2, arrived_ms = ?3, sha256 = ?4, \
                 object_content_type = ?5, puts = puts + ?6 WHERE file_uuid = ?1 RETURNING puts",
            )?
            .query_row(
                params![
                    landing.file_uuid,
                    arrival.size,
                    to_ms(arrival.at),
                    sha256,
                    landing.content_type,
                    landing.by_put,
                ],
                |row| row.get(0),
            )?;
        tx.prepare_cached("DELETE FROM landings WHERE file_uuid = ?1")?
            .execute([&landing.file_uuid])?;
        tx.commit()?;
        Ok(puts)
    }
}

/// A record from its [`COLUMNS`], starting at column `first`.
pub(super) fn record(org_uuid: &str, row: &Row<'_>, first: usize) -> rusqlite::Result<FileRecord> {
    let at = |i: usize| first + i;
    let file_uuid: String = row.get(at(0))?;
    let name: String = row.get(at(3))?;
    let arrival = match (
        row.get::<_, Option<u64>>(at(8))?,
        row.get::<_, Option<i64>>(at(9))?,
    ) {
        (Some(size), Some(ms)) => Some(Arrival {
            size,
            at: from_ms(ms),
        }),
        _ => None,
    };
    let stored = match (
        row.get::<_, Option<String>>(at(10))?,
        row.get::<_, Option<String>>(at(11))?,
    ) {
        (Some(sha256), Some(content_type)) => Some(Stored {
            sha256,
            content_type,
            puts: row.get(at(12))?,
        }),
        _ => None,
    };
    let failure = match (
        row.get::<_, Option<String>>(at(13))?,
        row.get::<_, Option<i64>>(at(14))?,
    ) {
        (Some(message), Some(ms)) => Some((message, from_ms(ms))),
        _ => None,
    };
    Ok(FileRecord {
        key: object_key(org_uuid, &file_uuid, &name),
        file_uuid,
        workspace_uuid: row.get(at(1))?,
        local_file_path: row.get(at(2))?,
        content_type: row.get(at(4))?,
        remote_uri: row.get(at(5))?,
        created_at: from_ms(row.get(at(6))?),
        deleted: row.get(at(7))?,
        arrival,
        stored,
        failure,
        frames_stored: row.get(at(15))?,
    })
}

impl FileType {
    /// How the `file_type` column holds it.
    pub(super) fn code(self) -> i64 {
        match self {
            FileType::Image => 1,
            FileType::Video => 2,
            FileType::Text => 3,
            FileType::Document => 4,
        }
    }
}
