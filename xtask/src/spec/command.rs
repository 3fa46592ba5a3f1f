//! The `cargo xtask spec` command line.

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
    /// Runs the command; returns its exit status.
    pub fn run(self) -> ExitCode {
        let root = crate::workspace_root();
        match self {
            Command::Diff { old, new, json } => {
                let old = old.unwrap_or_else(|| root.join(RELEASED_SPEC));
                let new = new.unwrap_or_else(|| Paths::under(&root).spec);
                match super::diff(&old, &new) {
                    Ok(changes) => {
                        if json {
                            println!("{:#}", super::json(&changes));
                        } else {
                            print!("{}", super::table(&changes));
                        }
                        ExitCode::from(u8::from(any_breaking(&changes)))
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                }
            }
            Command::Update { path } => {
                let mut stdout = std::io::stdout();
                match super::update(&root, &path, &mut stdout) {
                    Ok(updated) if updated.tests_passed => ExitCode::SUCCESS,
                    Ok(_) => ExitCode::FAILURE,
                    Err(e) => {
                        eprintln!("error: {e:#}");
                        ExitCode::FAILURE
                    }
                }
            }
        }
    }
}
