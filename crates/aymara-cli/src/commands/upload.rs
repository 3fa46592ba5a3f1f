//! `aymara files upload`: expand the paths, upload, report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aymara::{Error, UploadOptions, UploadOutcome, UploadReport};

use crate::cli::{Concurrency, UploadArgs};
use crate::commands::Target;
use crate::output::{self, Stdout, UploadJson};
use crate::progress::Progress;
use crate::{Failure, paths};

/// `aymara files upload`.
pub async fn upload(args: UploadArgs) -> Result<(), Failure> {
    let expanded = paths::expand(&args.paths, args.recursive, args.follow_symlinks)
        .map_err(Failure::usage_lines)?;
    for link in &expanded.skipped_links {
        eprintln!(
            "warning: {}: skipped a symbolic link (use --follow-symlinks to upload what it points to)",
            output::path(link)
        );
    }
    let target = Target::new(&args.api).await?;
    let progress = Arc::new(Progress::new(
        expanded.files.len(),
        !args.json && !args.quiet,
    ));
    let mut options = match args.concurrency {
        Concurrency::Auto => UploadOptions::new().concurrency_auto(),
        Concurrency::Fixed(n) => UploadOptions::new().concurrency(n),
    };
    if let Some(uuid) = &args.workspace {
        options = options.workspace_uuid(uuid);
    }
    if let Some(mime) = &args.content_type {
        options = options.content_type(mime);
    }
    if let Some(secs) = args.timeout {
        options = options.deadline(Duration::from_secs(secs));
    }
    let observer = progress.clone();
    options = options.observer(move |event: &aymara::ProgressEvent<'_>| observer.on_event(event));

    let started = Instant::now();
    let mut upload = target
        .client
        .files()
        .upload(expanded.files, options)
        .start();
    let control = upload.control();
    let interrupted = tokio::spawn(crate::signals::stop_on_ctrl_c(control.clone()));
    let mut tally = Tally::default();
    while let Some(outcome) = upload.next_outcome().await {
        tally.add(outcome, args.json);
    }
    let report = upload.finish().await;
    interrupted.abort();
    progress.finish();
    let stored_in = target
        .local
        .as_ref()
        .map(|e| e.data_dir().display().to_string());
    target.finish().await;
    let workspace = report.map_err(|e| match e {
        Error::Plan(plan) => Failure::usage_lines(
            plan.problems()
                .iter()
                .map(|p| output::describe(p.error()))
                .collect(),
        ),
        other => Failure::usage(output::describe(&other)),
    })?;
    let report = UploadReport::new(workspace.workspace_uuid().map(str::to_owned), tally.kept);

    let mut out = Stdout::new();
    if args.json {
        out.json(&UploadJson::new(report.workspace_uuid(), report.outcomes()))?;
    } else if !args.quiet {
        let uploaded = (tally.uploaded, tally.uploaded_bytes);
        summary(&mut out, &report, uploaded, started, stored_in.as_deref())?;
    }
    let lines = output::failure_lines(report.failed());
    if control.is_cancelled() && report.cancelled().next().is_some() {
        let mut lines = lines;
        lines.push(format!(
            "error: interrupted: {} files were not uploaded",
            report.cancelled().count()
        ));
        return Err(Failure::interrupted(lines));
    }
    if lines.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(lines))
    }
}

/// The outcomes a run keeps: all of them for `--json`, else only the files not uploaded
/// (to report them), and counts of the rest, so a million files are not held in memory.
#[derive(Default)]
struct Tally {
    kept: Vec<UploadOutcome>,
    uploaded: usize,
    uploaded_bytes: u64,
}

impl Tally {
    fn add(&mut self, outcome: UploadOutcome, keep_all: bool) {
        if let Some(file) = outcome.uploaded() {
            self.uploaded += 1;
            self.uploaded_bytes += file.size_bytes();
            if !keep_all {
                return;
            }
        }
        self.kept.push(outcome);
    }
}

/// `Uploaded 3 of 4 files (1.2 MiB) to workspace … in 0.4s`, from the outcomes not
/// uploaded and the count and bytes of those uploaded.
fn summary(
    out: &mut Stdout,
    others: &UploadReport,
    (uploaded, bytes): (usize, u64),
    started: Instant,
    stored_in: Option<&str>,
) -> Result<(), Failure> {
    let workspace = match others.workspace_uuid() {
        Some(w) if uploaded > 0 => format!(" to workspace {}", output::text(w)),
        _ => String::new(),
    };
    out.line(format_args!(
        "Uploaded {uploaded} of {} files ({}){workspace} in {:.1}s",
        uploaded + others.outcomes().len(),
        output::bytes(bytes),
        started.elapsed().as_secs_f64()
    ))?;
    if let Some(dir) = stored_in {
        out.line(format_args!(
            "Stored by the local emulator under {}/",
            output::text(dir)
        ))?;
    }
    Ok(())
}
