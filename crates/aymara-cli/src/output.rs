//! What the commands print: the `--json` shapes, the human summary, and one line per
//! failure on stderr.

use std::path::Path;

use aymara::{Error, UploadReport, UploadedFile};
use serde::Serialize;

/// `aymara files upload --json`: exactly one object on stdout.
#[derive(Debug, Serialize)]
pub struct UploadJson<'a> {
    pub workspace_uuid: Option<&'a str>,
    pub files: Vec<&'a UploadedFile>,
    pub failed: Vec<FailedJson>,
}

/// One failed path in `--json` output.
#[derive(Debug, Serialize)]
pub struct FailedJson {
    pub local_file_path: String,
    pub error: String,
}

impl<'a> UploadJson<'a> {
    pub fn new(report: &'a UploadReport) -> Self {
        Self {
            workspace_uuid: report.workspace_uuid.as_deref(),
            files: report.uploaded().collect(),
            failed: report
                .failed()
                .map(|(path, error)| FailedJson {
                    local_file_path: path.display().to_string(),
                    error: error.to_string(),
                })
                .collect(),
        }
    }
}

/// One line per distinct failure: files that failed for the same reason (a refused batch,
/// say) share a line that counts them, so a wrong key is one line, not thousands.
pub fn failure_lines<'a>(failed: impl Iterator<Item = (&'a Path, &'a Error)>) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&Path>)> = Vec::new();
    for (path, error) in failed {
        let text = error.to_string();
        match groups.iter_mut().find(|(t, _)| *t == text) {
            Some((_, paths)) => paths.push(path),
            None => groups.push((text, vec![path])),
        }
    }
    groups
        .into_iter()
        .map(|(text, paths)| match paths.as_slice() {
            [one] if text.contains(&one.display().to_string()) => format!("error: {text}"),
            [one] => format!("error: {}: {text}", one.display()),
            [first, ..] => format!(
                "error: {} files ({} and others): {text}",
                paths.len(),
                first.display()
            ),
            [] => format!("error: {text}"),
        })
        .collect()
}

/// Human-readable byte count.
pub fn bytes(n: u64) -> String {
    indicatif::HumanBytes(n).to_string()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn identical_failures_share_one_line_and_local_errors_are_not_repeated() {
        let paths: Vec<PathBuf> = ["a.csv", "b.csv", "c.csv"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let refused = Error::Config("refused".into());
        let local = Error::Cancelled;
        let failed = [
            (paths[0].as_path(), &refused),
            (paths[1].as_path(), &refused),
            (paths[2].as_path(), &local),
        ];
        assert_eq!(
            failure_lines(failed.into_iter()),
            [
                "error: 2 files (a.csv and others): refused",
                "error: c.csv: cancelled"
            ]
        );
    }
}
