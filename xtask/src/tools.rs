//! `cargo xtask tools`: installs the test tools that are not Rust crates into `tools/`:
//! Prism (npm, for contract tests), the official Python SDK (PyPI, for compatibility
//! tests and the bench) and moto's S3 server (PyPI, a real S3-compatible store for the
//! emulator's fronting tests). Pinned by `tools/package-lock.json` and `tools/requirements.txt`;
//! a stamp with the pin file's hash makes a second run a no-op.
//!
//! Cargo subcommands (cargo-semver-checks, for `cargo xtask release`) are pinned in
//! `tools/cargo-tools.txt` the same way, but installed into `tools/cargo` only when a command
//! first needs one ([`cargo_tool`]): building them from source takes minutes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use aymara_test_support::sha256_hex;
use aymara_test_support::tools::Tool;

/// Where the installed tools live.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The `prism` executable.
    pub prism: PathBuf,
    /// The virtualenv's `python`, with `aymara-ai-sdk` installed.
    pub python: PathBuf,
    /// The virtualenv's `moto_server` (moto in server mode).
    pub moto_server: PathBuf,
}

impl Tools {
    /// The tools' paths in this workspace (whether or not they are installed yet).
    pub fn paths() -> Self {
        Self {
            prism: Tool::Prism.path(),
            python: Tool::Python.path(),
            moto_server: Tool::MotoServer.path(),
        }
    }
}

fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Runs `install` unless `stamp` already records the hash of `pin`.
fn installed_once(pin: &Path, stamp: &Path, install: impl FnOnce() -> Result<()>) -> Result<()> {
    let hash =
        sha256_hex(&fs::read(pin).with_context(|| format!("cannot read {}", pin.display()))?);
    if fs::read_to_string(stamp).is_ok_and(|s| s == hash) {
        return Ok(());
    }
    install()?;
    fs::write(stamp, hash).with_context(|| format!("cannot write {}", stamp.display()))
}

/// The path of `name`, a cargo subcommand pinned in `tools/cargo-tools.txt`; installs the
/// pinned ones first if they are missing or out of date.
pub fn cargo_tool(name: &str) -> Result<PathBuf> {
    let dir = crate::workspace_root().join("tools");
    let pins = dir.join("cargo-tools.txt");
    let text =
        fs::read_to_string(&pins).with_context(|| format!("cannot read {}", pins.display()))?;
    let pinned: Vec<(&str, &str)> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .collect();
    if !pinned.iter().any(|(pinned, _)| *pinned == name) {
        bail!("{name} is not pinned in {}", pins.display());
    }
    let root = dir.join("cargo");
    installed_once(&pins, &root.join(".installed"), || {
        for (name, version) in &pinned {
            eprintln!("==> installing {name} {version} into tools/cargo (minutes, once)");
            run(crate::cargo()
                .args(["install", "--locked", "--quiet", "--root"])
                .arg(&root)
                .arg(format!("{name}@{}", version.trim())))?;
        }
        Ok(())
    })?;
    Ok(root.join("bin").join(name))
}

/// Installs whatever is missing or out of date, and returns where the tools are.
pub fn ensure() -> Result<Tools> {
    let dir = crate::workspace_root().join("tools");
    installed_once(
        &dir.join("package-lock.json"),
        &dir.join("node_modules/.installed"),
        || {
            eprintln!("==> installing Prism into tools/node_modules");
            run(Command::new("npm")
                .args([
                    "ci",
                    "--no-audit",
                    "--no-fund",
                    "--ignore-scripts",
                    "--prefix",
                ])
                .arg(&dir))
        },
    )?;
    installed_once(
        &dir.join("requirements.txt"),
        &dir.join("venv/.installed"),
        || {
            eprintln!("==> installing the official Python SDK and moto into tools/venv");
            run(Command::new("python3")
                .args(["-m", "venv"])
                .arg(dir.join("venv")))?;
            run(Command::new(dir.join("venv/bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(dir.join("requirements.txt")))
        },
    )?;
    Ok(Tools::paths())
}
