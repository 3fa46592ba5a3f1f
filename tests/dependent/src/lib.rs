//! Uses the `aymara` SDK the way a crate that depends on it would: builds requests and
//! options, reads every answer and report, matches errors and outcomes, and fakes results
//! for its own tests. `tests/tests/suite/semver_fields.rs` compiles it against a copy of the
//! SDK regenerated from a spec with an optional field added to every schema: it must still
//! compile, which is what makes such a field a non-breaking change.
#![allow(dead_code)]

use std::error::Error as _;
use std::time::Duration;

use aymara::types::{
    CreateFile, CreateRequest, CreateResponse, FileDetail, FileFrames, FilePage, FileStatus,
    FileType, FileUpload, ProcessingStatus,
};
use aymara::{
    ApiError, ApiErrorKind, Client, Error, ErrorCode, FileJournal, Journal, JournalEntry,
    JournalQuery, ListOptions, OutcomeKind, PlanAction, PlanEntry, PlanError, PlanProblem,
    SkippedFile, StorageError, UploadOptions, UploadOutcome, UploadPlan, UploadProgress,
    UploadReport, UploadedFile, WaitOptions, WaitOutcome,
};

/// A client configured in code.
pub fn client() -> Result<Client, Error> {
    Client::builder()
        .api_key("key")
        .base_url("https://api.aymara.ai")
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .max_retries(3)
        .build()
}

/// Presigns two files and reads every field of the answer.
pub async fn presign(client: &Client) -> Result<Vec<String>, Error> {
    let request = CreateRequest::new()
        .workspace_uuid("ws")
        .file(CreateFile::local("a.csv").content_type("text/csv"))
        .files([CreateFile::local("b.png")]);
    let response = client.files().create(&request).await?;
    let _ = (response.status(), response.headers(), response.request_id());
    let answer: CreateResponse = response.into_inner();
    Ok(answer
        .files()
        .iter()
        .map(|file: &FileUpload| {
            format!(
                "{:?} {:?} {:?} {:?} {:?}",
                answer.workspace_uuid(),
                file.local_file_path(),
                file.file_uuid(),
                file.file_url(),
                file.remote_file_path()
            )
        })
        .collect())
}

/// Uploads in the background, watching progress, and describes every outcome.
pub async fn upload(client: &Client) -> Result<Vec<String>, Error> {
    let options = UploadOptions::new()
        .workspace_uuid("ws")
        .concurrency(4)
        .batch_size(50)
        .content_type("text/plain")
        .deadline(Duration::from_secs(600))
        .hedging(true)
        .bandwidth_limit(10 * 1024 * 1024)
        .observer(|event: &aymara::ProgressEvent<'_>| {
            if let aymara::ProgressEvent::Hedged { index, attempt, .. } = event {
                let _ = (index, attempt);
            }
            let _ = format!("{event:?}");
        });
    let mut handle = client.files().upload(["a.csv"], options).start();
    let control = handle.control();
    let progress: UploadProgress = control.progress();
    let _ = (
        progress.files_total,
        progress.bytes_sent,
        progress.concurrency,
        progress.hedges,
    );
    let mut lines = Vec::new();
    while let Some(outcome) = handle.next_outcome().await {
        lines.push(describe(&outcome));
    }
    control.cancel();
    let rest = handle.finish().await?;
    lines.push(summarize(&rest));
    Ok(lines)
}

/// One outcome, as a dependent would show it.
pub fn describe(outcome: &UploadOutcome) -> String {
    let path = outcome.path().display();
    match outcome.kind() {
        OutcomeKind::Uploaded(file) => format!(
            "{path}: {} {} {:?} {} {} {:?}",
            file.local_file_path(),
            file.file_uuid(),
            file.remote_file_path(),
            file.size_bytes(),
            file.content_type(),
            file.blake3()
        ),
        OutcomeKind::Failed(error) => format!("{path}: {}", explain(error)),
        OutcomeKind::Skipped(file) => format!(
            "{path}: already {} {:?} {}",
            file.file_uuid(),
            file.remote_file_path(),
            file.size_bytes()
        ),
        OutcomeKind::Cancelled => format!("{path}: cancelled"),
        _ => format!("{path}: {:?}", outcome.kind()),
    }
}

