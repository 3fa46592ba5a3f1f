//! What the commands print: the `--json` shapes (owned here, so a new field on an SDK type
//! never changes a documented output), the human lines, and one line per failure on stderr.
//! Everything a server or a file name supplies is escaped before it reaches a terminal.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use aymara::types::CreateResponse;
use aymara::{Error, OutcomeKind, PlanAction, PlanEntry, SkippedFile, UploadOutcome, UploadedFile};
use serde::Serialize;

use crate::Failure;

mod files;
mod table;

pub use files::*;

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

    /// Whether the reader went away: nothing more will be shown, so stop producing.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Hands what was written to the reader now, so a stream is read as it is written.
    pub fn flush(&mut self) -> Result<(), Failure> {
        let result = self.out.flush();
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

/// Text a server (or a flag) supplied, fit for one line of a terminal: escaped, whitespace
/// folded, and cut at 300 bytes with a marker, so a hostile value cannot flood the output.
pub fn text(value: &str) -> String {
    aymara_text::message(value)
}

/// A path, escaped for a terminal.
pub fn path(value: &Path) -> String {
    aymara_text::path(value).into_owned()
}

/// An error with its causes, on one escaped line: `what: cause: cause`. A cause already
/// said by what precedes it is not repeated.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = aymara_text::message(&cause.to_string());
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
    pub skipped: Vec<SkippedJson>,
    pub failed: Vec<FailedJson>,
    /// Stragglers that got a second PUT.
    pub hedges: u64,
}

/// One uploaded file in `--json` output.
#[derive(Debug, Serialize)]
pub struct FileJson {
    pub local_file_path: String,
    pub file_uuid: String,
    pub remote_file_path: Option<String>,
    pub size_bytes: u64,
    pub content_type: String,
    /// With `--wait`: how its processing ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing: Option<ProcessingJson>,
}

/// One file skipped because the journal has it, in `--json` output.
#[derive(Debug, Serialize)]
pub struct SkippedJson {
    pub local_file_path: String,
    pub file_uuid: String,
    pub remote_file_path: Option<String>,
    pub size_bytes: u64,
}

/// One failed (or cancelled) path in `--json` output.
#[derive(Debug, Serialize)]
pub struct FailedJson {
    pub local_file_path: String,
    pub error: String,
}

impl FileJson {
    fn new(file: &UploadedFile) -> Self {
        Self {
            local_file_path: file.local_file_path().to_owned(),
            file_uuid: file.file_uuid().to_owned(),
            remote_file_path: file.remote_file_path().map(str::to_owned),
            size_bytes: file.size_bytes(),
            content_type: file.content_type().to_owned(),
            processing: file.processing().map(ProcessingJson::new),
        }
    }
}

impl SkippedJson {
    fn new(file: &SkippedFile) -> Self {
        Self {
            local_file_path: file.local_file_path().to_owned(),
            file_uuid: file.file_uuid().to_owned(),
            remote_file_path: file.remote_file_path().map(str::to_owned),
            size_bytes: file.size_bytes(),
        }
    }
}

impl FailedJson {
    fn new(path: &Path, error: String) -> Self {
        Self {
            local_file_path: path.display().to_string(),
            error,
        }
    }
}

/// One file of `aymara files upload --ndjson`, printed as it finishes: the fields of its
/// `--json` entry and its `status`.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum OutcomeRecord {
    Uploaded(FileJson),
    Skipped(SkippedJson),
    Failed(FailedJson),
    Cancelled(FailedJson),
}

impl OutcomeRecord {
    pub fn new(outcome: &UploadOutcome) -> Self {
        match outcome.kind() {
            OutcomeKind::Uploaded(file) => Self::Uploaded(FileJson::new(file)),
            OutcomeKind::Skipped(file) => Self::Skipped(SkippedJson::new(file)),
            OutcomeKind::Failed(error) => {
                Self::Failed(FailedJson::new(outcome.path(), describe(error.as_ref())))
            }
            _ => Self::Cancelled(FailedJson::new(outcome.path(), "cancelled".to_owned())),
        }
    }
}

/// What an upload did, counted as outcomes come: the last line of `--ndjson`
/// (`{"summary": {...}}`) and the human summary.
#[derive(Debug, Default, Serialize)]
pub struct Tally {
    pub workspace_uuid: Option<String>,
    pub uploaded: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub bytes_uploaded: u64,
    /// Stragglers that got a second PUT.
    pub hedges: u64,
    /// With `--wait`: how many stored files' processing ended each way.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub processing: BTreeMap<&'static str, u64>,
}

