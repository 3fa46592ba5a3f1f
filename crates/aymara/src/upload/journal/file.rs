//! [`FileJournal`]: the journal as an append-only file of JSON lines, one per stored file.
//!
//! Each entry is appended with one `write` of a whole line, so a process killed at any
//! moment leaves every entry it recorded, and at most a torn last line, which the next open
//! ignores (with a warning) and cuts off. The file is locked while open, so two uploads
//! cannot interleave their lines. In memory it keeps only a hash of each path and where
//! its latest line is; a lookup reads that one line back.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::lock::lock;
use crate::upload::journal::entries::{Journal, JournalEntry, JournalQuery, normalize};
use aymara_text as display;

/// The provided [`Journal`]: a JSON-lines file, locked while open.
///
/// ```no_run
/// # async fn run(client: aymara::Client) -> Result<(), aymara::Error> {
/// let journal = aymara::FileJournal::open(".aymara/journal.jsonl")?;
/// for warning in journal.warnings() {
///     eprintln!("warning: {warning}");
/// }
/// let options = aymara::UploadOptions::new().journal(journal);
/// let report = client.files().upload(["data/a.csv"], options).await?;
/// println!("{} skipped", report.skipped().count());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    state: Mutex<State>,
    warnings: Vec<String>,
    writable: bool,
}

#[derive(Debug)]
struct State {
    file: Option<File>,
    /// Hash of a normalized path → where its latest line is: offset, length.
    index: HashMap<u64, (u64, u32)>,
    /// Lines appended since the last lookup, in order, as (key, offset, length): indexed
    /// only when a lookup needs them, so that an upload of a million new files grows a
    /// list, not a hash map (which needs twice its size while it grows).
    recorded: Vec<(u64, u64, u32)>,
    /// Where the next line goes.
    end: u64,
    /// A failed append that could not be cut back: later ones would be glued to it.
    broken: bool,
}

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    local_file_path: String,
    size_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mtime: Option<Mtime>,
    /// Lines written before hashes were BLAKE3 have `sha256` instead; it is not read, so
    /// those entries match by modification time until recorded again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blake3: Option<String>,
    file_uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    remote_file_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workspace_uuid: Option<String>,
}

/// A modification time: seconds since the Unix epoch (negative before it) and nanoseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Mtime {
    secs: i64,
    nanos: u32,
}

/// Only what indexing needs from a line.
#[derive(Deserialize)]
struct PathOnly {
    local_file_path: String,
}

