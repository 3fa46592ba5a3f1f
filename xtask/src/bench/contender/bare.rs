//! reqwest alone PUTting the one file of the data set to a URL presigned beforehand,
//! untimed, by `aymara files create --json`: what the HTTP stack the SDK is built on does
//! without the SDK.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{Invocation, presign};
use crate::bench::bare_put;

pub const LABEL: &str = "reqwest alone, presigned";

pub const NOTE: &str = "the HTTP stack the SDK is built on, without the SDK: \
    `xtask/src/bench/bare_put.rs`, presigned beforehand, untimed";

/// Presigns the file, then returns `xtask __bare-put URL PATH [args]`.
pub fn command(at: &Invocation, args: &[String]) -> Result<Command> {
    let paths: Vec<PathBuf> = at.data.paths().collect();
    let [path] = paths.as_slice() else {
        bail!(
            "the bare reqwest contender sends one file, not {}",
            paths.len()
        );
    };
    let url = presign(at, std::slice::from_ref(path))?
        .pop()
        .context("no URL for the file")?;
    let xtask = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut command = Command::new(xtask);
    command.arg(bare_put::HELPER).arg(url).arg(path).args(args);
    Ok(command)
}
