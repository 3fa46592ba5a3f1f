//! The contender under test: the release `aymara` CLI, as a user runs it.

use std::process::Command;

use super::{Invocation, api_env};

pub const LABEL: &str = "aymara files upload";

/// `aymara files upload --quiet --base-url URL [args] INPUTS`: one file by its path, more
/// as `--recursive DIR`, the way a user uploads a directory. `--quiet` is left out when
/// `args` ask for JSON output (the bench keeps stdout in a file).
pub fn command(at: &Invocation, args: &[String]) -> Command {
    let mut command = Command::new(&at.programs.cli);
    let json = args.iter().any(|a| a == "--json" || a == "--ndjson");
    api_env(&mut command).args(["files", "upload"]);
    if !json {
        command.arg("--quiet");
    }
    command.args(["--base-url", at.base_url]).args(args);
    if at.data.spec().count == 1 {
        command.args(at.data.paths());
    } else {
        command.arg("--recursive").arg(at.data.dir());
    }
    command
}