impl FileJournal {
    /// Opens (or creates, with its directory) the journal at `path` and locks it for this
    /// process. Fails, naming the path, when another upload holds it.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let fail = |source: io::Error| Error::local_file(&path, source);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::local_file(dir, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(fail(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "the upload journal is in use by another upload (it is locked)",
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        let scan = scan(&file, &path).map_err(fail)?;
        if scan.torn {
            // Cut the torn line off, so the next entry starts a line of its own.
            file.set_len(scan.end).map_err(fail)?;
        }
        Ok(Self::new(path, file, scan, true))
    }

    /// Reads the journal at `path` without locking or changing it (a missing file is an
    /// empty journal): for a dry run while another upload may be writing it. Recording
    /// fails.
    pub fn open_read_only(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Self::new(path, None::<File>, Scan::default(), false));
            }
            Err(e) => return Err(Error::local_file(&path, e)),
        };
        let scan = scan(&file, &path).map_err(|e| Error::local_file(&path, e))?;
        Ok(Self::new(path, file, scan, false))
    }

    fn new(path: PathBuf, file: impl Into<Option<File>>, scan: Scan, writable: bool) -> Self {
        Self {
            path,
            state: Mutex::new(State {
                file: file.into(),
                index: scan.index,
                recorded: Vec::new(),
                end: scan.end,
                broken: false,
            }),
            warnings: scan.warnings,
            writable,
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening it found wrong and ignored (a torn last line, a line that is not an
    /// entry), one escaped line each. Also logged as `tracing` warnings.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many distinct paths it has entries for.
    pub fn len(&self) -> usize {
        self.state().indexed().len()
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// An io error that names the journal.
    fn error(&self, error: io::Error) -> io::Error {
        io::Error::new(
            error.kind(),
            format!("{}: {error}", display::path(&self.path)),
        )
    }
}

impl State {
    /// The index, with the lines recorded since the last lookup in it.
    fn indexed(&mut self) -> &HashMap<u64, (u64, u32)> {
        for (key, offset, len) in self.recorded.drain(..) {
            self.index.insert(key, (offset, len));
        }
        &self.index
    }
}

impl Journal for FileJournal {
    fn find(&self, query: &JournalQuery<'_>) -> io::Result<Option<JournalEntry>> {
        let mut state = self.state();
        let Some(&(offset, len)) = state.indexed().get(&key(query.local_file_path())) else {
            return Ok(None);
        };
        let Some(file) = state.file.as_mut() else {
            return Ok(None);
        };
        let mut line = vec![0; len as usize];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut line))
            .map_err(|e| self.error(e))?;
        let entry = serde_json::from_slice::<Line>(&line)
            .map_err(|e| self.error(io::Error::new(io::ErrorKind::InvalidData, e)))?
            .into_entry();
        // A hash collision, or an entry made for another path, is no match.
        Ok(entry.matches(query).then_some(entry))
    }

    fn record(&self, entry: &JournalEntry) -> io::Result<()> {
        if !self.writable {
            return Err(self.error(io::Error::other("opened read-only")));
        }
        let mut line = serde_json::to_vec(&Line::from_entry(entry)).map_err(io::Error::other)?;
        line.push(b'\n');
        let len = u32::try_from(line.len()).map_err(io::Error::other)?;
        let mut state = self.state();
        if state.broken {
            return Err(self.error(io::Error::other(
                "an earlier write failed; no more entries are written",
            )));
        }
        let end = state.end;
        let Some(file) = state.file.as_mut() else {
            return Err(self.error(io::Error::other("not open")));
        };
        // One write of the whole line: the file is opened for appending, so it lands at
        // the end in one piece, or (killed mid-write) as a torn last line.
        if let Err(error) = file.write_all(&line) {
            if file.set_len(end).is_err() {
                state.broken = true;
            }
            return Err(self.error(error));
        }
        state
            .recorded
            .push((key(entry.local_file_path()), end, len));
        state.end += u64::from(len);
        Ok(())
    }
}

impl Drop for FileJournal {
    fn drop(&mut self) {
        // Written lines survive the process already; this makes them survive the machine.
        if self.writable
            && let Some(file) = &self.state().file
        {
            let _ = file.sync_data();
        }
    }
}

/// What reading the file found.
#[derive(Debug, Default)]
struct Scan {
    index: HashMap<u64, (u64, u32)>,
    /// The end of the last whole line.
    end: u64,
    /// Whether something follows it: a line cut short.
    torn: bool,
    warnings: Vec<String>,
}

/// Reads every line once, keeping where each path's latest one is.
fn scan(file: &File, path: &Path) -> io::Result<Scan> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut scan = Scan::default();
    let mut line = Vec::new();
    let mut number = 0u64;
    let shown = display::path(path);
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            scan.torn = true;
            let warning = format!(
                "{shown}: line {number} is incomplete (an upload was stopped while writing it); ignored"
            );
            tracing::warn!(journal = %shown, line = number, "{warning}");
            scan.warnings.push(warning);
            break;
        }
        let at = scan.end;
        scan.end += read as u64;
        match (
            serde_json::from_slice::<PathOnly>(&line),
            u32::try_from(read),
        ) {
            (Ok(entry), Ok(len)) => {
                scan.index.insert(key(&entry.local_file_path), (at, len));
            }
            _ => {
                let warning = format!("{shown}: line {number} is not a journal entry; ignored");
                tracing::warn!(journal = %shown, line = number, "{warning}");
                scan.warnings.push(warning);
            }
        }
    }
    Ok(scan)
}

/// The index key of a path.
fn key(local_file_path: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    normalize(local_file_path).hash(&mut hasher);
    hasher.finish()
}

impl Line {
    fn from_entry(entry: &JournalEntry) -> Self {
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Self {
            local_file_path: entry.local_file_path().to_owned(),
            size_bytes: entry.size_bytes(),
            mtime: entry.modified().map(Mtime::from),
            blake3: owned(entry.blake3()),
            file_uuid: entry.file_uuid().to_owned(),
            remote_file_path: owned(entry.remote_file_path()),
            base_url: owned(entry.base_url()),
            workspace_uuid: owned(entry.workspace_uuid()),
        }
    }

    fn into_entry(self) -> JournalEntry {
        let mut entry = JournalEntry::new()
            .with_local_file_path(self.local_file_path)
            .with_size_bytes(self.size_bytes)
            .with_file_uuid(self.file_uuid);
        if let Some(modified) = self.mtime.and_then(Mtime::to_system_time) {
            entry = entry.with_modified(modified);
        }
        if let Some(blake3) = self.blake3 {
            entry = entry.with_blake3(blake3);
        }
        if let Some(remote) = self.remote_file_path {
            entry = entry.with_remote_file_path(remote);
        }
        if let Some(base_url) = self.base_url {
            entry = entry.with_base_url(base_url);
        }
        if let Some(workspace) = self.workspace_uuid {
            entry = entry.with_workspace_uuid(workspace);
        }
        entry
    }
}

impl From<SystemTime> for Mtime {
    fn from(at: SystemTime) -> Self {
        match at.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => Mtime {
                secs: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                nanos: after.subsec_nanos(),
            },
            Err(before) => {
                // Whole seconds down, nanoseconds up: -1.5 s is secs -2, nanos 500_000_000.
                let before = before.duration();
                let mut secs = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                let mut nanos = before.subsec_nanos();
                if nanos > 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Mtime { secs, nanos }
            }
        }
    }
}

