//! What a release asks of the crates it publishes: each one packages and builds from its
//! `.crate` file (all at once, so that they find each other's packages), and the docs build
//! without a warning. The publishable crates are the members `cargo metadata` does not mark
//! `publish = false`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::logged;

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
}

/// A workspace member, as `cargo metadata` describes it.
#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    /// The registries it may be published to: none means any, an empty list none.
    publish: Option<Vec<String>>,
    targets: Vec<Target>,
    manifest_path: PathBuf,
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
}

/// A crate the release publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publishable {
    pub name: String,
    pub version: String,
    /// Whether it has a library, and so a public API to keep.
    pub library: bool,
    /// Its manifest, relative to the workspace root.
    pub manifest: String,
}

/// The workspace members at `root` that are published, in `cargo metadata`'s order.
pub fn publishable(root: &Path) -> Result<Vec<Publishable>> {
    let output = crate::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("cargo metadata failed: {}", logged::first_error(&stderr));
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).context("cannot read cargo metadata's output")?;
    Ok(metadata
        .packages
        .into_iter()
        .filter(|p| {
            p.publish
                .as_ref()
                .is_none_or(|registries| !registries.is_empty())
        })
        .map(|p| Publishable {
            library: p.targets.iter().any(|t| t.kind.iter().any(|k| k == "lib")),
            manifest: p
                .manifest_path
                .strip_prefix(&metadata.workspace_root)
                .unwrap_or(&p.manifest_path)
                .to_string_lossy()
                .into_owned(),
            name: p.name,
            version: p.version,
        })
        .collect())
}

/// The crates' names, for a problem line.
pub fn names(crates: &[Publishable]) -> String {
    let names: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    names.join(", ")
}

/// `cargo package` of `crates`, verified: each is built from its `.crate` file, against the
/// packages of the others.
pub fn package(root: &Path, crates: &[Publishable], log: &mut dyn Write) -> Result<(), String> {
    forget_unpacked(crates).map_err(|e| format!("{e:#}"))?;
    let mut command = crate::cargo();
    // Whether the tree is clean is the release's own first check, told in its own line.
    command
        .args(["package", "--locked", "--allow-dirty"])
        // Each packaged crate is built once: incremental state would only cost time and disk.
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(root);
    for krate in crates {
        command.args(["--package", &krate.name]);
    }
    cargo_step(command, log, &format!("packaging {}", names(crates)))
}

/// Cargo unpacks the packages of the temporary registry that `cargo package` verifies
/// against into `$CARGO_HOME/registry/src/-HASH/NAME-VERSION`, and never again once they are
/// there: a second run at the same version would build each crate against the first run's
/// copy of the others. Removes those copies of `crates` (from every local registry: those
/// have no host, so their directory begins with `-`).
fn forget_unpacked(crates: &[Publishable]) -> Result<()> {
    let sources = home::cargo_home()
        .context("cannot find cargo's home")?
        .join("registry/src");
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for krate in crates {
            let unpacked = registry
                .path()
                .join(format!("{}-{}", krate.name, krate.version));
            if unpacked.exists() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("cannot remove {}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// `cargo doc` of the whole workspace with every feature, where a warning is an error.
pub fn docs(root: &Path, log: &mut dyn Write) -> Result<(), String> {
    let mut command = crate::cargo();
    command
        .args([
            "doc",
            "--no-deps",
            "--workspace",
            "--all-features",
            "--locked",
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root);
    cargo_step(
        command,
        log,
        "the docs (RUSTDOCFLAGS=\"-D warnings\" cargo doc --no-deps --workspace --all-features)",
    )
}

fn cargo_step(
    command: std::process::Command,
    log: &mut dyn Write,
    what: &str,
) -> Result<(), String> {
    match logged::run(command, log) {
        Ok(ran) if ran.success => Ok(()),
        Ok(ran) => Err(format!(
            "{what} failed: {}",
            logged::first_error(&ran.output)
        )),
        Err(e) => Err(format!("{what}: {e:#}")),
    }
}
