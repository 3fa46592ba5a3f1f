//! The release's long steps (packaging, docs, the API comparison) take minutes: their output
//! is passed on to the log as it comes, and kept, so that a failure can be told in one line.

use std::io::{BufRead, BufReader, Write};
use std::process::Command;

use anyhow::{Context, Result};

/// What a command printed (standard output and error, interleaved) and whether it succeeded.
pub struct Ran {
    pub success: bool,
    pub output: String,
}

/// The first line of `output` that reports an error, as cargo and rustc begin them.
pub fn first_error(output: &str) -> &str {
    output
        .lines()
        .find(|line| line.starts_with("error"))
        .unwrap_or("no error line in its output")
}

/// Runs `command`, writing each line it prints to `log`.
pub fn run(mut command: Command, log: &mut dyn Write) -> Result<Ran> {
    let shown = format!("{:?}", command.get_program());
    let (reader, writer) = std::io::pipe().context("cannot make a pipe")?;
    command
        .stdout(writer.try_clone().context("cannot make a pipe")?)
        .stderr(writer);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot run {shown}"))?;
    // The pipe ends only once no writer is left: the child's, and those `command` holds.
    drop(command);
    let mut output = String::new();
    for line in BufReader::new(reader).split(b'\n') {
        let line = line.with_context(|| format!("cannot read what {shown} prints"))?;
        let line = String::from_utf8_lossy(&line);
        writeln!(log, "{line}")?;
        output.push_str(&line);
        output.push('\n');
    }
    let status = child
        .wait()
        .with_context(|| format!("cannot wait for {shown}"))?;
    Ok(Ran {
        success: status.success(),
        output,
    })
}
