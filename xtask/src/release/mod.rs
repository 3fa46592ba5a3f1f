//! `cargo xtask release [VERSION] [--check]`: the one way a release is made. It checks, then
//! does.
//!
//! The checks: the git tree is clean; CHANGELOG.md has something to release as VERSION;
//! every publishable crate packages and builds from its `.crate` file; the docs build with
//! `-D warnings`; the public API (cargo-semver-checks) and the spec (`spec::release`) changed
//! no more since the last release than the bump to VERSION allows. Every check runs, and
//! each problem is one line, so one run lists them all.
//!
//! Then, unless `--check`: the version is set in the root Cargo.toml and Cargo.lock, the
//! `[Unreleased]` entries are dated under VERSION, the baseline is recorded (`openapi/released/`),
//! and "Release VERSION" is committed and tagged `vVERSION` (annotated, local).
//!
//! With no VERSION, `--check` checks the tree against the last release: it fails only on
//! what is wrong whatever the next version is (the tree, packaging, docs), and says what the
//! public API and the spec need the next version to be.

mod baseline;
mod changelog;
mod crates;
mod git;
mod logged;
mod manifest;
mod public_api;

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;

use crate::spec;
use crates::Publishable;
use public_api::Level;

pub use baseline::VERSION_FILE;

/// One check of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No uncommitted or untracked change.
    CleanTree,
    /// CHANGELOG.md has something to release as the version (with no version: it has an
    /// `[Unreleased]` section).
    Changelog,
    /// Every publishable crate packages and builds from its `.crate` file.
    Package,
    /// `cargo doc` with `-D warnings`.
    Docs,
    /// The public API against the last release's (cargo-semver-checks).
    PublicApi,
    /// The spec against the last release's.
    Spec,
}

impl Step {
    /// Every check, as `cargo xtask release` runs them.
    pub const ALL: &[Step] = &[
        Step::CleanTree,
        Step::Changelog,
        Step::Package,
        Step::Docs,
        Step::PublicApi,
        Step::Spec,
    ];
}

/// What to release, and how.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The version to release; none to check the tree against the last release.
    pub version: Option<Version>,
    /// Run the checks and change nothing.
    pub check: bool,
    /// The checks: [`Step::ALL`], but in tests that leave out the slow ones.
    pub steps: &'a [Step],
}

/// Runs the checks of `options` on the workspace at `root`, then, unless it only checks or
/// a check failed, makes the release. Progress and notes go to `log`; the problems found are
/// returned, one line each.
pub fn run(root: &Path, options: &Options, log: &mut dyn Write) -> Result<Vec<String>> {
    let last = baseline::last(root)?;
    let next = options.version.as_ref();
    if next.is_none() && !options.check {
        bail!("give the VERSION to release, or --check");
    }
    match (next, &last) {
        (Some(next), Some(last)) => writeln!(log, "release {next}, after {last}")?,
        (Some(next), None) => writeln!(log, "release {next}, the first")?,
        (None, Some(last)) => writeln!(log, "checking the tree against the last release, {last}")?,
        (None, None) => writeln!(log, "checking the tree (no release yet)")?,
    }
    let runs = |step| options.steps.contains(&step);
    let mut problems = Vec::new();
    let mut record = |result: Result<(), String>| problems.extend(result.err());

    if runs(Step::CleanTree) {
        record(clean_tree(root));
    }
    if runs(Step::Changelog) {
        record(changelog_has_release(root, next));
    }
    let compares = runs(Step::PublicApi) || runs(Step::Spec);
    let compare_with = match (&last, next) {
        (None, _) => {
            if compares {
                writeln!(
                    log,
                    "note: no release yet ({VERSION_FILE} is missing): the public API and the \
                     spec are not compared"
                )?;
            }
            None
        }
        (Some(last), Some(next)) if next <= last => {
            record(Err(format!("{next} is not after the last release, {last}")));
            None
        }
        (Some(last), _) => Some(last),
    };
    let publishable = if runs(Step::Package) || runs(Step::PublicApi) {
        crates::publishable(root).map_err(|e| format!("{e:#}"))
    } else {
        Ok(Vec::new())
    };
    let publishable = publishable.unwrap_or_else(|problem| {
        record(Err(problem));
        Vec::new()
    });
    if runs(Step::Package) && !publishable.is_empty() {
        writeln!(log, "==> packaging {}", crates::names(&publishable))?;
        record(crates::package(root, &publishable, log));
    }
    if runs(Step::Docs) {
        writeln!(log, "==> the docs, with -D warnings")?;
        record(crates::docs(root, log));
    }
    if let Some(last) = compare_with {
        if runs(Step::PublicApi) {
            record(public_api(root, last, next, &publishable, log));
        }
        if runs(Step::Spec) {
            record(spec_since(root, last, next, log));
        }
    }

    if !problems.is_empty() || options.check {
        return Ok(problems);
    }
    if let Some(next) = next {
        make(root, next, last.as_ref(), log)?;
    }
    Ok(problems)
}

