//! Builds the release CLI the bench measures, and makes sure the bench itself runs
//! optimized.
//!
//! The emulator runs inside this process, so a full bench needs this process optimized too:
//! a debug build's store hashes at a few tens of MB/s and would set the pace for every
//! contender. `--quick` only checks that things work, so the debug build does.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::Options;

/// What the caller does after [`build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// This process is fit to run the bench: run it here.
    RunHere,
    /// The release build of xtask ran the whole bench already.
    Done,
}

/// `cargo build --release` of the CLI (and of xtask, when this is a debug build asked for
/// a full bench, which then runs the bench in the release build instead).
pub fn build(root: &Path, options: Options) -> Result<Next> {
    let reexec = !options.quick && cfg!(debug_assertions);
    let mut packages = vec!["-p", "aymara-cli"];
    if reexec {
        packages.extend(["-p", "xtask"]);
    }
    eprintln!("==> bench: building the release CLI");
    let status = crate::cargo()
        .args(["build", "--release"])
        .args(&packages)
        .current_dir(root)
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release {} failed", packages.join(" "));
    }
    if !reexec {
        return Ok(Next::RunHere);
    }
    eprintln!("==> bench: running the release build of xtask");
    let mut command = Command::new(root.join("target/release/xtask"));
    command.arg("bench");
    if let Some(runs) = options.runs {
        command.arg("--runs").arg(runs.to_string());
    }
    if let Some(case) = options.case {
        command.args(["--case", case]);
    }
    let status = command
        .current_dir(root)
        .status()
        .context("cannot run target/release/xtask")?;
    if !status.success() {
        bail!("the release build of `xtask bench` failed");
    }
    Ok(Next::Done)
}
