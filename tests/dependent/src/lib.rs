//! Uses the `aymara` SDK the way a crate that depends on it would: builds requests and
//! options, reads every answer and report, matches errors and outcomes, and fakes results
//! for its own tests. `tests/tests/semver_fields.rs` compiles it against a copy of the SDK
//! regenerated from a spec with an optional field added to every schema: it must still
//! compile, which is what makes such a field a non-breaking change.
#![allow(dead_code)]

use std::error::Error as _;
use std::time::Duration;

use aymara::types::{CreateFile, CreateRequest, CreateResponse, FileUpload};
use aymara::{
    ApiError, ApiErrorKind, Client, Error, ErrorCode, OutcomeKind, PlanError, PlanProblem,
    StorageError, UploadOptions, UploadOutcome, UploadProgress, UploadReport, UploadedFile,
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
        .observer(|event: &aymara::ProgressEvent<'_>| {
            let _ = format!("{event:?}");
        });
    let mut handle = client.files().upload(["a.csv"], options).start();
    let control = handle.control();
    let progress: UploadProgress = control.progress();
    let _ = (
        progress.files_total,
        progress.bytes_sent,
        progress.concurrency,
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
    let path = aymara::display::path(outcome.path());
    match outcome.kind() {
        OutcomeKind::Uploaded(file) => format!(
            "{path}: {} {} {:?} {} {} {:?}",
            file.local_file_path(),
            file.file_uuid(),
            file.remote_file_path(),
            file.size_bytes(),
            file.content_type(),
            file.sha256()
        ),
        OutcomeKind::Failed(error) => format!("{path}: {}", explain(error)),
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
                    UploadedFile::new("a.csv", "u1", 4, "text/csv")
                        .with_remote_file_path("org/u1/a.csv")
                        .with_sha256("00"),
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
            FileUpload::new("u1")
                .with_local_file_path("a.csv")
                .with_file_url("https://s3.example/k?sig")
                .with_remote_file_path("org/u1/a.csv"),
        ],
    )
}

/// The same job from synchronous code.
pub fn upload_blocking() -> Result<usize, Error> {
    let client = aymara::blocking::Client::builder()
        .api_key("key")
        .max_retries(1)
        .build()?;
    let _ = client.files().create(&CreateRequest::new())?;
    let report = client.files().upload(["a.csv"], UploadOptions::new())?;
    Ok(report.uploaded().count())
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