impl Mtime {
    fn to_system_time(self) -> Option<SystemTime> {
        let nanos = Duration::from_nanos(u64::from(self.nanos));
        if self.secs >= 0 {
            SystemTime::UNIX_EPOCH
                .checked_add(Duration::from_secs(self.secs.unsigned_abs()))?
                .checked_add(nanos)
        } else {
            SystemTime::UNIX_EPOCH
                .checked_sub(Duration::from_secs(self.secs.unsigned_abs()))?
                .checked_add(nanos)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, size: u64, uuid: &str, at: SystemTime) -> JournalEntry {
        JournalEntry::new()
            .with_local_file_path(path)
            .with_size_bytes(size)
            .with_file_uuid(uuid)
            .with_modified(at)
            .with_blake3("00ff")
            .with_remote_file_path(format!("org/{uuid}/x"))
            .with_base_url("http://127.0.0.1:1/")
    }

    fn query(path: &str, size: u64, at: SystemTime) -> JournalQuery<'_> {
        JournalQuery::new(path, size).with_modified(Some(at))
    }

    #[test]
    fn entries_read_back_after_reopening_and_the_latest_per_path_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/journal.jsonl");
        let at = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        let later = at + Duration::from_secs(5);
        {
            let journal = FileJournal::open(&path).unwrap();
            journal.record(&entry("a.csv", 1, "u1", at)).unwrap();
            journal.record(&entry("b.csv", 2, "u2", at)).unwrap();
            journal.record(&entry("./a.csv", 3, "u3", later)).unwrap();
        }
        let journal = FileJournal::open(&path).unwrap();
        assert!(journal.warnings().is_empty());
        assert_eq!(journal.len(), 2);
        let found = journal.find(&query("a.csv", 3, later)).unwrap().unwrap();
        assert_eq!(found, entry("./a.csv", 3, "u3", later));
        assert_eq!(journal.find(&query("a.csv", 1, at)).unwrap(), None);
        assert_eq!(
            journal
                .find(&query("b.csv", 2, at))
                .unwrap()
                .unwrap()
                .file_uuid(),
            "u2"
        );
        assert_eq!(journal.find(&query("c.csv", 2, at)).unwrap(), None);
    }

    #[test]
    fn a_torn_last_line_is_ignored_with_a_warning_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
        {
            let journal = FileJournal::open(&path).unwrap();
            journal.record(&entry("a.csv", 1, "u1", at)).unwrap();
        }
        let whole = std::fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(b"not json\n");
        torn.extend_from_slice(&whole[..whole.len() / 2]);
        std::fs::write(&path, &torn).unwrap();

        let journal = FileJournal::open(&path).unwrap();
        let shown = path.display();
        assert_eq!(
            journal.warnings(),
            [
                format!("{shown}: line 2 is not a journal entry; ignored"),
                format!(
                    "{shown}: line 3 is incomplete (an upload was stopped while writing it); ignored"
                ),
            ]
        );
        assert!(journal.find(&query("a.csv", 1, at)).unwrap().is_some());
        journal.record(&entry("b.csv", 2, "u2", at)).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("\n") && text.lines().count() == 3, "{text}");
        let journal = FileJournal::open(&path).unwrap();
        assert_eq!(
            journal.warnings().len(),
            1,
            "only the bad middle line is left"
        );
        assert!(journal.find(&query("b.csv", 2, at)).unwrap().is_some());
    }

    #[test]
    fn a_second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let first = FileJournal::open(&path).unwrap();
        let error = FileJournal::open(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: the upload journal is in use by another upload (it is locked)",
                path.display()
            )
        );
        let reader = FileJournal::open_read_only(&path).unwrap();
        let entry = JournalEntry::new()
            .with_local_file_path("a")
            .with_size_bytes(1);
        assert!(reader.record(&entry).is_err());
        drop(first);
        FileJournal::open(&path).unwrap();
        let missing = FileJournal::open_read_only(dir.path().join("none.jsonl")).unwrap();
        assert!(missing.is_empty());
    }

    #[test]
    fn times_before_the_epoch_round_trip() {
        for at in [
            SystemTime::UNIX_EPOCH - Duration::new(1, 500_000_000),
            SystemTime::UNIX_EPOCH - Duration::from_secs(3),
            SystemTime::UNIX_EPOCH + Duration::new(3, 7),
        ] {
            assert_eq!(Mtime::from(at).to_system_time(), Some(at));
        }
    }

    #[test]
    fn a_journal_written_with_sha256_reads_and_matches_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let old = r#"{"local_file_path":"a.csv","size_bytes":4,"mtime":{"secs":1700000000,"nanos":5},"sha256":"88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589","file_uuid":"u1"}"#;
        std::fs::write(&path, format!("{old}\n")).unwrap();
        let journal = FileJournal::open(&path).unwrap();
        assert!(journal.warnings().is_empty());
        let at = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 5);
        let found = journal
            .find(&query("a.csv", 4, at).with_blake3("0123"))
            .unwrap()
            .unwrap();
        assert_eq!((found.file_uuid(), found.blake3()), ("u1", None));
        let later = at + Duration::from_secs(1);
        assert_eq!(
            journal
                .find(&query("a.csv", 4, later).with_blake3("0123"))
                .unwrap(),
            None
        );
    }
}
