//! `aymara files upload`: expand the paths, upload, report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aymara::{Error, UploadOptions, UploadReport, WaitOptions};

use crate::cli::UploadArgs;
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
    let mut options = UploadOptions::new().concurrency(args.concurrency);
    if let Some(uuid) = &args.workspace {
        options = options.workspace_uuid(uuid);
    }
    if let Some(mime) = &args.content_type {
        options = options.content_type(mime);
    }
    if let Some(secs) = args.timeout {
        options = options.deadline(Duration::from_secs(secs));
    }
    if args.wait {
        options = options.wait_for_processing(WaitOptions::new());
    }
    let observer = progress.clone();
    options = options.observer(move |event: &aymara::ProgressEvent<'_>| observer.on_event(event));

    let started = Instant::now();
    let upload = target
        .client
        .files()
        .upload(expanded.files, options)
        .start();
    let control = upload.control();
    let interrupted = tokio::spawn(crate::signals::stop_on_ctrl_c(control.clone()));
    let report = upload.finish().await;
    interrupted.abort();
    progress.finish();
    let stored_in = target
        .local
        .as_ref()
        .map(|e| e.data_dir().display().to_string());
    target.finish().await;
    let report = report.map_err(|e| match e {
        Error::Plan(plan) => Failure::usage_lines(
            plan.problems()
                .iter()
                .map(|p| output::describe(p.error()))
                .collect(),
        ),
        other => Failure::usage(output::describe(&other)),
    })?;

    let mut out = Stdout::new();
    if args.json {
        out.json(&UploadJson::new(report.workspace_uuid(), report.outcomes()))?;
    } else if !args.quiet {
        summary(&mut out, &report, started, stored_in.as_deref())?;
    }
    let mut lines = output::failure_lines(report.failed());
    lines.extend(output::processing_lines(&report));
    if control.is_cancelled() && report.cancelled().next().is_some() {
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

/// `Uploaded 3 of 4 files (1.2 MiB) to workspace … in 0.4s`.
fn summary(
    out: &mut Stdout,
    report: &UploadReport,
    started: Instant,
    stored_in: Option<&str>,
) -> Result<(), Failure> {
    let uploaded: Vec<_> = report.uploaded().collect();
    let total: u64 = uploaded.iter().map(|f| f.size_bytes()).sum();
    let workspace = match report.workspace_uuid() {
        Some(w) if !uploaded.is_empty() => format!(" to workspace {}", output::text(w)),
        _ => String::new(),
    };
    out.line(format_args!(
        "Uploaded {} of {} files ({}){workspace} in {:.1}s",
        uploaded.len(),
        report.outcomes().len(),
        output::bytes(total),
        started.elapsed().as_secs_f64()
    ))?;
    if let Some(counts) = output::processing_counts(report) {
        out.line(format_args!("Processing: {counts}"))?;
    }
    if let Some(dir) = stored_in {
        out.line(format_args!(
            "Stored by the local emulator under {}/",
            output::text(dir)
        ))?;
    }
    Ok(())
}
