//! The command line's shape (clap derive).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// Where the local emulator keeps files unless `--data-dir` says otherwise.
pub const DEFAULT_DATA_DIR: &str = ".aymara/local";

/// Retries per API call and per file unless `--max-retries` says otherwise.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// Upload files to Aymara AI for eval runs.
///
/// The API key is read from AYMARA_AI_API_KEY only (a flag would show in process lists).
#[derive(Debug, Parser)]
#[command(name = "aymara", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub verbosity: Verbosity,
}

/// How much every command says on stderr.
#[derive(Debug, Args)]
pub struct Verbosity {
    /// Log on stderr: -v retries and warnings (info), -vv each request and attempt too
    /// (debug), -vvv everything, the HTTP stack's too (trace). RUST_LOG, when set, decides
    /// instead.
    #[arg(short, long, action = ArgAction::Count, global = true,
        help_heading = "Global options")]
    pub verbose: u8,
    /// Print nothing but errors: no progress bar, summary or log line (wins over -v). What
    /// --json or --ndjson asks for is still printed.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with files.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Run the local emulator of the Files API and its object store until Ctrl-C.
    #[cfg(feature = "emulator")]
    Serve(ServeArgs),
    /// Print the completion script for a shell on stdout.
    ///
    /// bash: `source <(aymara completions bash)`; zsh: `aymara completions zsh >
    /// ~/.zfunc/_aymara` (with ~/.zfunc in fpath); fish: `aymara completions fish >
    /// ~/.config/fish/completions/aymara.fish`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Upload files: presign, stream, retry, report.
    Upload(UploadArgs),
    /// Only ask for presigned URLs (POST /v2/files); send no bytes.
    Create(CreateArgs),
    /// List files, every page of them.
    List(ListArgs),
    /// Show what the service holds for a file.
    Get(GetArgs),
    /// Delete files.
    Delete(DeleteArgs),
    /// Show where files' processing stands.
    Status(StatusArgs),
    /// Wait until files are processed (completed or failed).
    Wait(WaitArgs),
}

