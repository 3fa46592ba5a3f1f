//! The command line's shape (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with files.
    #[command(subcommand)]
    Files(FilesCommand),
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Upload files: presign, stream, retry, report.
    Upload(UploadArgs),
    /// Only ask for presigned URLs (POST /v2/files); send no bytes.
    Create(CreateArgs),
}

/// Where and how to reach the API.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The API's base URL (https, or http to localhost) [env: AYMARA_AI_BASE_URL]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
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
    /// Files transferred at once.
    #[arg(long, value_name = "N", default_value_t = aymara::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// One content type for every file, instead of guessing from extensions.
    #[arg(long, value_name = "MIME")]
    pub content_type: Option<String>,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    #[command(flatten)]
    pub api: ApiArgs,
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
