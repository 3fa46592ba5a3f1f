//! The emulator's state in SQLite: the file records (each with its object folded in, since
//! a file has at most one), the organization and the key the store signs with.
//!
//! One connection behind a mutex, used on the calling thread: every call is a few index
//! lookups or one small commit, cheaper than handing it to another thread (which doubled
//! the time of a 20,000-file `--local` upload). In a data directory it is a WAL database:
//! a committed write survives `kill -9`, and only a checkpoint, once per thousand pages
//! written, waits for the disk. An ephemeral emulator keeps it in memory. Nothing about
//! files is kept in memory besides SQLite's own bounded page cache and a few listing
//! cursors ([`listing`]).

mod listing;
mod meta;
mod open;
mod records;
mod schema;

use std::fmt;
use std::sync::Mutex;

pub(crate) use listing::ListFilter;
pub(crate) use meta::{Identity, StoreKind};
pub use open::FILE_NAME;
pub(crate) use open::{open_file, open_memory, stored_organization};
pub(crate) use records::Landing;

use crate::files::FileRecord;
use crate::lock::DirLock;

/// The database.
pub(crate) struct Db {
    conn: Mutex<Conn>,
}

/// The connection and what lives as long as it.
pub(crate) struct Conn {
    pub(crate) sql: rusqlite::Connection,
    /// Every key starts with it; records keep only the name after it.
    org_uuid: String,
    cursors: listing::Cursors,
    /// The data directory's lock, released only once the connection is closed (fields
    /// drop in order).
    _lock: Option<DirLock>,
}

/// Why a call failed: the database, or the file system around it.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Io(std::io::Error),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "database: {e}"),
            DbError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<std::io::Error> for DbError {
    fn from(e: std::io::Error) -> Self {
        DbError::Io(e)
    }
}

impl Db {
    fn new(conn: Conn) -> Db {
        Db {
            conn: Mutex::new(conn),
        }
    }

    /// Runs `f` on the connection, one call at a time. A poisoned lock is recovered: a
    /// transaction a panic interrupted was rolled back as it unwound.
    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        f(&mut self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A file that exists and is not deleted.
    pub(crate) fn live(&self, file_uuid: &str) -> Result<Option<FileRecord>, DbError> {
        self.run(|conn| conn.live(file_uuid))
    }
}
