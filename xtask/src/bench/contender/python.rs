//! The official Python SDK's `lib.uploads.upload_file` in a loop, in one process
//! (`tools/bench/python_upload.py`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::Command;

use anyhow::{Context, Result};

use super::{Invocation, api_env};

pub const LABEL: &str = "official Python SDK, upload_file loop";

/// `python python_upload.py LIST [args]`, LIST naming the data set's files one a line.
pub fn command(at: &Invocation, args: &[String]) -> Result<Command> {
    let list = at.dir.join("python.list");
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::new(File::create(&list)?);
        for path in at.data.paths() {
            writeln!(out, "{}", path.display())?;
        }
        out.flush()
    };
    write().with_context(|| format!("cannot write {}", list.display()))?;
    let mut command = Command::new(&at.programs.python);
    api_env(&mut command)
        .arg(&at.programs.script)
        .arg(&list)
        .args(args)
        .env("AYMARA_AI_BASE_URL", at.base_url);
    Ok(command)
}
