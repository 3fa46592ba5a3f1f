//! What a full run ran on, for BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

use super::human;

/// The machine, the tools and the time of a run.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub memory: String,
    pub kernel: String,
    pub date: String,
    pub rustc: String,
    pub curl: String,
    pub python_sdk: String,
}

impl Machine {
    /// Reads /proc and asks each tool its version; "unknown" for what cannot be found.
    pub fn probe(python: &Path) -> Machine {
        let read = |path| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let memory = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or_else(|| "unknown".to_owned(), |kib| human::bytes(kib * 1024));
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        Machine {
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            cpu,
            memory,
            kernel: format!("Linux {}", read("/proc/sys/kernel/osrelease").trim()),
            date: first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
            rustc: first_line(Command::new(rustc).arg("-V")),
            curl: first_line(Command::new("curl").arg("--version"))
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            python_sdk: first_line(Command::new(python).args([
                "-c",
                "import aymara_ai; print('aymara-ai', aymara_ai.__version__)",
            ])),
        }
    }
}

/// The first line `command` prints, or "unknown".
fn first_line(command: &mut Command) -> String {
    command
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
