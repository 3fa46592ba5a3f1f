//! `cargo xtask`: see `cargo xtask --help`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen::{self, Check, Paths};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project automation for the Aymara Rust SDK"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate crates/aymara-api/src/generated.rs from openapi/aymara.yaml.
    Codegen {
        /// Write nothing; fail with a diff if the generated file is not what the spec gives.
        #[arg(long)]
        check: bool,
        /// The spec to read (default: openapi/aymara.yaml).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The file to write or check (default: crates/aymara-api/src/generated.rs).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// What a spec change does to clients: `spec diff [OLD] [NEW]`, `spec update PATH`.
    Spec {
        #[command(subcommand)]
        command: xtask::spec::Command,
    },
    /// Run every check CI runs: fmt, clippy, the drift check and all tests.
    Ci,
    /// Write the `aymara` man pages (aymara.1 and one per subcommand) into OUT, from the
    /// CLI's clap definitions: `man -l OUT/aymara.1`.
    Man {
        /// The directory to write into (made if missing).
        out: PathBuf,
    },
    /// Check, then make, a release: `release VERSION` sets the version, dates the CHANGELOG,
    /// records the baseline in openapi/released/, commits "Release VERSION" and tags
    /// vVERSION, if every check passes. Each problem is one line.
    Release {
        /// The version to release (MAJOR.MINOR.PATCH). Without it, `--check` checks the tree
        /// against the last release and says what the next version must be.
        #[arg(required_unless_present = "check")]
        version: Option<semver::Version>,
        /// Run every check, change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Check that no two modules of the SDK use each other, directly or through others.
    Modules,
    /// Install the non-Rust test tools (Prism, the official Python SDK) into tools/.
    Tools,
    /// Benchmark the release CLI against curl and the official Python SDK on the emulator;
    /// print the table and rewrite BENCHMARKS.md.
    Bench {
        /// Every case at tiny sizes, once: checks the bench and every contender still work.
        /// Judges no target and writes nothing.
        #[arg(long)]
        quick: bool,
        /// Runs per contender (default: 5; 3 for the Python SDK).
        #[arg(long, value_name = "N", conflicts_with = "quick")]
        runs: Option<usize>,
        /// Only this case (its id in xtask/src/bench/cases.rs): prints its rows, judges no
        /// target, writes nothing.
        #[arg(long, value_name = "ID")]
        case: Option<String>,
    },
    /// (Used by the bench.) Run PROGRAM, measure it, write its usage to USAGE.
    #[command(name = xtask::bench::measure::HELPER, hide = true)]
    Measure {
        usage: PathBuf,
        program: OsString,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// (Used by the bench.) PUT the file at PATH to URL with reqwest alone.
    #[command(name = xtask::bench::bare_put::HELPER, hide = true)]
    BarePut { url: String, path: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check, spec, out } => {
            let defaults = Paths::workspace();
            let paths = Paths {
                spec: spec.unwrap_or(defaults.spec),
                out: out.unwrap_or(defaults.out),
            };
            run_codegen(&paths, check)
        }
        Command::Spec { command } => Ok(command.run()),
        Command::Man { out } => xtask::man::write(&out).map(|()| {
            eprintln!("wrote the man pages into {}", out.display());
            ExitCode::SUCCESS
        }),
        Command::Modules => xtask::modules::check(&xtask::workspace_root()).map(|acyclic| {
            if acyclic {
                eprintln!("no module of crates/aymara uses another that uses it back");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Release { version, check } => release(version, check),
        Command::Tools => xtask::tools::ensure().map(|tools| {
            eprintln!("{tools:#?}");
            ExitCode::SUCCESS
        }),
        Command::Bench { quick, runs, case } => {
            // Lives for the whole run; `Options` stays `Copy`.
            let case = case.map(|id| &*Box::leak(id.into_boxed_str()));
            xtask::bench::run(xtask::bench::Options { quick, runs, case })
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Measure {
            usage,
            program,
            args,
        } => xtask::bench::measure::child(&usage, &program, &args),
        Command::BarePut { url, path } => {
            xtask::bench::bare_put::run(&url, &path).map(|()| ExitCode::SUCCESS)
        }
        Command::Ci => xtask::ci::run().map(|failed| {
            if failed.is_empty() {
                eprintln!("all checks passed");
                ExitCode::SUCCESS
            } else {
                eprintln!("failed: {}", failed.join(", "));
                ExitCode::FAILURE
            }
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_codegen(paths: &Paths, check: bool) -> anyhow::Result<ExitCode> {
    if check {
        let (verdict, notes) = codegen::check(paths)?;
        print_notes(&notes);
        return Ok(match verdict {
            Check::UpToDate => {
                println!(
                    "{} is up to date with {}",
                    paths.out.display(),
                    paths.spec.display()
                );
                ExitCode::SUCCESS
            }
            Check::Drift(report) => {
                eprint!("{report}");
                ExitCode::FAILURE
            }
        });
    }
    let (changed, notes) = codegen::write(paths)?;
    print_notes(&notes);
    println!(
        "{} {}",
        paths.out.display(),
        if changed { "regenerated" } else { "unchanged" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `cargo xtask release`, its problems one `error:` line each on stderr.
fn release(version: Option<semver::Version>, check: bool) -> anyhow::Result<ExitCode> {
    let what = match &version {
        Some(version) => format!("release {version}"),
        None => "the release check".into(),
    };
    let options = xtask::release::Options {
        version,
        check,
        steps: xtask::release::Step::ALL,
    };
    let problems = xtask::release::run(&xtask::workspace_root(), &options, &mut std::io::stderr())?;
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    Ok(match problems.len() {
        0 if check => {
            eprintln!("{what}: every check passed; nothing was changed");
            ExitCode::SUCCESS
        }
        0 => ExitCode::SUCCESS,
        n => {
            eprintln!("{what} refused: {n} problem(s)");
            ExitCode::FAILURE
        }
    })
}

/// Notes go to stderr, like lint problems, but do not fail the run.
fn print_notes(notes: &[codegen::Note]) {
    for note in notes {
        eprintln!("{note}");
    }
}