impl Tally {
    pub fn add(&mut self, outcome: &UploadOutcome) {
        match outcome.kind() {
            OutcomeKind::Uploaded(file) => {
                self.uploaded += 1;
                self.bytes_uploaded += file.size_bytes();
                if let Some(result) = file.processing() {
                    *self
                        .processing
                        .entry(ProcessingJson::new(result).outcome)
                        .or_default() += 1;
                }
            }
            OutcomeKind::Skipped(_) => self.skipped += 1,
            OutcomeKind::Failed(_) => self.failed += 1,
            _ => self.cancelled += 1,
        }
    }

    pub fn files(&self) -> u64 {
        self.uploaded + self.skipped + self.failed + self.cancelled
    }

    /// With `--wait`: `2 completed, 1 failed`.
    pub fn processing_summary(&self) -> Option<String> {
        let parts: Vec<String> = self
            .processing
            .iter()
            .map(|(outcome, n)| format!("{n} {}", outcome.replace('_', " ")))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The last line of `--ndjson`.
#[derive(Debug, Serialize)]
pub struct SummaryRecord<T> {
    pub summary: T,
}

/// `aymara files upload --dry-run --json`: what would happen to each path.
#[derive(Debug, Default, Serialize)]
pub struct PlanJson {
    pub upload: Vec<PlannedJson>,
    pub skip: Vec<SkippedJson>,
    pub refuse: Vec<FailedJson>,
}

/// A file a dry run would send.
#[derive(Debug, Serialize)]
pub struct PlannedJson {
    pub local_file_path: String,
    pub size_bytes: u64,
    pub content_type: String,
}

/// One path of `--dry-run --ndjson`: the fields of its `--json` entry and its `action`.
#[derive(Debug, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum PlanRecord {
    Upload(PlannedJson),
    Skip(SkippedJson),
    Refuse(FailedJson),
}

impl PlanRecord {
    pub fn new(entry: &PlanEntry) -> Self {
        match entry.action() {
            PlanAction::Skip(file) => Self::Skip(SkippedJson::new(file)),
            PlanAction::Refuse(error) => {
                Self::Refuse(FailedJson::new(entry.path(), describe(error)))
            }
            PlanAction::Upload {
                size_bytes,
                content_type,
                ..
            } => Self::Upload(PlannedJson {
                local_file_path: entry.path().display().to_string(),
                size_bytes: *size_bytes,
                content_type: content_type.clone(),
            }),
            _ => Self::Refuse(FailedJson::new(entry.path(), "unknown action".to_owned())),
        }
    }
}

impl PlanJson {
    pub fn new(entries: &[PlanEntry]) -> Self {
        let mut json = Self::default();
        for entry in entries {
            match PlanRecord::new(entry) {
                PlanRecord::Upload(file) => json.upload.push(file),
                PlanRecord::Skip(file) => json.skip.push(file),
                PlanRecord::Refuse(file) => json.refuse.push(file),
            }
        }
        json
    }
}

impl UploadJson {
    pub fn new<'a>(
        workspace_uuid: Option<&str>,
        outcomes: impl IntoIterator<Item = &'a UploadOutcome>,
    ) -> Self {
        let mut json = Self {
            workspace_uuid: workspace_uuid.map(str::to_owned),
            files: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            hedges: 0,
        };
        for outcome in outcomes {
            match OutcomeRecord::new(outcome) {
                OutcomeRecord::Uploaded(file) => json.files.push(file),
                OutcomeRecord::Skipped(file) => json.skipped.push(file),
                OutcomeRecord::Failed(file) | OutcomeRecord::Cancelled(file) => {
                    json.failed.push(file)
                }
            }
        }
        json
    }

    /// With the run's count of hedged stragglers.
    pub fn with_hedges(mut self, hedges: u64) -> Self {
        self.hedges = hedges;
        self
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
        let local = Error::Config("no room".into());
        let failed = [
            (paths[0].as_path(), &refused),
            (paths[1].as_path(), &refused),
            (paths[2].as_path(), &local),
        ];
        assert_eq!(
            failure_lines(failed.into_iter()),
            [
                "error: 2 files (a.csv and others): refused",
                "error: c.csv: no room"
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
        // A journal whose directory is a file: a local-file error whose line names the cause.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.csv");
        std::fs::write(&file, "").unwrap();
        let local = aymara::FileJournal::open(file.join("sub/journal.jsonl")).unwrap_err();
        let error = aymara::Error::Plan(aymara::PlanError::new(vec![aymara::PlanProblem::new(
            0, "x.csv", local,
        )]));
        let line = describe(&error);
        let sub = file.join("sub");
        assert_eq!(
            line,
            format!("{}: Not a directory (os error 20)", sub.display())
        );
    }
}
