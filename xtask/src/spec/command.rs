//! The `cargo xtask spec` command line.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{RELEASED_SPEC, any_breaking};
use crate::codegen::Paths;

/// `cargo xtask spec ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Classify every client-relevant change between two specs as breaking or not.
    /// Exit status: 0 no breaking change, 1 a breaking change, 2 a spec that cannot be read.
    Diff {
        /// The old spec (default: openapi/released/aymara.yaml, the last release's).
        old: Option<PathBuf>,
        /// The new spec (default: openapi/aymara.yaml).
        new: Option<PathBuf>,
        /// Print `{"changes": [{"kind", "location", "breaking", "message"}]}` instead of a
        /// table.
        #[arg(long)]
        json: bool,
    },
    /// Take a new spec in: lint it (nothing is written if it fails), print its changes
    /// against openapi/aymara.yaml, copy it there, regenerate the client, and run the
    /// snapshot tests to name the public API snapshots to review.
    Update {
        /// The new spec.
        path: PathBuf,
    },
}

impl Command {
    /// Runs the command on the process's stdout and stderr.
    pub fn run(self) -> ExitCode {
        ExitCode::from(self.execute(&mut std::io::stdout(), &mut std::io::stderr()))
    }

    /// Runs the command, printing to `out` and its errors to `err`; returns the exit status.
    /// Output that cannot be written is dropped: there is nowhere left to say so.
    pub fn execute(self, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
        let root = crate::workspace_root();
        match self {
            Command::Diff { old, new, json } => {
                let old = old.unwrap_or_else(|| root.join(RELEASED_SPEC));
                let new = new.unwrap_or_else(|| Paths::under(&root).spec);
                match super::diff(&old, &new) {
                    Ok(changes) => {
                        let _ = if json {
                            writeln!(out, "{:#}", super::json(&changes))
                        } else {
                            write!(out, "{}", super::table(&changes))
                        };
                        u8::from(any_breaking(&changes))
                    }
                    Err(e) => {
                        let _ = writeln!(err, "error: {e}");
                        2
                    }
                }
            }
            Command::Update { path } => match super::update(&root, &path, out) {
                Ok(updated) => u8::from(!updated.tests_passed),
                Err(e) => {
                    let _ = writeln!(err, "error: {e:#}");
                    1
                }
            },
        }
    }
}
