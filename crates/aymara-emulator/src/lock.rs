//! One emulator per data directory. A second one (another `aymara serve`, or a `--local`
//! command while a server runs there) is refused at once, naming the directory.
//!
//! Sharing was the alternative: SQLite would keep two writers' records apart, but a start
//! removes partial bodies and adopts objects left by a kill, which only the sole user of
//! the directory may do, and two stores renaming into one tree would race. So the first
//! emulator holds an advisory lock (`flock`, through std's `File::try_lock`) on a file in
//! the directory for as long as its database is open; the kernel drops it when the process
//! dies, `kill -9` included, so a crash never leaves the directory locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

/// The lock file, beside the database.
pub const LOCK_FILE: &str = "emulator_state.lock";

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Locks `data_dir`, or says in one line that another emulator uses it.
    pub(crate) fn acquire(data_dir: &Path) -> io::Result<DirLock> {
        let path = data_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                format!(
                    "the data directory {} is in use by another emulator (an `aymara serve`, \
                     or a command with --local); stop it, or use another data directory",
                    data_dir.display()
                ),
            )),
            Err(TryLockError::Error(e)) => Err(io::Error::new(
                e.kind(),
                format!("cannot lock {}: {e}", path.display()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        let refused = DirLock::acquire(dir.path()).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::WouldBlock);
        assert!(
            refused.to_string().starts_with(&format!(
                "the data directory {} is in use",
                dir.path().display()
            )),
            "{refused}"
        );
        drop(first);
        DirLock::acquire(dir.path()).unwrap();
    }
}
