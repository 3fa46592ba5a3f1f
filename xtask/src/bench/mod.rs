//! `cargo xtask bench`: the release CLI against `curl` and the official Python SDK, on the
//! in-process emulator, over loopback.
//!
//! The cases are a table (`cases.rs`): each names its data set, its contenders, how often
//! they run, what its throughput counts and the targets it must meet. Each case runs its
//! contenders alternately (A B A B …), each run on a fresh emulator so its counters are
//! that run's alone (`runner.rs`), and every run is checked: the child must exit 0 and the
//! store must hold exactly the generated files (`verify.rs`). The emulator discards bodies
//! after hashing them, so the store's disk writes do not set the pace.
//!
//! `--quick` runs every case at tiny sizes, once, as part of `cargo xtask ci`: it checks that
//! the bench and every contender still work, judges no target and writes nothing.
//!
//! Where things are: `cases.rs` the table, `case.rs` what an entry holds, `contender/` how
//! each program is started, `bare_put.rs` the bare `reqwest` contender, `data.rs` the generated files, `runner.rs` the runs,
//! `measure.rs` one child's cost, `verify.rs` the store check, `weak_store.rs` the weak store, `sample.rs` and `metric.rs`
//! what a run gave and the table's columns, `target.rs` the targets, `table.rs` the
//! Markdown, `state.rs` the cases of the emulator's own state (`--local`, and `aymara
//! serve` holding a million records), with a runner and a table of their own, `machine.rs` and `benchmarks_md.rs` the BENCHMARKS.md header and markers,
//! `release.rs` the optimized build.

pub mod bare_put;
mod benchmarks_md;
mod case;
mod cases;
mod contender;
mod data;
mod human;
mod machine;
pub mod measure;
mod metric;
mod release;
mod runner;
mod sample;
mod state;
mod table;
mod target;
mod verify;
mod weak_store;

use anyhow::{Context, Result};

use case::Case;
use contender::Contender;
use machine::Machine;
use runner::Bench;

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Tiny sizes, one run each, no file written, no target judged.
    pub quick: bool,
    /// Runs per contender instead of each case's own count.
    pub runs: Option<usize>,
    /// Only the case with this id: its rows are printed, no target is judged and nothing
    /// is written (targets may compare with other cases).
    pub case: Option<&'static str>,
}

impl Options {
    /// `quick` at `--quick`, else `full`: how the case table states its sizes.
    fn pick<T>(self, quick: T, full: T) -> T {
        if self.quick { quick } else { full }
    }

    /// How many times `contender` runs in `case`: once at `--quick`, else `--runs` or the
    /// case's count, capped by the contender's own limit.
    fn runs(self, case: &Case, contender: &Contender) -> usize {
        let runs = match self.runs {
            _ if self.quick => 1,
            Some(runs) => runs.max(1),
            None => case.runs,
        };
        contender.max_runs.map_or(runs, |max| max.min(runs))
    }

    /// The command line that gave these options, for BENCHMARKS.md.
    fn command(self) -> String {
        match self.runs {
            _ if self.quick => "cargo xtask bench --quick".to_owned(),
            Some(runs) => format!("cargo xtask bench --runs {runs}"),
            None => "cargo xtask bench".to_owned(),
        }
    }
}

/// Runs the bench; prints the table; without `--quick`, rewrites BENCHMARKS.md.
///
/// # Errors
/// When the case table is inconsistent, a contender fails or uploads the wrong bytes, or the
/// bench cannot run at all.
pub fn run(options: Options) -> Result<()> {
    let mut cases = cases::all(options);
    case::validate(&cases)?;
    if let Some(id) = options.case {
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id).collect();
        ids.extend(state::IDS);
        cases.retain(|c| c.id == id);
        anyhow::ensure!(ids.contains(&id), "no case `{id}`; the cases are {ids:?}");
    }
    let root = crate::workspace_root();
    if release::build(&root, options)? == release::Next::Done {
        return Ok(());
    }
    let tools = crate::tools::ensure()?;

    // On the disk the workspace is on, so data is read from where users keep theirs;
    // removed on drop.
    let work = tempfile::Builder::new()
        .prefix("aymara-bench-")
        .tempdir_in(root.join("target"))
        .or_else(|_| tempfile::Builder::new().prefix("aymara-bench-").tempdir())
        .context("cannot create the bench's temporary directory")?;
    let bench = Bench::new(&root, &tools, work.path())?;
    let mut rows = Vec::new();
    for case in &cases {
        rows.extend(bench.run_case(case, options)?);
    }
    drop(bench);
    let state = state::run(&root, work.path(), options)?;
    work.close()
        .context("cannot remove the bench's temporary directory")?;

    if options.case.is_some() {
        if !rows.is_empty() {
            println!("{}", table::markdown(&rows, &[], false));
        }
        println!("{}", state.markdown);
        return Ok(());
    }
    let mut verdicts = target::judge(&cases, &rows)?;
    verdicts.extend(state.verdicts);
    let mut table = table::markdown(&rows, &verdicts, options.quick);
    table.push_str(&state.markdown);
    println!("{table}");
    if options.quick {
        eprintln!("==> bench --quick: every contender ran and uploaded the right bytes");
        return Ok(());
    }
    let machine = Machine::probe(&tools.python);
    let path = root.join("BENCHMARKS.md");
    benchmarks_md::write(&path, &options.command(), &machine, &table)?;
    eprintln!("==> bench: wrote {}", path.display());
    Ok(())
}
