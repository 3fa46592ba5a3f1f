//! Logs (`tracing`) on stderr, as much as `-v`/`-vv`/`-vvv` ask, or what `RUST_LOG` says when
//! it is set. Without either, only errors. Colored only on a terminal, and never under
//! `NO_COLOR`, so logs saved to a file stay plain text. A progress bar on stderr is lifted
//! while a line is written, so that neither garbles the other.
//!
//! The SDK redacts what it logs: the API key and presigned URLs' signatures never appear.

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use indicatif::ProgressBar;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::Failure;
use crate::cli::Verbosity;

/// The crates whose logs `-v` and `-vv` turn up: the SDK (and this binary, also `aymara`),
/// and the emulator behind `--local`. Others stay at warnings, so that their debug lines do
/// not drown ours, until `-vvv` turns everything up.
const OURS: &[&str] = &["aymara", "aymara_emulator"];

/// Starts logging to stderr. A `RUST_LOG` that does not parse is a usage error naming it.
pub fn init(verbosity: &Verbosity) -> Result<(), Failure> {
    let rust_log = std::env::var_os(EnvFilter::DEFAULT_ENV);
    let filter = filter(verbosity, rust_log.as_deref()).map_err(Failure::usage)?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(AroundProgress)
        .with_ansi(colored(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .init();
    Ok(())
}

/// The progress bar drawn on stderr now, if any.
static PROGRESS: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Writes log lines around `bar` while it is drawn (`None`: it is gone).
pub fn around(bar: Option<&ProgressBar>) {
    if let Ok(mut progress) = PROGRESS.lock() {
        *progress = bar.cloned();
    }
}

/// Stderr, with the progress bar lifted while each log line is written: the subscriber
/// writes one event in one call.
struct AroundProgress;

impl Write for AroundProgress {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let bar = PROGRESS.lock().ok().and_then(|progress| progress.clone());
        match bar {
            Some(bar) => bar.suspend(|| io::stderr().write_all(line))?,
            None => io::stderr().write_all(line)?,
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl MakeWriter<'_> for AroundProgress {
    type Writer = Self;

    fn make_writer(&self) -> Self {
        Self
    }
}

/// What is logged: `RUST_LOG` when set and not empty, else what the flags ask.
fn filter(verbosity: &Verbosity, rust_log: Option<&OsStr>) -> Result<EnvFilter, String> {
    let directives = match rust_log.filter(|value| !value.is_empty()) {
        Some(value) => value
            .to_str()
            .ok_or_else(|| "RUST_LOG: not UTF-8".to_owned())?
            .to_owned(),
        None => directives(verbosity),
    };
    EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| format!("RUST_LOG {:?}: {e}", crate::output::text(&directives)))
}

/// The directives the flags stand for; `-q` wins.
fn directives(verbosity: &Verbosity) -> String {
    let ours = match verbosity.verbose {
        _ if verbosity.quiet => return "error".to_owned(),
        0 => return "error".to_owned(),
        1 => "info",
        2 => "debug",
        _ => return "trace".to_owned(),
    };
    let mut directives = "warn".to_owned();
    for target in OURS {
        directives.push_str(&format!(",{target}={ours}"));
    }
    directives
}

/// Whether log lines carry colors: on a terminal, unless `NO_COLOR` is set and not empty
/// (<https://no-color.org>).
fn colored(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verbosity(verbose: u8, quiet: bool) -> Verbosity {
        Verbosity { verbose, quiet }
    }

    #[test]
    fn each_v_turns_our_logs_up_and_rust_log_wins_when_set() {
        let shown = |v: &Verbosity, rust_log: Option<&str>| {
            filter(v, rust_log.map(OsStr::new)).unwrap().to_string()
        };
        assert_eq!(shown(&verbosity(0, false), None), "error");
        assert_eq!(shown(&verbosity(0, true), None), "error");
        let info = shown(&verbosity(1, false), None);
        assert!(info.contains("aymara=info") && info.contains("aymara_emulator=info"));
        assert!(info.contains("warn"), "{info}");
        let debug = shown(&verbosity(2, false), None);
        assert!(debug.contains("aymara=debug"), "{debug}");
        assert_eq!(shown(&verbosity(3, false), None), "trace");
        assert_eq!(shown(&verbosity(3, true), None), "error", "-q wins");
        assert_eq!(
            shown(&verbosity(2, false), Some("hyper=trace")),
            "hyper=trace"
        );
        assert_eq!(
            shown(&verbosity(0, true), Some("aymara=debug")),
            "aymara=debug"
        );
        // An empty RUST_LOG is not set.
        assert_eq!(shown(&verbosity(0, false), Some("")), "error");
    }

    #[test]
    fn a_rust_log_that_does_not_parse_is_one_line_naming_it() {
        let error = filter(&verbosity(0, false), Some(OsStr::new("aymara=loud"))).unwrap_err();
        assert!(error.starts_with("RUST_LOG \"aymara=loud\": "), "{error}");
        assert_eq!(error.lines().count(), 1);
    }

    #[test]
    fn colors_only_on_a_terminal_without_no_color() {
        assert!(colored(true, None));
        assert!(
            colored(true, Some("".into())),
            "an empty NO_COLOR is not set"
        );
        assert!(!colored(true, Some("1".into())));
        assert!(!colored(false, None));
    }
}