/// A kind of file, for `files list --type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileTypeArg {
    Image,
    Video,
    Text,
    Document,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only files of this workspace.
    #[arg(long, value_name = "UUID")]
    pub workspace: Option<String>,
    /// Only files of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub file_type: Option<FileTypeArg>,
    /// Print at most this many files.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Files fetched per request.
    #[arg(long, value_name = "N", default_value_t = aymara::MAX_PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(aymara::MAX_PAGE_SIZE)))]
    pub page_size: u32,
    /// Print one JSON document: {"count", "files": [...]}.
    #[arg(long, conflicts_with = "ndjson")]
    pub json: bool,
    /// Print one JSON object per file, one per line, as the pages arrive.
    #[arg(long)]
    pub ndjson: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The file's uuid.
    #[arg(value_name = "UUID")]
    pub uuid: String,
    /// Print the API's answer as JSON, the presigned download URL included.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The files' uuids.
    #[arg(required = true, value_name = "UUID")]
    pub uuids: Vec<String>,
    /// Print one JSON object: {"deleted": [...], "failed": [...]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The files' uuids.
    #[arg(required = true, value_name = "UUID")]
    pub uuids: Vec<String>,
    /// Print one JSON object: {"files": [...], "failed": [...]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The files' uuids.
    #[arg(required = true, value_name = "UUID")]
    pub uuids: Vec<String>,
    /// Give up on a file after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Print one JSON object: {"files": [...], "failed": [...]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Where and how to reach the API.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The API's base URL (https, or http to localhost) [env: AYMARA_AI_BASE_URL]
    #[arg(long, value_name = "URL", conflicts_with = "local")]
    pub base_url: Option<String>,
    /// Use a local emulator started for this command, on the state of --data-dir: no key,
    /// no network needed.
    #[arg(long)]
    pub local: bool,
    /// With --local: where the emulator keeps its state (the same as `aymara serve
    /// --data-dir`), from one command to the next.
    #[arg(long, value_name = "DIR", requires = "local", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Retries after a transient failure, per API call and per file. Higher than the
    /// SDK's default of 2: a bulk upload over a flaky link should not lose a file to three
    /// unlucky resets.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RETRIES)]
    pub max_retries: u32,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Files to upload (directories too, with --recursive).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The workspace the files belong to.
    #[arg(long, value_name = "UUID")]
    pub workspace: Option<String>,
    /// Upload every file under the directories given.
    #[arg(short, long)]
    pub recursive: bool,
    /// With --recursive: follow symbolic links found in directories (they are skipped and
    /// reported otherwise). Links named on the command line are always followed.
    #[arg(long, requires = "recursive")]
    pub follow_symlinks: bool,
    /// With --recursive: upload only files whose path under the directory matches GLOB
    /// (repeatable; `*` matches across `/`, so `*.csv` takes CSVs at any depth).
    #[arg(long, value_name = "GLOB", requires = "recursive")]
    pub include: Vec<String>,
    /// With --recursive: leave out files whose path under the directory matches GLOB
    /// (repeatable; wins over --include).
    #[arg(long, value_name = "GLOB", requires = "recursive")]
    pub exclude: Vec<String>,
    /// With --recursive: take hidden files and directories (names starting with `.`) too.
    /// `.aymara/` is never uploaded.
    #[arg(long, requires = "recursive")]
    pub hidden: bool,
    /// Print what would be uploaded, skipped or refused, and send nothing (no key needed).
    #[arg(long)]
    pub dry_run: bool,
    /// Take only the files of shard K of N, so that N runs (machines, jobs) with 1/N to N/N
    /// upload every file exactly once. A file's shard is a stable hash of its path under
    /// the directory argument it was found in (a file named on the command line: its path
    /// as given). Each shard keeps its own default journal.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<aymara::Shard>,
    /// Where the journal of uploaded files is kept [default: one file per base URL and
    /// workspace under .aymara/journal/]. Files it has, unchanged, are skipped.
    #[arg(long, value_name = "FILE", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,
    /// Keep no journal: upload every file, record nothing.
    #[arg(long)]
    pub no_journal: bool,
    /// Skip a file only if its SHA-256 matches the journal's (each file is read once more
    /// to compute it), instead of its size and modification time.
    #[arg(long, conflicts_with = "no_journal")]
    pub checksum: bool,
    /// Upload every file even if the journal has it.
    #[arg(long, conflicts_with = "no_journal")]
    pub force: bool,
    /// Give up on the whole upload after this many seconds; files not stored by then fail.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Files transferred at once: `auto` finds the number while uploading (from 8, growing
    /// while latency holds, halving when the store says slow down, at most 256); a number
    /// fixes it.
    #[arg(long, value_name = "auto|N", default_value = "auto", value_parser = parse_concurrency)]
    pub concurrency: Concurrency,
    /// One content type for every file, instead of guessing from extensions.
    #[arg(long, value_name = "MIME")]
    pub content_type: Option<String>,
    /// At most this many bytes per second for the whole upload, shared by every transfer,
    /// as rclone reads it: `10M` is 10 MiB/s; suffixes B, K, M, G (powers of 1024), no
    /// suffix is KiB/s; `0` or `off` is no limit.
    #[arg(long, value_name = "RATE", default_value = "off", value_parser = parse_bwlimit)]
    pub bwlimit: u64,
    /// Do not hedge stragglers (by default, a transfer far slower than its peers to connect
    /// or to be answered gets a second PUT of the same file, and the first answer wins).
    #[arg(long)]
    pub no_hedge: bool,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Print one JSON object per file on stdout as each finishes, then a summary object.
    #[arg(long, conflicts_with = "json")]
    pub ndjson: bool,
    /// The global `-q`, which main copies here.
    #[arg(skip)]
    pub quiet: bool,
    /// After each file is stored, wait until it is processed (at most 10 minutes) and
    /// report its final processing status.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// `--concurrency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Auto,
    Fixed(usize),
}

