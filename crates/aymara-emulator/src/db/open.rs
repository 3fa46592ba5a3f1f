//! Opening the database: in a data directory (checked before anything is written, so a
//! file that is not ours, or is newer or damaged, is refused with one line and left as it
//! is), or in memory.

use std::io;
use std::path::Path;

use rusqlite::{Connection, ErrorCode};

use super::meta::{self, Identity, StoreKind};
use super::schema::{APPLICATION_ID, CREATE, VERSION};
use super::{Conn, Db, listing};
use crate::lock::DirLock;

/// The database in a data directory (with its `-wal` and `-shm` beside it while open).
/// An underscore cannot start or be part of a bucket name, so it never meets the objects.
pub const FILE_NAME: &str = "emulator_state.sqlite3";

/// SQLite's page cache, the only memory that grows with use: 8 MiB (negative is KiB).
const CACHE_KIB: i64 = -8 * 1024;

/// Opens (or creates) the database in `data_dir`, whose lock the caller holds, for
/// `store`; says whether it was created.
pub(crate) fn open_file(
    data_dir: &Path,
    lock: DirLock,
    store: StoreKind<'_>,
) -> io::Result<(Db, Identity, bool)> {
    let path = data_dir.join(FILE_NAME);
    create_private(&path)?;
    let mut sql = Connection::open(&path).map_err(|e| failed(&path, e))?;
    let found = check(&sql, &path)?;
    let configure = || -> rusqlite::Result<()> {
        sql.pragma_update(None, "journal_mode", "WAL")?;
        sql.pragma_update(None, "synchronous", "NORMAL")?;
        sql.pragma_update(None, "cache_size", CACHE_KIB)?;
        sql.busy_timeout(std::time::Duration::from_secs(5))
    };
    configure().map_err(|e| failed(&path, e))?;
    let identity = match found {
        Found::Empty => create(&mut sql, store).map_err(|e| failed(&path, e))?,
        Found::Current => Identity::read(&sql, store)
            .map_err(|e| failed(&path, e))?
            .map_err(|stored| {
                refused(
                    &path,
                    format!(
                        "holds the files of {stored}, not of {}: start the emulator as before, or use another data directory",
                        store.describe()
                    ),
                )
            })?,
    };
    let created = matches!(found, Found::Empty);
    Ok((conn(sql, &identity, Some(lock)), identity, created))
}

/// A new database in memory, for an ephemeral emulator.
pub(crate) fn open_memory(store: StoreKind<'_>) -> io::Result<(Db, Identity)> {
    let mut sql = Connection::open_in_memory().map_err(io::Error::other)?;
    let identity = create(&mut sql, store).map_err(io::Error::other)?;
    Ok((conn(sql, &identity, None), identity))
}

/// The organization of the state kept in `data_dir`, if there is any, without locking or
/// changing it: so a dry run can find the journal of `--local`'s store without starting it.
pub(crate) fn stored_organization(data_dir: &Path) -> io::Result<Option<String>> {
    let path = data_dir.join(FILE_NAME);
    if !path.exists() {
        return Ok(None);
    }
    let sql = Connection::open(&path).map_err(|e| failed(&path, e))?;
    match check(&sql, &path)? {
        Found::Empty => Ok(None),
        Found::Current => meta::organization(&sql).map_err(|e| failed(&path, e)),
    }
}

/// What a database file held when opened.
enum Found {
    /// Nothing yet: a new file.
    Empty,
    /// The emulator's tables, at this version.
    Current,
}

/// Reads the header and the schema's size, which is where a file that is not a database,
/// or is damaged there, fails; then checks that it is the emulator's, of a version it reads.
fn check(sql: &Connection, path: &Path) -> io::Result<Found> {
    let read = || -> rusqlite::Result<(i64, i64, i64)> {
        let objects = sql.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        let application = sql.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version = sql.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok((objects, application, version))
    };
    let (objects, application, version) = read().map_err(|e| failed(path, e))?;
    if objects == 0 && version == 0 {
        return Ok(Found::Empty);
    }
    if application != APPLICATION_ID {
        return Err(refused(
            path,
            format!(
                "is a SQLite database, but not the emulator's (application_id {application:#x}); it was left as it is: use another data directory",
            ),
        ));
    }
    if version > VERSION {
        return Err(refused(
            path,
            format!(
                "was written by a newer emulator (schema version {version}; this one reads up to {VERSION}); it was left as it is: upgrade aymara, or use another data directory"
            ),
        ));
    }
    if version < VERSION {
        // Version 1 is the first: nothing older was ever written with this application id.
        return Err(refused(
            path,
            format!(
                "has the emulator's application id but schema version {version}, which no emulator wrote; it was left as it is: move it away to start afresh"
            ),
        ));
    }
    Ok(Found::Current)
}

/// Creates the tables and the identity in one transaction: a kill half-way leaves an
/// empty file, which the next start creates again.
fn create(sql: &mut Connection, store: StoreKind<'_>) -> rusqlite::Result<Identity> {
    let tx = sql.transaction()?;
    tx.execute_batch(CREATE)?;
    let identity = Identity::create(&tx, store)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(identity)
}

fn conn(sql: Connection, identity: &Identity, lock: Option<DirLock>) -> Db {
    Db::new(Conn {
        sql,
        org_uuid: identity.org_uuid.clone(),
        cursors: listing::Cursors::default(),
        _lock: lock,
    })
}

/// Creates the file readable by its owner only, if it is new: it holds the store's key.
/// (SQLite gives its `-wal` and `-shm` files the same permissions.)
fn create_private(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// A file refused for what it holds: one line naming it.
fn refused(path: &Path, why: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} {why}", path.display()),
    )
}

/// A failed SQLite call on `path`: damage is told as such (the file is never rewritten to
/// repair it); anything else as SQLite says it.
fn failed(path: &Path, e: rusqlite::Error) -> io::Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => refused(
            path,
            format!(
                "is damaged or not a database ({e}); it was left as it is: move it away to start afresh, or use another data directory"
            ),
        ),
        _ => io::Error::other(format!("{}: {e}", path.display())),
    }
}
