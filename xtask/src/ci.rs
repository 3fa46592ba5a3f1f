//! `cargo xtask ci`: the project's whole test command, the one `.ci/run` and the README use.
//!
//! Every step runs even after an earlier one fails, so one run shows every problem; the exit
//! status is non-zero if any step failed.

use anyhow::{Context, Result};

use crate::codegen::{self, Check, Paths};
use crate::{release, spec};

/// One check of the run.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
}

const CARGO_STEPS: &[Step] = &[
    Step {
        name: "cargo fmt --check",
        args: &["fmt", "--all", "--check"],
    },
    Step {
        name: "cargo clippy -D warnings",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    },
    Step {
        name: "cargo check the CLI without the emulator",
        args: &[
            "check",
            "--package",
            "aymara-cli",
            "--no-default-features",
            "--locked",
        ],
    },
    Step {
        name: "cargo test",
        args: &["test", "--workspace", "--locked"],
    },
];

fn cargo(args: &[&str]) -> Result<bool> {
    let status = crate::cargo()
        .args(args)
        .current_dir(crate::workspace_root())
        // Snapshots are reviewed with `cargo insta review`, never accepted by a test run.
        .env("INSTA_UPDATE", "no")
        // A CI build starts from nothing: incremental state would only cost time and disk.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("INSTA_FORCE_PASS")
        .status()
        .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
    Ok(status.success())
}

/// Prints the spec's changes since the last release. Breaking ones do not fail CI (the
/// release check refuses them in a compatible version); a spec that cannot be read does.
fn spec_diff() -> bool {
    match spec::diff_since_release(&crate::workspace_root()) {
        Ok(changes) => {
            eprint!("{}", spec::table(&changes));
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

/// The release checks that fit CI: every publishable crate packages and builds from its
/// `.crate` file, and the docs build with `-D warnings`. (The public API comparison needs
/// cargo-semver-checks, minutes to build from source: `cargo xtask release --check` runs it.)
fn release_builds() -> bool {
    let options = release::Options {
        version: None,
        check: true,
        steps: &[release::Step::Package, release::Step::Docs],
    };
    let problems = release::run(&crate::workspace_root(), &options, &mut std::io::stderr())
        .unwrap_or_else(|e| vec![format!("{e:#}")]);
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    problems.is_empty()
}

/// Runs every step; returns the names of those that failed.
pub fn run() -> Result<Vec<&'static str>> {
    let mut failed = Vec::new();
    let mut record = |name: &'static str, ok: bool| {
        eprintln!("==> {name}: {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(name);
        }
    };

    crate::tools::ensure()?;
    let [fmt, rest @ ..] = CARGO_STEPS else {
        unreachable!("CARGO_STEPS is not empty")
    };
    record(fmt.name, cargo(fmt.args)?);
    let (verdict, notes) = codegen::check(&Paths::workspace())?;
    notes.iter().for_each(|note| eprintln!("{note}"));
    let drift = match verdict {
        Check::UpToDate => true,
        Check::Drift(report) => {
            eprint!("{report}");
            false
        }
    };
    record("cargo xtask codegen --check", drift);
    record("cargo xtask spec diff (since the release)", spec_diff());
    for step in rest {
        record(step.name, cargo(step.args)?);
    }
    record(
        "cargo xtask release --check: packaging and docs",
        release_builds(),
    );
    // Last, so a broken bench never hides the tests' own failures.
    let bench = crate::bench::run(crate::bench::Options {
        quick: true,
        runs: None,
        case: None,
    });
    if let Err(e) = &bench {
        eprintln!("error: {e:#}");
    }
    record("cargo xtask bench --quick", bench.is_ok());
    Ok(failed)
}