/// `--bwlimit`: bytes per second, 0 for no limit.
fn parse_bwlimit(value: &str) -> Result<u64, String> {
    let bad = || format!("expected a rate such as 10M, 512K or off, got {value:?}");
    let text = value.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(0);
    }
    let (number, unit) = match text.char_indices().last() {
        Some((at, last)) if last.is_ascii_alphabetic() => (&text[..at], last),
        _ => (text, 'K'),
    };
    let scale: u64 = match unit.to_ascii_uppercase() {
        'B' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => return Err(bad()),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    let rate = number * scale as f64;
    if !rate.is_finite() || rate < 0.0 || rate > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(rate.round() as u64)
}

fn parse_concurrency(value: &str) -> Result<Concurrency, String> {
    if value == "auto" {
        return Ok(Concurrency::Auto);
    }
    value
        .parse()
        .map(Concurrency::Fixed)
        .map_err(|_| "expected `auto` or a number of files".to_owned())
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Paths to ask presigned URLs for (sent as given; not read).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// The workspace the files belong to.
    #[arg(long, value_name = "UUID")]
    pub workspace: Option<String>,
    /// Print the response body as JSON, presigned URLs included.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[cfg(feature = "emulator")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Where the emulator keeps its state: its database of files (emulator_state.sqlite3)
    /// and their objects. Kept across restarts; remove the directory to start afresh.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Keep nothing: records in memory, objects in a temporary directory removed at exit.
    #[arg(long, conflicts_with = "data_dir")]
    pub ephemeral: bool,
    /// An accepted x-api-key (repeat for several). Without any, every non-empty key is
    /// accepted. This is the emulator's own key, never a real one.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// Lifetime of presigned URLs, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub url_ttl_secs: u64,
    /// Seed of the fault generators: the same seed gives the same faults.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fault_seed: u64,
    /// Share of presign calls answered 429 with Retry-After (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub presign_429_rate: f64,
    /// Share of presign calls answered 503 (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub presign_503_rate: f64,
    /// Share of PUTs answered 500 (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub put_500_rate: f64,
    /// Share of PUTs whose connection is reset mid-body (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub put_reset_rate: f64,
    /// Share of PUTs answered --put-straggler-ms late, once stored (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub put_straggler_rate: f64,
    /// How late a straggling PUT is answered, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub put_straggler_ms: u64,
    /// The first N PUTs are read and never answered (nothing is stored).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub put_stalls: u64,
    /// Delay added to every answer, of the API and the store, in milliseconds (the two
    /// flags below override it for one side).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Delay added to every API answer, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub api_latency_ms: Option<u64>,
    /// Delay added to every store answer, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub store_latency_ms: Option<u64>,
    /// PUTs the store receives at once; one more is answered 503 SlowDown.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_puts_in_flight: Option<u64>,
    /// How long a video stays `processing` once its bytes arrived, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub video_processing_ms: u64,
    /// Front this S3-compatible store instead of the emulator's own: presigned URLs point
    /// to it (path style, `--bucket`, which must exist), signed with the credentials in
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, region AWS_REGION or
    /// AWS_DEFAULT_REGION (default us-east-1).
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// The bucket in presigned URLs (an S3 bucket name).
    #[arg(long, value_name = "NAME", default_value = aymara_emulator::DEFAULT_BUCKET)]
    pub bucket: String,
    /// Retry-After sent with injected 429s, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1)]
    pub retry_after_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bwlimit_reads_rates_as_rclone_does() {
        let mib = 1024 * 1024;
        for (text, rate) in [
            ("10M", 10 * mib),
            ("10m", 10 * mib),
            ("0.5M", mib / 2),
            ("512K", 512 * 1024),
            ("512", 512 * 1024),
            ("1G", 1024 * mib),
            ("100B", 100),
            ("0", 0),
            ("off", 0),
        ] {
            assert_eq!(parse_bwlimit(text), Ok(rate), "{text}");
        }
        for bad in ["", "fast", "10X", "-1M", "1e400M", "M"] {
            let error = parse_bwlimit(bad).unwrap_err();
            assert!(error.contains("expected a rate"), "{bad}: {error}");
        }
    }
}
