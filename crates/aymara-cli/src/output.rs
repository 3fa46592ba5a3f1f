//! What the commands print: the `--json` shapes (owned here, so a new field on an SDK type
//! never changes a documented output), the human lines, and one line per failure on stderr.
//! Everything a server or a file name supplies is escaped before it reaches a terminal.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use aymara::types::CreateResponse;
use aymara::{Error, OutcomeKind, UploadOutcome};
use serde::Serialize;

use crate::Failure;

/// Stdout, where a reader that went away (`aymara … | head`) ends the output quietly
/// instead of failing the command.
pub struct Stdout {
    out: io::StdoutLock<'static>,
    closed: bool,
}

impl Stdout {
    pub fn new() -> Self {
        Self {
            out: io::stdout().lock(),
            closed: false,
        }
    }

    /// One line of text.
    pub fn line(&mut self, line: fmt::Arguments<'_>) -> Result<(), Failure> {
        let result = writeln!(self.out, "{line}");
        self.check(result)
    }

    /// One JSON document (or NDJSON record) on its own line.
    pub fn json(&mut self, value: &impl Serialize) -> Result<(), Failure> {
        let result = serde_json::to_writer(&mut self.out, value)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(self.out));
        self.check(result)
    }

    fn check(&mut self, result: io::Result<()>) -> Result<(), Failure> {
        match result {
            Ok(()) => Ok(()),
            Err(_) if self.closed => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Failure::io(e)),
        }
    }
}

/// Server- or user-supplied text, escaped for a terminal.
pub fn text(value: &str) -> String {
    aymara::display::escape(value).into_owned()
}

/// A path, escaped for a terminal.
pub fn path(value: &Path) -> String {
    aymara::display::path(value).into_owned()
}

/// An error with its causes, on one escaped line: `what: cause: cause`. A cause already
/// said by what precedes it is not repeated.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = aymara::display::message(&cause.to_string());
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

/// `error: [path: ]what: cause`, the path left out when the message already names it.
pub fn error_line(path: Option<&Path>, error: &Error) -> String {
    let text = describe(error);
    match path.map(self::path) {
        Some(shown) if !text.contains(&shown) => format!("error: {shown}: {text}"),
        _ => format!("error: {text}"),
    }
}

/// `aymara files upload --json`: exactly one object on stdout.
#[derive(Debug, Serialize)]
pub struct UploadJson {
    pub workspace_uuid: Option<String>,
    pub files: Vec<FileJson>,
    pub failed: Vec<FailedJson>,
}

/// One uploaded file in `--json` output.
#[derive(Debug, Serialize)]
pub struct FileJson {
    pub local_file_path: String,
    pub file_uuid: String,
    pub remote_file_path: Option<String>,
    pub size_bytes: u64,
    pub content_type: String,
}

/// One failed (or cancelled) path in `--json` output.
#[derive(Debug, Serialize)]
pub struct FailedJson {
    pub local_file_path: String,
    pub error: String,
}

impl UploadJson {
    pub fn new<'a>(
        workspace_uuid: Option<&str>,
        outcomes: impl IntoIterator<Item = &'a UploadOutcome>,
    ) -> Self {
        let mut json = Self {
            workspace_uuid: workspace_uuid.map(str::to_owned),
            files: Vec::new(),
            failed: Vec::new(),
        };
        for outcome in outcomes {
            match outcome.kind() {
                OutcomeKind::Uploaded(file) => json.files.push(FileJson {
                    local_file_path: file.local_file_path().to_owned(),
                    file_uuid: file.file_uuid().to_owned(),
                    remote_file_path: file.remote_file_path().map(str::to_owned),
                    size_bytes: file.size_bytes(),
                    content_type: file.content_type().to_owned(),
                }),
                OutcomeKind::Failed(error) => json.failed.push(FailedJson {
                    local_file_path: outcome.path().display().to_string(),
                    error: describe(error.as_ref()),
                }),
                _ => json.failed.push(FailedJson {
                    local_file_path: outcome.path().display().to_string(),
                    error: "cancelled".to_owned(),
                }),
            }
        }
        json
    }
}

/// `aymara files create --json`: the API's answer, presigned URLs included.
#[derive(Debug, Serialize)]
pub struct CreateJson {
    pub workspace_uuid: Option<String>,
    pub files: Vec<PresignedJson>,
}

/// One presigned file in `files create --json`.
#[derive(Debug, Serialize)]
pub struct PresignedJson {
    pub local_file_path: Option<String>,
    pub file_uuid: Option<String>,
    pub file_url: Option<String>,
    pub remote_file_path: Option<String>,
}

impl CreateJson {
    pub fn new(response: &CreateResponse) -> Self {
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Self {
            workspace_uuid: owned(response.workspace_uuid()),
            files: response
                .files()
                .iter()
                .map(|file| PresignedJson {
                    local_file_path: owned(file.local_file_path()),
                    file_uuid: owned(file.file_uuid()),
                    file_url: owned(file.file_url()),
                    remote_file_path: owned(file.remote_file_path()),
                })
                .collect(),
        }
    }
}

/// One line per distinct failure: files that failed for the same reason (a refused batch,
/// say) share a line that counts them, so a wrong key is one line, not thousands.
pub fn failure_lines<'a>(failed: impl Iterator<Item = (&'a Path, &'a Error)>) -> Vec<String> {
    // In order of first appearance; found by text in constant time, so a million distinct
    // failures take linear time.
    let mut groups: Vec<(String, Vec<&Path>)> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    for (path, error) in failed {
        let text = describe(error);
        match by_text.get(&text) {
            Some(&at) => groups[at].1.push(path),
            None => {
                by_text.insert(text.clone(), groups.len());
                groups.push((text, vec![path]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(text, paths)| match paths.as_slice() {
            [one] if text.contains(&self::path(one)) => format!("error: {text}"),
            [one] => format!("error: {}: {text}", self::path(one)),
            [first, ..] => format!(
                "error: {} files ({} and others): {text}",
                paths.len(),
                self::path(first)
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

    #[test]
    fn names_with_newlines_and_escapes_stay_on_one_escaped_line() {
        let path = PathBuf::from("evil\nname\u{1b}[31m.csv");
        let error = Error::Config("refused".into());
        let lines = failure_lines([(path.as_path(), &error)].into_iter());
        assert_eq!(lines, ["error: evil\\nname\\u{1b}[31m.csv: refused"]);
    }

    #[test]
    fn causes_are_chained_once() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = aymara::Error::Plan(aymara::PlanError::new(vec![aymara::PlanProblem::new(
            0,
            "x.csv",
            aymara::Error::LocalFile {
                path: "x.csv".into(),
                source: io,
            },
        )]));
        assert_eq!(describe(&error), "x.csv: denied");
    }
}
