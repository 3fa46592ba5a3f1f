//! The programs the bench measures, and how each is started for one run.

mod aymara;
mod bare;
mod curl;
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::data::{DataSet, DataSpec};

/// The ids the constructors below give, for targets to name rows by.
pub const AYMARA: &str = "aymara";
/// The fixed concurrency of earlier versions, where the adaptive one starts: the level the
/// bench compares the default with, and curl's parallel transfers.
pub const FIXED_8: usize = 8;
pub const BARE: &str = "reqwest";
pub const CURL: &str = "curl";
pub const PYTHON: &str = "python";

/// The key the children send; the emulator accepts any.
const API_KEY: &str = "bench-key";

/// A program under test in one case: which, with which extra arguments, how often.
///
/// Start from a constructor and change what differs:
///
/// ```text
/// Contender { id: "aymara-16", args: vec!["--concurrency".into(), "16".into()], ..Contender::aymara() }
/// ```
#[derive(Debug, Clone)]
pub struct Contender {
    /// Names the row in targets and the run's log directory; unique within a case.
    pub id: &'static str,
    pub tool: Tool,
    /// Extra arguments, added to the tool's own (see [`Tool`]) and shown in the table.
    pub args: Vec<String>,
    /// At most this many runs, for a contender too slow to run as often as the others.
    pub max_runs: Option<usize>,
}

/// What a contender runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `aymara files upload --quiet --base-url URL [args] INPUTS`, with the CLI's defaults
    /// otherwise; a one-file set is given by its path, a larger one as `--recursive DIR`.
    Aymara,
    /// `curl --config FILE [args]`, PUTting to URLs presigned beforehand (untimed): the
    /// transfer floor.
    Curl,
    /// The official Python SDK's upload helper in a loop: `python SCRIPT LIST [args]`.
    Python,
    /// One file PUT with reqwest alone (`xtask/src/bench/bare_put.rs`) to a URL presigned
    /// beforehand (untimed): the floor of the HTTP stack the SDK is built on.
    Bare,
}

/// What a contender's command is built from, for one run.
pub struct Invocation<'a> {
    pub programs: &'a Programs,
    pub base_url: &'a str,
    pub data: &'a DataSet,
    /// The run's own directory: the child's working directory, its logs, its side files.
    pub dir: &'a Path,
}

/// The programs the contenders start.
#[derive(Debug, Clone)]
pub struct Programs {
    /// The release `aymara` CLI.
    pub cli: PathBuf,
    /// The virtualenv's `python`, with the official SDK installed.
    pub python: PathBuf,
    /// `tools/bench/python_upload.py`.
    pub script: PathBuf,
}

impl Contender {
    pub fn aymara() -> Contender {
        Contender::new(AYMARA, Tool::Aymara)
    }

    pub fn curl() -> Contender {
        Contender::new(CURL, Tool::Curl)
    }

    pub fn python() -> Contender {
        Contender::new(PYTHON, Tool::Python)
    }

    pub fn bare() -> Contender {
        Contender::new(BARE, Tool::Bare)
    }

    fn new(id: &'static str, tool: Tool) -> Contender {
        Contender {
            id,
            tool,
            args: Vec::new(),
            max_runs: None,
        }
    }

    /// Its name in the results table: the tool's, then the extra arguments.
    pub fn label(&self, data: DataSpec) -> String {
        let tool = match self.tool {
            Tool::Aymara => aymara::LABEL.to_owned(),
            Tool::Curl => curl::label(data),
            Tool::Python => python::LABEL.to_owned(),
            Tool::Bare => bare::LABEL.to_owned(),
        };
        std::iter::once(tool)
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A footnote to its row, if the label needs one.
    pub fn note(&self, data: DataSpec) -> Option<String> {
        match self.tool {
            Tool::Curl => curl::note(data),
            Tool::Bare => Some(bare::NOTE.to_owned()),
            Tool::Aymara | Tool::Python => None,
        }
    }

    /// The command to measure; anything untimed it needs first (presigning) is done here.
    pub fn command(&self, at: &Invocation) -> Result<Command> {
        let mut command = match self.tool {
            Tool::Aymara => aymara::command(at, &self.args),
            Tool::Curl => curl::command(at, &self.args)?,
            Tool::Python => python::command(at, &self.args)?,
            Tool::Bare => bare::command(at, &self.args)?,
        };
        command.current_dir(at.dir);
        Ok(command)
    }
}

/// The environment of every child that talks to the API: the bench's key, nothing that
/// would send it elsewhere or make it chatty.
fn api_env(command: &mut Command) -> &mut Command {
    command
        .env("AYMARA_AI_API_KEY", API_KEY)
        .env_remove("AYMARA_AI_BASE_URL")
        .env_remove("RUST_LOG")
}

/// `aymara files create --json` for one batch: each path's presigned URL, in order.
fn presign(at: &Invocation, batch: &[PathBuf]) -> Result<Vec<String>> {
    let mut command = Command::new(&at.programs.cli);
    let output = api_env(&mut command)
        .args(["files", "create", "--json", "--base-url", at.base_url])
        .args(batch)
        .current_dir(at.dir)
        .output()
        .context("cannot run aymara files create")?;
    if !output.status.success() {
        bail!(
            "aymara files create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
        .context("aymara files create --json printed something that is not JSON")?;
    let files = answer["files"]
        .as_array()
        .context("aymara files create --json: no `files` array")?;
    if files.len() != batch.len() {
        bail!(
            "aymara files create: {} URLs for {} files",
            files.len(),
            batch.len()
        );
    }
    files
        .iter()
        .map(|file| {
            file["file_url"]
                .as_str()
                .map(str::to_owned)
                .context("aymara files create --json: a file without `file_url`")
        })
        .collect()
}
