//! The last step of `spec update`: run the tests whose insta snapshots pin the public
//! surfaces the spec shapes (the generated API's items, its types' JSON Schemas, the
//! documented examples), and name each snapshot that changed.
//!
//! The tests run with `INSTA_UPDATE=new`, so a changed snapshot is written beside the
//! accepted one as `.snap.new` for `cargo insta review`, and `INSTA_FORCE_PASS=1`, so one
//! changed snapshot does not hide the next. insta removes the `.snap.new` of every snapshot
//! that matches, so what is left afterwards is exactly what to review.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{Context, Result};

/// Where the workspace test suite keeps its snapshots, relative to the workspace root.
const DIR: &str = "tests/tests/suite/snapshots";

/// What the snapshot tests found.
#[derive(Debug)]
pub struct Review {
    /// The command that ran them.
    pub command: String,
    /// The changed snapshots, as the `.snap` files a review would replace.
    pub changed: Vec<PathBuf>,
    /// The tests' output, when they failed.
    pub failure: Option<String>,
}

/// The test modules that own snapshots: insta names each file `suite__<module>__<name>.snap`.
fn modules(dir: &Path) -> Result<Vec<String>> {
    let mut modules: Vec<String> = snapshot_files(dir, ".snap")?
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let (module, _) = name.strip_prefix("suite__")?.split_once("__")?;
            Some(module.to_string())
        })
        .collect();
    modules.dedup();
    Ok(modules)
}

/// The files in `dir` whose names end with `suffix`, sorted.
fn snapshot_files(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.to_str().is_some_and(|p| p.ends_with(suffix)) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs the snapshot tests of the workspace at `root` and lists what changed.
pub fn review(root: &Path) -> Result<Review> {
    let dir = root.join(DIR);
    let filters: Vec<String> = modules(&dir)?.iter().map(|m| format!("{m}::")).collect();
    let mut args = vec!["test", "--package", "aymara-tests", "--test", "suite", "--"];
    args.extend(filters.iter().map(String::as_str));
    let Output {
        status,
        stdout,
        stderr,
    } = crate::cargo()
        .args(&args)
        .current_dir(root)
        .env("INSTA_UPDATE", "new")
        .env("INSTA_FORCE_PASS", "1")
        .output()
        .context("cannot run cargo test")?;
    let changed = snapshot_files(&dir, ".snap.new")?
        .into_iter()
        .map(|path| path.with_extension(""))
        .collect();
    let failure = (!status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        )
    });
    Ok(Review {
        command: format!("cargo {}", args.join(" ")),
        changed,
        failure,
    })
}
