//! Turns the command line's paths into the list of files to upload, as `cp` would: a
//! directory needs `--recursive`, and every problem is reported, none skipped.
//!
//! Paths named on the command line are followed if they are symbolic links. Links found
//! while walking a directory are not, unless `--follow-symlinks` is given: they could lead
//! anywhere on the machine. Links left out are returned, so they can be reported.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::output;

/// What the command line's paths expand to.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The files to upload, in the order given (directory contents sorted by name).
    pub files: Vec<PathBuf>,
    /// Symbolic links found under a directory and not followed.
    pub skipped_links: Vec<PathBuf>,
}

/// Expands `inputs` into files. Returns every problem found, one line each, if there is any.
pub fn expand(
    inputs: &[PathBuf],
    recursive: bool,
    follow_symlinks: bool,
) -> Result<Expanded, Vec<String>> {
    let mut expanded = Expanded::default();
    let mut problems = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(e) => problems.push(format!("{}: {}", output::path(input), describe(&e))),
            Ok(meta) if meta.is_dir() && !recursive => problems.push(format!(
                "{}: is a directory (use --recursive to upload its files)",
                output::path(input)
            )),
            Ok(meta) if meta.is_dir() => {
                let before = expanded.files.len();
                walk(input, follow_symlinks, &mut expanded, &mut problems);
                if expanded.files.len() == before {
                    problems.push(format!(
                        "{}: directory contains no files",
                        output::path(input)
                    ));
                }
            }
            Ok(_) => expanded.files.push(input.clone()),
        }
    }
    if problems.is_empty() {
        Ok(expanded)
    } else {
        Err(problems)
    }
}

/// Walks `dir` as it comes (a sorted walk would hold a whole directory's entries at once,
/// several times the memory of the paths kept), keeping each path at its exact size, then
/// sorts what it found: component by component, that is the order of a walk that visits
/// each directory's entries by name.
fn walk(dir: &Path, follow: bool, expanded: &mut Expanded, problems: &mut Vec<String>) {
    let (files, links) = (expanded.files.len(), expanded.skipped_links.len());
    let exact = |entry: walkdir::DirEntry| {
        let mut path = entry.into_path().into_os_string();
        path.shrink_to_fit();
        PathBuf::from(path)
    };
    for entry in WalkDir::new(dir).follow_links(follow) {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) if entry.path_is_symlink() && !follow && entry.depth() > 0 => {
                expanded.skipped_links.push(exact(entry));
            }
            Ok(entry) => expanded.files.push(exact(entry)),
            Err(e) => {
                let path = output::path(e.path().unwrap_or(dir));
                let reason = e
                    .io_error()
                    .map(describe)
                    .unwrap_or_else(|| "cannot be read (a symlink loop?)".to_string());
                problems.push(format!("{path}: {reason}"));
            }
        }
    }
    expanded.files[files..].sort_unstable();
    expanded.skipped_links[links..].sort_unstable();
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
        std::fs::create_dir(dir.path().join("a")).unwrap();
        // By name in each directory: "a" < "a-b.csv" < "a.csv", so a/x.csv comes first,
        // though '/' sorts after '-' and '.' in a plain string sort.
        for name in ["b.csv", "a.csv", "sub/c.png", "a-b.csv", "a/x.csv"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let input = vec![dir.path().to_path_buf()];
        let flat = expand(&input, false, false).unwrap_err();
        assert!(flat[0].ends_with("is a directory (use --recursive to upload its files)"));
        let files = expand(&input, true, false).unwrap().files;
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
        assert_eq!(names, ["a/x.csv", "a-b.csv", "a.csv", "b.csv", "sub/c.png"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let missing = dir.path().join("missing.csv");
        let problems = expand(&[missing.clone(), empty.clone()], true, false).unwrap_err();
        assert_eq!(
            problems,
            [
                format!("{}: no such file or directory", missing.display()),
                format!("{}: directory contains no files", empty.display()),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_under_a_directory_are_reported_not_followed_unless_asked() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
        symlink(
            outside.path().join("secret.txt"),
            dir.path().join("link.txt"),
        )
        .unwrap();
        let input = vec![dir.path().to_path_buf()];

        let plain = expand(&input, true, false).unwrap();
        assert_eq!(plain.files, [dir.path().join("a.csv")]);
        assert_eq!(
            plain.skipped_links,
            [dir.path().join("elsewhere"), dir.path().join("link.txt")]
        );

        let followed = expand(&input, true, true).unwrap();
        assert_eq!(followed.files.len(), 3, "{:?}", followed.files);
        assert!(followed.skipped_links.is_empty());

        symlink(dir.path(), dir.path().join("loop")).unwrap();
        let looped = expand(&input, true, true).unwrap_err();
        assert!(looped.iter().any(|l| l.contains("loop")), "{looped:?}");
    }
}
