//! Step 1: open every path before any network call, so bad input fails fast, all of it at
//! once, and progress knows its totals.
//!
//! A path passes when it opens for reading, is a regular file (not a directory, FIFO,
//! socket or device), has a UTF-8 name (the API takes `local_file_path` as a JSON string;
//! other names are refused rather than sent altered) and fits in one presigned transfer.
//! What is kept per file is small, so a million files plan in bounded memory.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::Error;
use crate::error::{PlanError, PlanProblem};

/// The most one presigned `PUT` carries (S3's single-request limit); larger files are
/// refused at planning, before any presign is spent on them. Public so that callers can
/// split or leave out such files before they ask.
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The `Content-Type` a file is sent with: guessed from its extension (a static string),
/// or the one given for every file (shared).
#[derive(Debug, Clone)]
pub(crate) enum ContentType {
    Guessed(&'static str),
    Given(Arc<str>),
}

impl ContentType {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Guessed(mime) => mime,
            Self::Given(mime) => mime,
        }
    }
}

/// A file that passed planning.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFile {
    /// Position in the caller's input.
    pub index: usize,
    /// The path as given, and as sent to the API (never made absolute); opened again for
    /// each attempt.
    pub local_file_path: String,
    pub size: u64,
    /// Its modification time at planning, for the journal; read before any byte is.
    pub modified: Option<SystemTime>,
    pub content_type: ContentType,
}

impl PlannedFile {
    pub(crate) fn path(&self) -> &Path {
        Path::new(&self.local_file_path)
    }
}

/// Plans every path on a blocking thread (it is all file-system calls). Returns the files in
/// input order, or every problem found.
pub(crate) async fn plan(
    paths: Vec<PathBuf>,
    content_type: Option<String>,
) -> Result<Vec<PlannedFile>, Error> {
    let (files, problems) = plan_each(paths, content_type).await?;
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(Error::Plan(PlanError::new(problems)))
    }
}

/// Plans every path on a blocking thread: the files that pass, and the problems of those
/// that do not, each in input order.
pub(crate) async fn plan_each(
    paths: Vec<PathBuf>,
    content_type: Option<String>,
) -> Result<(Vec<PlannedFile>, Vec<PlanProblem>), Error> {
    let given: Option<Arc<str>> = content_type.map(Arc::from);
    tokio::task::spawn_blocking(move || {
        let mut files = Vec::with_capacity(paths.len());
        let mut problems = Vec::new();
        for (index, path) in paths.into_iter().enumerate() {
            match plan_one(index, path, given.as_ref()) {
                Ok(file) => files.push(file),
                Err(problem) => problems.push(problem),
            }
        }
        (files, problems)
    })
    .await
    .map_err(|join| Error::internal("planning", join))
}

fn plan_one(
    index: usize,
    path: PathBuf,
    given: Option<&Arc<str>>,
) -> Result<PlannedFile, PlanProblem> {
    let refuse = |path: PathBuf, source: io::Error| {
        let error = Error::local_file(path.clone(), source);
        PlanProblem::new(index, path, error)
    };
    let (size, modified) = match check(&path) {
        Ok(found) => found,
        Err(source) => return Err(refuse(path, source)),
    };
    let local_file_path = match path.into_os_string().into_string() {
        // Paths built by joining (a directory walk) carry spare capacity, often more than
        // the path itself; a million of them are kept until their transfer.
        Ok(mut text) => {
            text.shrink_to_fit();
            text
        }
        Err(raw) => {
            let why = io::Error::new(
                io::ErrorKind::InvalidData,
                "the name is not valid UTF-8, so it cannot be sent to the API; rename the file",
            );
            return Err(refuse(PathBuf::from(raw), why));
        }
    };
    let content_type = match given {
        Some(mime) => ContentType::Given(mime.clone()),
        None => ContentType::Guessed(
            mime_guess::from_path(&local_file_path)
                .first_raw()
                .unwrap_or("application/octet-stream"),
        ),
    };
    Ok(PlannedFile {
        index,
        local_file_path,
        size,
        modified,
        content_type,
    })
}

/// Checks one path and returns its size and modification time. The type is looked at before opening, because
/// opening a FIFO for reading would wait for a writer; it is checked again on the open
/// handle, which is what a transfer will read.
fn check(path: &Path) -> io::Result<(u64, Option<SystemTime>)> {
    let kind = |metadata: &std::fs::Metadata| -> io::Result<()> {
        let what = metadata.file_type();
        if what.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        if !what.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("is not a regular file ({})", describe(&what)),
            ));
        }
        Ok(())
    };
    kind(&std::fs::metadata(path)?)?;
    let handle = File::open(path)?;
    let metadata = handle.metadata()?;
    kind(&metadata)?;
    let size = metadata.len();
    if size > MAX_FILE_SIZE {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "is {size} bytes, over the 5 GiB ({MAX_FILE_SIZE} bytes) limit of a single presigned upload"
            ),
        ));
    }
    Ok((size, metadata.modified().ok()))
}

/// What kind of special file it is, for the message.
fn describe(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    let _ = kind;
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(error: Error) -> Vec<(usize, String)> {
        let Error::Plan(plan) = error else {
            panic!("not a plan error: {error:?}")
        };
        plan.problems()
            .iter()
            .map(|p| (p.index(), p.error().to_string()))
            .collect()
    }

    #[tokio::test]
    async fn good_files_plan_with_sizes_and_types_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(&csv, "x,y\n").unwrap();
        let odd = dir.path().join("b.weird-ext");
        std::fs::write(&odd, "").unwrap();
        let planned = plan(vec![csv.clone(), odd], None).await.unwrap();
        assert_eq!(
            (planned[0].size, planned[0].content_type.as_str()),
            (4, "text/csv")
        );
        assert_eq!(planned[0].local_file_path, csv.to_str().unwrap());
        assert_eq!(
            (
                planned[1].index,
                planned[1].size,
                planned[1].content_type.as_str()
            ),
            (1, 0, "application/octet-stream")
        );
    }

    #[tokio::test]
    async fn every_bad_path_is_reported_at_once_with_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("ok.csv");
        std::fs::write(&good, "x").unwrap();
        let missing = dir.path().join("nope.png");
        let paths = vec![good, dir.path().to_path_buf(), missing];
        let found = problems(plan(paths, None).await.unwrap_err());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, 1);
        assert!(found[0].1.ends_with(": is a directory"), "{found:?}");
        assert_eq!(found[1].0, 2);
        assert!(found[1].1.contains("nope.png"), "{found:?}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn fifos_devices_and_non_utf8_names_are_refused_without_blocking() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let odd = dir
            .path()
            .join(std::ffi::OsStr::from_bytes(b"bad\xffname.csv"));
        std::fs::write(&odd, "x").unwrap();
        let paths = vec![fifo, PathBuf::from("/dev/zero"), odd];
        let found = problems(plan(paths, None).await.unwrap_err());
        assert!(
            found[0].1.ends_with("is not a regular file (a FIFO)"),
            "{found:?}"
        );
        assert!(found[1].1.contains("a character device"), "{found:?}");
        assert!(found[2].1.contains("bad\\xffname.csv"), "{found:?}");
        assert!(found[2].1.contains("not valid UTF-8"), "{found:?}");
    }

    #[tokio::test]
    async fn relative_paths_stay_relative_and_overrides_apply() {
        let planned = plan(vec![PathBuf::from("Cargo.toml")], Some("text/plain".into()))
            .await
            .unwrap();
        assert_eq!(planned[0].local_file_path, "Cargo.toml");
        assert_eq!(planned[0].content_type.as_str(), "text/plain");
    }
}
