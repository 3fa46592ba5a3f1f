//! Turns the command line's paths into the list of files to upload, as `cp` would: a
//! directory needs `--recursive`, and every problem is reported, none skipped.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Expands `inputs` into files, in the order given (directory contents sorted by name).
/// Returns every problem found, one line each, if there is any.
pub fn expand(inputs: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>, Vec<String>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(e) => problems.push(format!("{}: {}", input.display(), describe(&e))),
            Ok(meta) if meta.is_dir() && !recursive => problems.push(format!(
                "{}: is a directory (use --recursive to upload its files)",
                input.display()
            )),
            Ok(meta) if meta.is_dir() => {
                let before = files.len();
                walk(input, &mut files, &mut problems);
                if files.len() == before {
                    problems.push(format!("{}: directory contains no files", input.display()));
                }
            }
            Ok(_) => files.push(input.clone()),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) => files.push(entry.into_path()),
            Err(e) => {
                let path = e.path().unwrap_or(dir).display().to_string();
                let reason = e
                    .io_error()
                    .map(describe)
                    .unwrap_or_else(|| "cannot be read (a symlink loop?)".to_string());
                problems.push(format!("{path}: {reason}"));
            }
        }
    }
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_need_recursive_and_are_walked_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.csv", "a.csv", "sub/c.png"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let input = vec![dir.path().to_path_buf()];
        let flat = expand(&input, false).unwrap_err();
        assert!(flat[0].ends_with("is a directory (use --recursive to upload its files)"));
        let files = expand(&input, true).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.csv", "b.csv", "sub/c.png"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let missing = dir.path().join("missing.csv");
        let problems = expand(&[missing.clone(), empty.clone()], true).unwrap_err();
        assert_eq!(
            problems,
            [
                format!("{}: no such file or directory", missing.display()),
                format!("{}: directory contains no files", empty.display()),
            ]
        );
    }
}
