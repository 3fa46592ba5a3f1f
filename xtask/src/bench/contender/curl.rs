//! `curl` PUTting the data set to URLs presigned beforehand, untimed, by `aymara files
//! create --json`: the transfer floor, what moving the bytes alone costs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};
use aymara::MAX_BATCH_SIZE;

use super::FIXED_8;

use super::{Invocation, presign};
use crate::bench::data::DataSpec;

/// `curl -T` for one file; for more, `curl --parallel` at the CLI's former fixed default of 8
/// transfers at once (where its adaptive concurrency starts).
pub fn label(data: DataSpec) -> String {
    match data.count {
        1 => "curl -T, presigned".to_owned(),
        _ => format!("curl --parallel (max {FIXED_8}), presigned"),
    }
}

pub fn note(data: DataSpec) -> Option<String> {
    (data.count > 1).then(|| {
        format!(
            "presigned beforehand with `aymara files create --json`, {} requests, untimed",
            data.count.div_ceil(MAX_BATCH_SIZE)
        )
    })
}

/// Presigns every file, then returns `curl --config FILE [args]`, FILE listing each upload.
pub fn command(at: &Invocation, args: &[String]) -> Result<Command> {
    let config = at.dir.join("curlrc");
    let mut out = BufWriter::new(
        File::create(&config).with_context(|| format!("cannot create {}", config.display()))?,
    );
    writeln!(
        out,
        "silent\nshow-error\nfail\nheader = \"Content-Type: application/octet-stream\""
    )?;
    if at.data.spec().count > 1 {
        writeln!(out, "parallel\nparallel-max = {FIXED_8}")?;
    }
    let mut paths = at.data.paths();
    loop {
        let batch: Vec<PathBuf> = paths.by_ref().take(MAX_BATCH_SIZE).collect();
        if batch.is_empty() {
            break;
        }
        for (path, url) in batch.iter().zip(presign(at, &batch)?) {
            writeln!(
                out,
                "upload-file = \"{}\"\nurl = \"{}\"\noutput = \"/dev/null\"",
                quote(&path.to_string_lossy()),
                quote(&url)
            )?;
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", config.display()))?;
    let mut command = Command::new("curl");
    command.arg("--config").arg(&config).args(args);
    Ok(command)
}

/// Escapes a value for a double-quoted string in a curl config file.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}
