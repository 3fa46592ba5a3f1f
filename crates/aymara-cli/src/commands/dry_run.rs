//! `aymara files upload --dry-run`: plan as an upload would (every path checked, the
//! journal asked), print what would be uploaded, skipped or refused, and send nothing:
//! no emulator is started, no key is needed.

use aymara::{PlanAction, UploadPlan};

use crate::cli::UploadArgs;
use crate::commands::Target;
use crate::output::{self, PlanJson, PlanRecord, Stdout, SummaryRecord};
use crate::paths::Expanded;
use crate::{Failure, journal, local};

/// What the dry run found, counted: the human summary and the `--ndjson` summary.
#[derive(Debug, Default, serde::Serialize)]
struct Counts {
    upload: u64,
    skip: u64,
    refuse: u64,
    bytes: u64,
}

pub async fn dry_run(args: &UploadArgs, expanded: Expanded) -> Result<(), Failure> {
    let sharded = crate::shard::line(args.shard, &expanded);
    let destination = match args.api.local {
        true => {
            let organization = local::stored_organization(&args.api.data_dir)?;
            journal::destination(&args.api, "", organization.as_deref())
        }
        false => journal::destination(&args.api, &Target::base_url(&args.api)?, None),
    };
    let mut options = super::upload::options(args);
    if let Some(journal) = journal::open(args, &destination, true)? {
        options = options.journal(journal);
    }
    let plan = UploadPlan::build(expanded.files, &options)
        .await
        .map_err(|e| Failure::usage(output::describe(&e)))?;

    let mut counts = Counts::default();
    for entry in plan.entries() {
        match entry.action() {
            PlanAction::Upload { size_bytes, .. } => {
                counts.upload += 1;
                counts.bytes += size_bytes;
            }
            PlanAction::Skip(_) => counts.skip += 1,
            _ => counts.refuse += 1,
        }
    }
    let mut out = Stdout::new();
    if args.json {
        out.json(&PlanJson::new(plan.entries()))?;
    } else if args.ndjson {
        for entry in plan.entries() {
            out.json(&PlanRecord::new(entry))?;
        }
        out.json(&SummaryRecord { summary: &counts })?;
    } else if !args.quiet {
        for entry in plan.entries() {
            human_line(&mut out, entry)?;
        }
        crate::shard::print(&mut out, sharded.as_deref())?;
        let mut left_out = String::new();
        if expanded.filtered > 0 {
            left_out.push_str(&format!(", {} left out by filters", expanded.filtered));
        }
        if expanded.hidden > 0 {
            left_out.push_str(&format!(", {} hidden left out", expanded.hidden));
        }
        out.line(format_args!(
            "Dry run: {} to upload ({}), {} skipped, {} refused{left_out}; nothing was sent",
            counts.upload,
            output::bytes(counts.bytes),
            counts.skip,
            counts.refuse
        ))?;
    }
    if counts.refuse > 0 {
        return Err(Failure::usage(format!(
            "{} of {} paths cannot be uploaded",
            counts.refuse,
            plan.entries().len()
        )));
    }
    Ok(())
}

/// `upload  data/a.csv (12 B, text/csv)`, `skip    data/b.csv (stored as <uuid>)`,
/// `refuse  data/c: is a directory`.
fn human_line(out: &mut Stdout, entry: &aymara::PlanEntry) -> Result<(), Failure> {
    let path = output::path(entry.path());
    match entry.action() {
        PlanAction::Upload {
            size_bytes,
            content_type,
            ..
        } => out.line(format_args!(
            "upload  {path} ({}, {})",
            output::bytes(*size_bytes),
            output::text(content_type)
        )),
        PlanAction::Skip(file) => out.line(format_args!(
            "skip    {path} (stored as {})",
            output::text(file.file_uuid())
        )),
        PlanAction::Refuse(error) => {
            let text = output::describe(error);
            match text.contains(&path) {
                true => out.line(format_args!("refuse  {text}")),
                false => out.line(format_args!("refuse  {path}: {text}")),
            }
        }
        _ => out.line(format_args!("refuse  {path}: unknown action")),
    }
}
