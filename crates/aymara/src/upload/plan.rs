//! Step 1: stat every path before any network call, so bad input fails fast, per path, and
//! progress knows its totals.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::Error;

/// A file that passed planning.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFile {
    /// Position in the caller's input.
    pub index: usize,
    /// The path as given; opened again for each attempt.
    pub path: PathBuf,
    /// The path as sent to the API: as the caller wrote it, never made absolute.
    pub local_file_path: String,
    pub size: u64,
    pub content_type: String,
}

/// A planned file, or the failed path with its position and error.
pub(crate) type Planned = Result<PlannedFile, (usize, PathBuf, Error)>;

/// Plans every path, on a blocking thread (it is all file-system calls).
pub(crate) async fn plan(
    paths: Vec<PathBuf>,
    content_type: Option<String>,
) -> Result<Vec<Planned>, Error> {
    tokio::task::spawn_blocking(move || {
        paths
            .into_iter()
            .enumerate()
            .map(
                |(index, path)| match plan_one(index, &path, content_type.as_deref()) {
                    Ok(file) => Ok(file),
                    Err(error) => Err((index, path, error)),
                },
            )
            .collect()
    })
    .await
    .map_err(|join| Error::Config(format!("planning was interrupted: {join}")))
}

fn plan_one(index: usize, path: &Path, content_type: Option<&str>) -> Result<PlannedFile, Error> {
    let fail = |source: io::Error| Error::local_file(path, source);
    let local_file_path = path
        .to_str()
        .ok_or_else(|| fail(io::Error::other("path is not valid UTF-8")))?
        .to_string();
    let metadata = std::fs::metadata(path).map_err(fail)?;
    if metadata.is_dir() {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    if !metadata.is_file() {
        return Err(fail(io::Error::other("not a regular file")));
    }
    // Opening proves the file is readable now, before any network call.
    File::open(path).map_err(fail)?;
    let content_type = match content_type {
        Some(mime) => mime.to_string(),
        None => mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    };
    Ok(PlannedFile {
        index,
        path: path.to_path_buf(),
        local_file_path,
        size: metadata.len(),
        content_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_path_gets_its_own_verdict_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(&csv, "x,y\n").unwrap();
        let odd = dir.path().join("b.weird-ext");
        std::fs::write(&odd, "").unwrap();
        let missing = dir.path().join("nope.png");
        let paths = vec![csv.clone(), dir.path().to_path_buf(), missing.clone(), odd];
        let planned = plan(paths, None).await.unwrap();
        assert_eq!(planned.len(), 4);
        let a = planned[0].as_ref().unwrap();
        assert_eq!((a.size, a.content_type.as_str()), (4, "text/csv"));
        assert_eq!(a.local_file_path, csv.to_str().unwrap());
        let (index, _, dir_err) = planned[1].as_ref().unwrap_err();
        assert_eq!(*index, 1);
        assert!(
            dir_err.to_string().ends_with(": is a directory"),
            "{dir_err}"
        );
        let (_, path, missing_err) = planned[2].as_ref().unwrap_err();
        assert_eq!(path, &missing);
        assert!(
            missing_err.to_string().contains("nope.png"),
            "{missing_err}"
        );
        let odd = planned[3].as_ref().unwrap();
        assert_eq!(
            (odd.size, odd.content_type.as_str()),
            (0, "application/octet-stream")
        );
    }

    #[tokio::test]
    async fn relative_paths_stay_relative_and_overrides_apply() {
        let planned = plan(vec![PathBuf::from("Cargo.toml")], Some("text/plain".into()))
            .await
            .unwrap();
        let file = planned[0].as_ref().unwrap();
        assert_eq!(file.local_file_path, "Cargo.toml");
        assert_eq!(file.content_type, "text/plain");
    }
}
