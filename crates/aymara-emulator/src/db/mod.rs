//! The emulator's state in SQLite: the file records (each with its object folded in, since
//! a file has at most one), the organization and the key the store signs with.
//!
//! One connection, used by one call at a time on tokio's blocking pool, so a slow write
//! (a WAL checkpoint) never stalls the async workers. In a data directory it is a WAL
//! database: a committed write survives `kill -9`. An ephemeral emulator keeps it in
//! memory. Nothing about files is kept in memory besides SQLite's own bounded page cache
//! and a few listing cursors ([`listing`]).

mod listing;
mod meta;
mod open;
mod records;
mod schema;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Semaphore;

pub(crate) use listing::ListFilter;
pub(crate) use meta::{Identity, StoreKind};
pub use open::FILE_NAME;
pub(crate) use open::{open_file, open_memory, stored_organization};
pub(crate) use records::Landing;

use crate::files::FileRecord;
use crate::lock::DirLock;

/// The database and the call queue in front of it.
pub(crate) struct Db {
    conn: Arc<Mutex<Conn>>,
    /// One call at a time reaches the blocking pool; the others wait here, not in threads.
    turn: Semaphore,
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

/// Why a call failed: the database, the file system around it, or a call cut short.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Io(std::io::Error),
    /// The blocking task ended without an answer (it panicked).
    Lost,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "database: {e}"),
            DbError::Io(e) => write!(f, "{e}"),
            DbError::Lost => f.write_str("a database call ended without an answer"),
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
            conn: Arc::new(Mutex::new(conn)),
            turn: Semaphore::new(1),
        }
    }

    /// Runs `f` on the connection on the blocking pool. Once started it runs to its end
    /// even if the caller goes away, so a transaction is never abandoned half-way.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, DbError> + Send + 'static,
    {
        let _turn = self.turn.acquire().await.map_err(|_| DbError::Lost)?;
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|_| DbError::Lost)?
    }

    /// A file that exists and is not deleted.
    pub(crate) async fn live(&self, file_uuid: &str) -> Result<Option<FileRecord>, DbError> {
        let file_uuid = file_uuid.to_owned();
        self.call(move |conn| conn.live(&file_uuid)).await
    }

    /// Runs `f` on the connection here, blocking: for the synchronous inspection methods
    /// of [`crate::Emulator`] and for start-up.
    pub(crate) fn blocking<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        f(&mut lock(&self.conn))
    }
}

/// A poisoned lock is recovered: a transaction a panic interrupted was rolled back as it
/// unwound, so the connection is never left half-changed.
fn lock(conn: &Mutex<Conn>) -> MutexGuard<'_, Conn> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}
