//! The git commands a release runs, in the repository at `root`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `git ARGS` in `root`; its standard output without the final newline, or an error
/// naming the command and git's first line of complaint.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let shown = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{shown} failed: {}",
            stderr.lines().next().unwrap_or("no message")
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_owned())
}

/// The path of every uncommitted or untracked change.
pub fn changes(root: &Path) -> Result<Vec<String>> {
    let status = git(root, &["status", "--porcelain", "--untracked-files=all"])?;
    // Each line is `XY PATH`: two status letters, a space, the path.
    Ok(status
        .lines()
        .map(|line| line.get(3..).unwrap_or(line).to_owned())
        .collect())
}

/// The commit `tag` names, if the tag exists here.
pub fn tagged(root: &Path, tag: &str) -> Option<String> {
    let reference = format!("refs/tags/{tag}^{{commit}}");
    git(root, &["rev-parse", "--quiet", "--verify", &reference]).ok()
}

/// The last commit of the current branch that changed `path`.
pub fn last_commit_changing(root: &Path, path: &str) -> Result<Option<String>> {
    let commit = git(root, &["log", "-1", "--format=%H", "--", path])?;
    Ok(Some(commit).filter(|c| !c.is_empty()))
}

/// `path` as it is in `commit`, if it is there.
pub fn file_at(root: &Path, commit: &str, path: &str) -> Option<String> {
    git(root, &["show", &format!("{commit}:{path}")]).ok()
}

/// Commits `paths` (and nothing else) with `message`.
pub fn commit(root: &Path, paths: &[&str], message: &str) -> Result<()> {
    let mut add = vec!["add", "--"];
    add.extend(paths);
    git(root, &add)?;
    git(root, &["commit", "--quiet", "--message", message])?;
    Ok(())
}

/// Tags the current commit `tag`, annotated with `message`.
pub fn tag(root: &Path, tag: &str, message: &str) -> Result<()> {
    git(root, &["tag", "--annotate", tag, "--message", message])?;
    Ok(())
}
