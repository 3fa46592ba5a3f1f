//! Runs one child process and measures it: wall time, and from `wait4`'s `rusage` its
//! user+sys CPU time and peak resident set size.
//!
//! The child is started and waited for by a small helper process (this same binary, run as
//! `xtask __measure`), not by the bench itself. Linux counts the memory of the process a
//! child was spawned from in the child's peak RSS (at `exec`, the peak of the address space
//! it leaves is kept), and the bench process grows large: after the million-file case its
//! emulator held a million objects, and every later child would have reported at least
//! that. The helper is freshly started and small, so the peak RSS is the child's own.

use std::ffi::OsString;
use std::fs::File;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The hidden `xtask` subcommand that runs [`child`].
pub const HELPER: &str = "__measure";

/// What one child cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// From just before `spawn` to the return of `wait4`.
    pub wall: Duration,
    /// User plus system CPU time of the child.
    pub cpu: Duration,
    /// Peak resident set size of the child, in bytes.
    pub max_rss: u64,
}

/// Runs `command` with stdout and stderr sent to files in `log_dir` (named after `label`),
/// through the helper, and fails with the tail of its stderr unless it exits 0.
pub fn run(command: &mut Command, log_dir: &Path, label: &str) -> Result<Usage> {
    let stdout_path = log_dir.join(format!("{label}.stdout"));
    let stderr_path = log_dir.join(format!("{label}.stderr"));
    let usage_path = log_dir.join(format!("{label}.usage"));
    let stdout = File::create(&stdout_path)
        .with_context(|| format!("cannot create {}", stdout_path.display()))?;
    let stderr = File::create(&stderr_path)
        .with_context(|| format!("cannot create {}", stderr_path.display()))?;
    let shown = format!("{command:?}");
    let shown = if shown.chars().count() > 300 {
        format!("{}…", shown.chars().take(300).collect::<String>())
    } else {
        shown
    };

    let helper = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut outer = Command::new(helper);
    outer
        .arg(HELPER)
        .arg(&usage_path)
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr));
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => outer.env(name, value),
            None => outer.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        outer.current_dir(dir);
    }
    let status = outer
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    let report = std::fs::read_to_string(&usage_path).unwrap_or_default();
    let Some((usage, exit)) = parse(&report) else {
        bail!("{shown} could not be measured ({status}): {report:?}");
    };
    if exit != "exit 0" {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("{shown} failed with {exit}:\n{}", tail.join("\n"));
    }
    Ok(usage)
}

/// `xtask __measure USAGE PROGRAM ARGS…`: runs the program with this process's
/// environment, directory and standard streams, waits for it with `wait4`, and writes one
/// line to USAGE: wall and CPU nanoseconds, peak RSS bytes, and how it ended.
pub fn child(usage_path: &Path, program: &OsString, args: &[OsString]) -> Result<ExitCode> {
    let start = Instant::now();
    let child = Command::new(program)
        .args(args)
        .spawn()
        .with_context(|| format!("cannot run {}", program.to_string_lossy()))?;
    let pid = libc::pid_t::try_from(child.id()).context("pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child (std's `Child` is never waited on: it is
        // dropped below without `wait`, which neither kills nor reaps), and both pointers
        // are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("wait4");
        }
    }
    let wall = start.elapsed();
    drop(child);

    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    // Linux reports kibibytes.
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    let exit = if libc::WIFEXITED(status) {
        format!("exit {}", libc::WEXITSTATUS(status))
    } else {
        format!("wait status {status:#x}")
    };
    let line = format!("{} {} {max_rss} {exit}\n", wall.as_nanos(), cpu.as_nanos());
    std::fs::write(usage_path, line)
        .with_context(|| format!("cannot write {}", usage_path.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// The usage line [`child`] writes, and how the child ended.
fn parse(line: &str) -> Option<(Usage, &str)> {
    let mut fields = line.trim_end().splitn(4, ' ');
    let mut number = || fields.next()?.parse::<u64>().ok();
    let (wall, cpu, max_rss) = (number()?, number()?, number()?);
    let exit = fields.next()?;
    let usage = Usage {
        wall: Duration::from_nanos(wall),
        cpu: Duration::from_nanos(cpu),
        max_rss,
    };
    Some((usage, exit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usage_line_reads_back_and_names_how_the_child_ended() {
        let (usage, exit) = parse("1500000000 250000000 10485760 exit 0\n").unwrap();
        assert_eq!(usage.wall, Duration::from_millis(1500));
        assert_eq!(usage.cpu, Duration::from_millis(250));
        assert_eq!((usage.max_rss, exit), (10 << 20, "exit 0"));
        let (_, killed) = parse("1 2 3 wait status 0x9").unwrap();
        assert_eq!(killed, "wait status 0x9");
        assert!(parse("1 2 exit 0").is_none());
        assert!(parse("").is_none());
    }
}