fn clean_tree(root: &Path) -> Result<(), String> {
    let changes = git::changes(root).map_err(|e| format!("{e:#}"))?;
    if changes.is_empty() {
        return Ok(());
    }
    let more = match changes.len() {
        0..=3 => String::new(),
        n => format!(" and {} more", n - 3),
    };
    Err(format!(
        "the git tree is not clean: {}{more} changed or untracked; commit or stash first",
        changes[..changes.len().min(3)].join(", ")
    ))
}

fn changelog_has_release(root: &Path, next: Option<&Version>) -> Result<(), String> {
    let text = fs::read_to_string(root.join(changelog::PATH))
        .map_err(|e| format!("cannot read {}: {e}", changelog::PATH))?;
    match next {
        Some(next) => changelog::plan(&text, next).map(drop),
        None => changelog::check_unreleased(&text),
    }
}

/// The libraries' public API against `last`'s, for a release of `next` (with none: says what
/// the next release must be).
fn public_api(
    root: &Path,
    last: &Version,
    next: Option<&Version>,
    publishable: &[Publishable],
    log: &mut dyn Write,
) -> Result<(), String> {
    let revision = baseline::revision(root, last).map_err(|e| format!("{e:#}"))?;
    let mut libraries = Vec::new();
    for krate in publishable.iter().filter(|c| c.library) {
        // A library the last release did not have has nothing to be compared with.
        if git::file_at(root, &revision, &krate.manifest).is_some() {
            libraries.push(krate.name.as_str());
        } else {
            let _ = writeln!(
                log,
                "note: {} is new since {last}: its API is not compared",
                krate.name
            );
        }
    }
    if libraries.is_empty() {
        return Ok(());
    }
    let level = next.map_or_else(
        || Level::least_after(last),
        |next| Level::between(last, next),
    );
    let tool = crate::tools::cargo_tool(public_api::TOOL)
        .map_err(|e| format!("cannot install {}: {e:#}", public_api::TOOL))?;
    let _ = writeln!(
        log,
        "==> the public API of {} against {last} ({revision}), by {}",
        libraries.join(", "),
        public_api::TOOL
    );
    let verdict = public_api::compare(&tool, root, &libraries, &revision, level, log)
        .map_err(|e| format!("{e:#}"))?;
    let Some(required) = verdict.required else {
        return Ok(());
    };
    let changed = match required {
        Level::Major => "changed in a breaking way",
        _ => "gained items",
    };
    let must = required.next_after(last);
    let failures = verdict.failures.join(", ");
    match next {
        Some(next) => Err(format!(
            "the public API {changed} since {last} ({failures}), so {next} must be a {} \
             bump: release {must} instead",
            if required == Level::Major {
                "breaking"
            } else {
                "minor"
            }
        )),
        None => {
            let _ = writeln!(
                log,
                "note: the public API {changed} since {last} ({failures}): the next release \
                 must be {must}"
            );
            Ok(())
        }
    }
}

/// The spec's changes since `last`: a breaking one needs a breaking bump to `next` (with no
/// `next`: says what the next release must be).
fn spec_since(
    root: &Path,
    last: &Version,
    next: Option<&Version>,
    log: &mut dyn Write,
) -> Result<(), String> {
    let changes = spec::diff_since_release(root).map_err(|e| e.to_string())?;
    if let Some(next) = next {
        return spec::release::check_release(&last.to_string(), &next.to_string(), &changes)
            .map_err(|e| e.to_string());
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    if breaking > 0 {
        let _ = writeln!(
            log,
            "note: the spec has {breaking} breaking change(s) since {last}: the next release \
             must be {} (see `cargo xtask spec diff`)",
            spec::release::next_breaking(last)
        );
    }
    Ok(())
}

/// Makes the release of `version`: the version, the changelog and the baseline, committed
/// and tagged.
fn make(root: &Path, version: &Version, last: Option<&Version>, log: &mut dyn Write) -> Result<()> {
    let read = |path: &str| {
        fs::read_to_string(root.join(path)).with_context(|| format!("cannot read {path}"))
    };
    let write = |path: &str, text: String| {
        fs::write(root.join(path), text).with_context(|| format!("cannot write {path}"))
    };
    let cargo_toml = read(manifest::PATH)?;
    let repository = manifest::repository(&cargo_toml)?;
    write(manifest::PATH, manifest::set_version(&cargo_toml, version)?)?;
    let status = crate::cargo()
        .args(["update", "--workspace", "--offline", "--quiet"])
        .current_dir(root)
        .status()
        .context("cannot run cargo update")?;
    if !status.success() {
        bail!("cargo update --workspace failed: Cargo.lock keeps the old version");
    }
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let changelog = changelog::release(&read(changelog::PATH)?, version, today, last, &repository)
        .map_err(anyhow::Error::msg)?;
    write(changelog::PATH, changelog)?;
    baseline::record(root, version)?;

    let message = format!("Release {version}");
    let mut paths = vec![manifest::PATH, "Cargo.lock", changelog::PATH];
    paths.extend(baseline::FILES);
    git::commit(root, &paths, &message)?;
    let tag = baseline::tag(version);
    git::tag(root, &tag, &message)?;
    writeln!(
        log,
        "released {version}: committed \"{message}\" and tagged {tag} (annotated, here only: \
         `git push origin {tag}` publishes the tag)"
    )?;
    Ok(())
}
