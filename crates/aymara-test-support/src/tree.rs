//! Files and directories for tests to work on. Every function panics, naming the path, on
//! an I/O error: a test cannot go on without its files.

use std::path::{Path, PathBuf};

fn fail(what: &str, path: &Path, error: std::io::Error) -> ! {
    panic!("cannot {what} {}: {error}", path.display())
}

/// Writes `contents` to `dir/name`, making any missing parent directory; returns the path.
pub fn write_file(dir: &Path, name: impl AsRef<Path>, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| fail("create", parent, e));
    }
    std::fs::write(&path, contents).unwrap_or_else(|e| fail("write", &path, e));
    path
}

/// Every regular file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| fail("list", &dir, e));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| fail("list", &dir, e)).path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Copies the tree at `from` into `to`, leaving out every file or directory, at any depth,
/// whose name is in `skip`.
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail("create", to, e));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| fail("list", from, e));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| fail("list", from, e));
        let name = entry.file_name();
        if skip.iter().any(|skipped| name == *skipped) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        let is_dir = entry
            .file_type()
            .unwrap_or_else(|e| fail("inspect", &source, e))
            .is_dir();
        if is_dir {
            copy_tree(&source, &dest, skip);
        } else {
            std::fs::copy(&source, &dest).unwrap_or_else(|e| fail("copy", &source, e));
        }
    }
}

/// A copy of the workspace's sources (not its build output, tools or history) in a new
/// directory under its `target/`, removed when dropped: for tests that regenerate or build a
/// changed workspace.
pub fn copy_workspace(prefix: &str) -> tempfile::TempDir {
    let target = crate::workspace_root().join("target");
    let copy = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&target)
        .unwrap_or_else(|e| fail("create a directory in", &target, e));
    copy_tree(
        &crate::workspace_root(),
        copy.path(),
        &[".git", "target", "tools"],
    );
    copy
}