/// An error, matched and with its causes.
pub fn explain(error: &Error) -> String {
    let what = match error {
        Error::Api(api) => match api.kind() {
            ApiErrorKind::Authentication => "check the key".to_owned(),
            _ => format!(
                "{} {:?} {:?} {:?} {:?}",
                api.status(),
                api.code().map(ErrorCode::as_str),
                api.message(),
                api.details(),
                api.request_id()
            ),
        },
        Error::Storage(store) => format!("{} {:?} {}", store.status(), store.code(), store.url()),
        Error::Connection { url, .. } | Error::Timeout { url, .. } => url.clone(),
        Error::Plan(plan) => plan
            .problems()
            .iter()
            .map(|p: &PlanProblem| format!("{} {}", p.index(), p.path().display()))
            .collect(),
        other => other.to_string(),
    };
    let mut line = what;
    let mut cause = error.source();
    while let Some(inner) = cause {
        line.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    line
}

/// Fakes a report, as a dependent's own tests do.
pub fn fake_report() -> UploadReport {
    let refused = Error::from(
        ApiError::new(http::StatusCode::FORBIDDEN)
            .with_code("auth.insufficient_permissions")
            .with_message("no")
            .with_details(serde_json::json!({"field": "workspace_uuid"}))
            .with_request_id("req-1"),
    );
    let store = Error::from(
        StorageError::new(
            http::StatusCode::FORBIDDEN,
            "https://s3.example/k?<redacted>",
        )
        .with_code("AccessDenied")
        .with_message("Request has expired"),
    );
    let plan = Error::from(PlanError::new(vec![PlanProblem::new(
        0,
        "x.csv",
        Error::Config("x".into()),
    )]));
    UploadReport::new(
        Some("ws".into()),
        vec![
            UploadOutcome::new(
                0,
                "a.csv",
                OutcomeKind::Uploaded(
                    UploadedFile::new()
                        .with_local_file_path("a.csv")
                        .with_file_uuid("u1")
                        .with_size_bytes(4)
                        .with_content_type("text/csv")
                        .with_remote_file_path("org/u1/a.csv")
                        .with_blake3("00"),
                ),
            ),
            UploadOutcome::new(1, "b.csv", OutcomeKind::Failed(refused.into())),
            UploadOutcome::new(2, "c.csv", OutcomeKind::Failed(store.into())),
            UploadOutcome::new(3, "d.csv", OutcomeKind::Failed(plan.into())),
            UploadOutcome::new(4, "e.csv", OutcomeKind::Cancelled),
        ],
    )
}

/// Reads a report through every accessor.
pub fn summarize(report: &UploadReport) -> String {
    format!(
        "{:?} {} {} {} {} {}",
        report.workspace_uuid(),
        report.outcomes().len(),
        report.uploaded().count(),
        report.failed().count(),
        report.cancelled().count(),
        report.is_success()
    )
}

/// Fakes an answer.
pub fn fake_answer() -> CreateResponse {
    CreateResponse::new(
        None,
        vec![
            FileUpload::new()
                .with_file_uuid("u1")
                .with_local_file_path("a.csv")
                .with_file_url("https://s3.example/k?sig")
                .with_remote_file_path("org/u1/a.csv"),
        ],
    )
}

/// Lists a workspace's videos, waits for each, and reads every field a dependent would.
pub async fn videos(client: &Client) -> Result<Vec<String>, Error> {
    let files = client.files();
    let options = ListOptions::new()
        .workspace_uuid("ws")
        .file_type(FileType::Video)
        .page_size(50);
    let first: FilePage = files.list_page(&options, 0).await?.into_inner();
    let _ = (first.count(), first.offset(), first.items().len());
    let mut list = files.list(options);
    let mut lines = Vec::new();
    while let Some(file) = list.next_file().await {
        let file: FileDetail = file?;
        lines.push(detail(&file));
        let wait = WaitOptions::new()
            .deadline(Duration::from_secs(60))
            .poll_interval(Duration::from_millis(500))
            .max_poll_interval(Duration::from_secs(5));
        match files.wait_for_processing(file.file_uuid(), wait).await? {
            WaitOutcome::Completed(status) => {
                lines.push(status_line(&status));
                let frames: FileFrames = files.frames(file.file_uuid()).await?.into_inner();
                lines.push(format!(
                    "{} {} {}",
                    frames.file_uuid(),
                    frames.frame_count(),
                    frames.frame_urls().len()
                ));
            }
            WaitOutcome::Failed(status) => lines.push(format!("{:?}", status.error_message())),
            WaitOutcome::TimedOut { after, last } => lines.push(format!("{after:?} {last:?}")),
            other => lines.push(other.to_string()),
        }
        let _ = files.status(file.file_uuid()).await?;
        let _ = files.get(file.file_uuid()).await?;
        files.delete(file.file_uuid()).await?;
    }
    let _ = list.total();
    let direct = files
        .upload_direct("a.png")
        .workspace_uuid("ws")
        .content_type("image/png")
        .await?;
    let _ = (
        direct.body().file_uuid(),
        direct.body().processing_status(),
        direct.body().content_type(),
        direct.body().remote_uri(),
    );
    let remote = CreateRequest::new().file(CreateFile::remote("https://example.com/v.mp4"));
    let _ = files.create(&remote).await?;
    Ok(lines)
}

fn detail(file: &FileDetail) -> String {
    let kind = match file.file_type() {
        FileType::Video => "video".to_owned(),
        other => other.as_str().to_owned(),
    };
    format!(
        "{kind} {} {} {} {} {} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        file.file_uuid(),
        file.content_type(),
        file.organization_uuid(),
        file.remote_file_path(),
        file.created_at(),
        file.created_at_time(),
        file.updated_at(),
        file.updated_at_time(),
        file.file_size_bytes(),
        file.file_url(),
        file.original_file_url(),
        file.uploaded_by_uuid(),
        file.video_metadata(),
        file.workspace_uuid()
    )
}

fn status_line(status: &FileStatus) -> String {
    let state = match status.processing_status() {
        ProcessingStatus::Completed => "done".to_owned(),
        other => format!("{} {}", other.as_str(), other.is_final()),
    };
    format!(
        "{state} {} {} {} {:?} {:?} {:?}",
        status.file_uuid(),
        status.created_at(),
        status.updated_at(),
        status.updated_at_time(),
        status.error_message(),
        status.remote_file_path()
    )
}

/// A journal kept somewhere of the dependent's choosing (here, in memory).
#[derive(Default)]
pub struct MemoryJournal(std::sync::Mutex<Vec<JournalEntry>>);

impl Journal for MemoryJournal {
    fn find(&self, query: &JournalQuery<'_>) -> std::io::Result<Option<JournalEntry>> {
        let entries = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        Ok(entries.iter().find(|e| e.matches(query)).cloned())
    }

    fn record(&self, entry: &JournalEntry) -> std::io::Result<()> {
        let mut entries = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        entries.push(entry.clone());
        Ok(())
    }
}

/// Re-runs with a journal: the file-backed one, or the dependent's own; and a dry run.
pub async fn rerun(client: &Client) -> Result<(usize, usize), Error> {
    let journal = FileJournal::open(".journal.jsonl")?;
    let _ = (
        journal.path(),
        journal.warnings(),
        journal.len(),
        journal.is_empty(),
    );
    let options = UploadOptions::new()
        .journal(journal)
        .checksum(true)
        .force(false);
    let plan = UploadPlan::build(["a.csv"], &options).await?;
    for entry in plan.entries() {
        let _ = (entry.index(), entry.path());
        match entry.action() {
            PlanAction::Upload {
                size_bytes,
                content_type,
                ..
            } => {
                let _ = (size_bytes, content_type);
            }
            PlanAction::Skip(file) => {
                let _ = file.entry().blake3();
            }
            PlanAction::Refuse(error) => {
                let _ = explain(error);
            }
            _ => {}
        }
    }
    let mine = UploadOptions::new().journal(MemoryJournal::default());
    let report = client.files().upload(["a.csv"], mine).await?;
    Ok((report.uploaded().count(), report.skipped().count()))
}

/// Fakes a skipped file and a plan.
pub fn fake_skip() -> (UploadOutcome, UploadPlan) {
    let entry = JournalEntry::new()
        .with_local_file_path("a.csv")
        .with_size_bytes(4)
        .with_file_uuid("u1")
        .with_modified(std::time::SystemTime::UNIX_EPOCH)
        .with_blake3("00")
        .with_remote_file_path("org/u1/a.csv")
        .with_base_url("https://api.aymara.ai")
        .with_workspace_uuid("ws");
    let query = JournalQuery::new("a.csv", 4)
        .with_modified(None)
        .with_blake3("00")
        .with_workspace_uuid(Some("ws"));
    assert!(entry.matches(&query));
    let skipped = SkippedFile::new(entry);
    let plan = UploadPlan::new(vec![
        PlanEntry::new(0, "a.csv", PlanAction::Skip(skipped.clone())),
        PlanEntry::new(1, "b.csv", PlanAction::upload(4, "text/csv")),
    ]);
    (
        UploadOutcome::new(0, "a.csv", OutcomeKind::Skipped(skipped)),
        plan,
    )
}

/// Fakes the Files resource's answers.
pub fn fake_files() -> (FileDetail, FileStatus, FileFrames, FilePage) {
    let status = FileStatus::new()
        .with_file_uuid("u1")
        .with_processing_status(ProcessingStatus::Failed)
        .with_error_message("not a video")
        .with_remote_file_path("org/u1/v.mp4");
    let frames = FileFrames::new()
        .with_file_uuid("u1")
        .with_frame_urls(vec!["https://s3.example/f1?sig".into()]);
    let page = FilePage::new(Vec::new(), Some(0));
    (
        FileDetail::new()
            .with_file_uuid("u1")
            .with_content_type("video/mp4")
            .with_file_type(FileType::Video)
            .with_remote_file_path("org/u1/v.mp4")
            .with_file_size_bytes(10),
        status,
        frames,
        page,
    )
}

/// The same job from synchronous code.
pub fn upload_blocking() -> Result<usize, Error> {
    let client =
        aymara::blocking::Client::new(aymara::Client::builder().api_key("key").max_retries(1))?;
    let files = client.files();
    let _ = files.create(&CreateRequest::new())?;
    for file in files.list(ListOptions::new()) {
        let file = file?;
        let _ = files.get(file.file_uuid())?;
        let _ = files.status(file.file_uuid())?;
        let _ = files.wait_for_processing(file.file_uuid(), WaitOptions::new())?;
        let _ = files.frames(file.file_uuid())?;
        files.delete(file.file_uuid())?;
    }
    let _ = files.list_page(&ListOptions::new(), 0)?;
    let _ = files.upload_direct("a.png").workspace_uuid("ws").send()?;
    let report = files.upload(
        ["a.csv"],
        UploadOptions::new().wait_for_processing(WaitOptions::new()),
    )?;
    for file in report.uploaded() {
        let _ = file.processing();
    }
    Ok(report.uploaded().count())
}

/// One worker's share of a run split among several: parsed from its job's index, or built.
pub fn shard(paths: &[&str], spec: &str) -> Result<Vec<String>, Error> {
    let shard: aymara::Shard = spec.parse()?;
    let same = aymara::Shard::new(shard.index(), shard.count())?;
    let _ = (same == shard, shard.to_string(), shard.of("a.csv"));
    Ok(paths
        .iter()
        .filter(|path| shard.contains(path))
        .map(|path| path.to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fake_report_reads_back() {
        let report = super::fake_report();
        assert_eq!(super::summarize(&report), "Some(\"ws\") 5 1 3 1 false");
        let lines: Vec<String> = report.outcomes().iter().map(super::describe).collect();
        assert!(lines[1].contains("403 Forbidden"), "{lines:?}");
        assert!(lines[4].ends_with("cancelled"));
    }
}
