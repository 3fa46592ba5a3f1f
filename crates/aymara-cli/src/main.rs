//! `aymara`: upload files to Aymara AI for eval runs. See `aymara --help`.

mod commands;
mod completions;
mod filters;
mod journal;
mod local;
mod logging;
mod output;
mod paths;
mod progress;
#[cfg(feature = "emulator")]
mod serve;
mod shard;
mod signals;

use std::process::ExitCode;

use aymara_cli::cli;
use clap::Parser;

use cli::{Cli, Command, FilesCommand};

/// Why the command did not succeed, and which exit status says so.
#[derive(Debug)]
pub struct Failure {
    /// 1: something failed or was refused; 2: usage or configuration, nothing was sent.
    code: u8,
    /// One line each, printed on stderr.
    lines: Vec<String>,
}

impl Failure {
    fn usage(message: String) -> Self {
        Self::usage_lines(vec![message])
    }

    fn usage_lines(messages: Vec<String>) -> Self {
        Self {
            code: 2,
            lines: messages
                .into_iter()
                .map(|m| format!("error: {m}"))
                .collect(),
        }
    }

    fn failed(lines: Vec<String>) -> Self {
        Self { code: 1, lines }
    }

    /// Ctrl-C stopped the command before everything was done: 130, as shells expect.
    fn interrupted(lines: Vec<String>) -> Self {
        Self { code: 130, lines }
    }

    fn io(error: std::io::Error) -> Self {
        Self::failed(vec![format!("error: cannot write output: {error}")])
    }

    /// Prints the lines on stderr; the exit status.
    fn exit(self) -> ExitCode {
        for line in &self.lines {
            eprintln!("{line}");
        }
        ExitCode::from(self.code)
    }
}

/// glibc's defaults cost an upload memory and CPU:
/// - each thread that allocates gets an arena of its own (up to eight per core), and memory
///   freed in one is not reused by another: the short file reads of an upload, spread over
///   many blocking threads, left tens of MiB behind (100,000 files: 57 MiB, 48 MiB with one
///   arena; each thread keeps its own small cache in front of it);
/// - a 256 KiB chunk buffer is above the threshold for its own `mmap`, or freed memory at the
///   top of the heap is handed back at once: each chunk then faulted its pages in again (1
///   GiB: 0.34 s of CPU, 0.19 s once buffers stay in the heap up to the default memory
///   budget).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    const MIB: libc::c_int = 1024 * 1024;
    // SAFETY: mallopt only changes the allocator's settings, and runs before any other
    // thread exists; a refusal (0) leaves that default, which works too.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MIB);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 * MIB);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tune_malloc();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    if let Err(failure) = logging::init(&cli.verbosity) {
        return failure.exit();
    }
    let quiet = cli.verbosity.quiet;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Files(FilesCommand::Upload(args)) => {
                commands::upload(cli::UploadArgs { quiet, ..args }).await
            }
            Command::Files(FilesCommand::Create(args)) => commands::create(args).await,
            Command::Files(FilesCommand::List(args)) => commands::list(args).await,
            Command::Files(FilesCommand::Get(args)) => commands::get(args).await,
            Command::Files(FilesCommand::Delete(args)) => commands::delete(args).await,
            Command::Files(FilesCommand::Status(args)) => commands::status(args).await,
            Command::Files(FilesCommand::Wait(args)) => commands::wait(args).await,
            #[cfg(feature = "emulator")]
            Command::Serve(args) => serve::serve(args).await,
            Command::Completions(args) => completions::completions(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

/// What clap refused. A value a flag's parser refused (`--shard 5/4`) is one line, like
/// every other usage error; help, version and clap's other errors print as clap prints them.
fn usage_error(error: clap::Error) -> ExitCode {
    if error.kind() != clap::error::ErrorKind::ValueValidation {
        error.exit()
    }
    let text = error.render().to_string();
    eprintln!("{}", text.lines().next().unwrap_or_default());
    ExitCode::from(2)
}
