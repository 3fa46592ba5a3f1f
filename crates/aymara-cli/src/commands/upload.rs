//! `aymara files upload`: expand and filter the paths, open the journal, upload (or only
//! plan, with `--dry-run`), report.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aymara::{
    Error, OutcomeKind, UploadHandle, UploadOptions, UploadOutcome, UploadReport, WaitOptions,
};

use crate::cli::{Concurrency, UploadArgs};
use crate::commands::Target;
use crate::filters::Filters;
use crate::output::{self, OutcomeRecord, Stdout, SummaryRecord, Tally, UploadJson};
use crate::paths::{self, Walk};
use crate::progress::Progress;
use crate::{Failure, journal};

/// `aymara files upload`.
pub async fn upload(args: UploadArgs) -> Result<(), Failure> {
    let filters = Filters::new(&args.include, &args.exclude).map_err(Failure::usage_lines)?;
    let walk = Walk {
        recursive: args.recursive,
        follow_symlinks: args.follow_symlinks,
        hidden: args.hidden,
        filters: &filters,
        shard: args.shard,
    };
    let expanded = paths::expand(&args.paths, &walk).map_err(Failure::usage_lines)?;
    for link in &expanded.skipped_links {
        eprintln!(
            "warning: {}: skipped a symbolic link (use --follow-symlinks to upload what it points to)",
            output::path(link)
        );
    }
    if args.dry_run {
        return super::dry_run::dry_run(&args, expanded).await;
    }
    let sharded = crate::shard::line(args.shard, &expanded);
    let target = Target::new(&args.api).await?;
    let destination = journal::destination(
        &args.api,
        target.client.base_url(),
        target.local.as_ref().map(|local| local.organization_uuid()),
    );
    let journal = journal::open(&args, &destination, false)?;
    let progress = Arc::new(Progress::new(
        expanded.files.len(),
        !args.json && !args.ndjson && !args.quiet,
    ));
    let mut options = options(&args);
    if let Some(journal) = journal {
        options = options.journal(journal);
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
    let mut out = Stdout::new();
    let mut streamed = stream(&mut upload, &mut out, &args).await;
    // Every outcome was read above: what is left is the workspace, or why it all failed.
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
    let tally = &mut streamed.tally;
    tally.workspace_uuid = report.workspace_uuid().map(str::to_owned);
    tally.hedges = control.progress().hedges;

    let printed = if args.json {
        let all = UploadReport::new(None, std::mem::take(&mut streamed.kept));
        let json = UploadJson::new(report.workspace_uuid(), all.outcomes());
        out.json(&json.with_hedges(tally.hedges))
    } else if args.ndjson {
        out.json(&SummaryRecord { summary: &*tally })
    } else if !args.quiet {
        crate::shard::print(&mut out, sharded.as_deref())
            .and_then(|()| summary(&mut out, tally, started, stored_in.as_deref()))
    } else {
        Ok(())
    };
    if let Err(failure) = printed {
        streamed.output.get_or_insert(failure);
    }
    // In input order, as the files were given.
    streamed.failed.sort_by_key(|(index, ..)| *index);
    streamed.processing.sort_by_key(|(index, _)| *index);
    let failed = streamed
        .failed
        .iter()
        .map(|(_, path, error)| (path.as_path(), error.as_ref()));
    let mut lines = output::failure_lines(failed);
    lines.extend(streamed.processing.into_iter().map(|(_, line)| line));
    // Stdout failing loses nothing else: the files' failures are still told, and counted.
    if let Some(output) = streamed.output {
        lines.extend(output.lines);
    }
    let tally = &streamed.tally;
    if control.is_cancelled() && tally.cancelled > 0 {
        lines.push(format!(
            "error: interrupted: {} files were not uploaded",
            tally.cancelled
        ));
        return Err(Failure::interrupted(lines));
    }
    if lines.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(lines))
    }
}

/// The upload options the arguments ask for, the journal aside: shared with the dry run,
/// so that it plans exactly what the upload would do.
pub fn options(args: &UploadArgs) -> UploadOptions {
    let options = match args.concurrency {
        Concurrency::Auto => UploadOptions::new().concurrency_auto(),
        Concurrency::Fixed(n) => UploadOptions::new().concurrency(n),
    };
    let mut options = options
        .checksum(args.checksum)
        .force(args.force)
        .hedging(!args.no_hedge)
        .bandwidth_limit(args.bwlimit);
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
    options
}

/// What a run kept of its outcomes as they came: counts, the failures and processing lines
/// to report (with each file's input position), every outcome only for `--json`, and the
/// first failure to write stdout.
#[derive(Default)]
struct Streamed {
    output: Option<Failure>,
    tally: Tally,
    failed: Vec<(usize, PathBuf, Arc<Error>)>,
    /// With `--wait`: the lines of stored files whose processing did not complete.
    processing: Vec<(usize, String)>,
    kept: Vec<UploadOutcome>,
}

/// Reads each outcome as its file finishes: with `--ndjson` printed and flushed at once,
/// so a reader sees each file as soon as it is done; otherwise counted. Only what will be
/// printed is kept, so a million files are not held in memory (unless `--json` asks for
/// all of them).
async fn stream(upload: &mut UploadHandle, out: &mut Stdout, args: &UploadArgs) -> Streamed {
    let mut streamed = Streamed::default();
    while let Some(outcome) = upload.next_outcome().await {
        streamed.tally.add(&outcome);
        if args.ndjson && streamed.output.is_none() {
            let written = out.json(&OutcomeRecord::new(&outcome));
            if let Err(failure) = written.and_then(|()| out.flush()) {
                streamed.output = Some(failure);
            }
        }
        let index = outcome.index();
        match outcome.kind() {
            OutcomeKind::Failed(error) => {
                let path = outcome.path().to_path_buf();
                streamed.failed.push((index, path, error.clone()));
            }
            OutcomeKind::Uploaded(file) => {
                let line = output::processing_line(file);
                streamed.processing.extend(line.map(|line| (index, line)));
            }
            _ => {}
        }
        if args.json {
            streamed.kept.push(outcome);
        }
    }
    streamed
}

/// `Uploaded 3 of 4 files (1.2 MiB), 1 skipped (already uploaded) to workspace … in 0.4s`.
fn summary(
    out: &mut Stdout,
    tally: &Tally,
    started: Instant,
    stored_in: Option<&str>,
) -> Result<(), Failure> {
    let workspace = match &tally.workspace_uuid {
        Some(w) if tally.uploaded + tally.skipped > 0 => {
            format!(" to workspace {}", output::text(w))
        }
        _ => String::new(),
    };
    let skipped = match tally.skipped {
        0 => String::new(),
        n => format!(", {n} skipped (already uploaded)"),
    };
    let hedged = match tally.hedges {
        0 => String::new(),
        1 => ", 1 straggler hedged".to_owned(),
        n => format!(", {n} stragglers hedged"),
    };
    out.line(format_args!(
        "Uploaded {} of {} files ({}){skipped}{hedged}{workspace} in {:.1}s",
        tally.uploaded,
        tally.files(),
        output::bytes(tally.bytes_uploaded),
        started.elapsed().as_secs_f64()
    ))?;
    if let Some(counts) = tally.processing_summary() {
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
