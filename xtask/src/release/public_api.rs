//! The public API of the published libraries against the last release, by
//! cargo-semver-checks (pinned in `tools/cargo-tools.txt`, installed on first use).
//!
//! cargo-semver-checks builds the rustdoc JSON of each library at the baseline revision and
//! now, and runs its lints: those that need more than the release's [`Level`] fail it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;

use super::logged;
use crate::spec::release::is_breaking_bump;

/// The pinned tool's name.
pub const TOOL: &str = "cargo-semver-checks";

/// How far a release moves, in cargo-semver-checks' terms: for `0.y.z`, `y` is major and `z`
/// is minor, as in Cargo's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Patch,
    Minor,
    Major,
}

impl Level {
    /// The level of the move from `last` to `next`.
    pub fn between(last: &Version, next: &Version) -> Level {
        if is_breaking_bump(last, next) {
            Level::Major
        } else if last.major == 0 || next.minor != last.minor {
            Level::Minor
        } else {
            Level::Patch
        }
    }

    /// The least a release after `last` can be.
    pub fn least_after(last: &Version) -> Level {
        Level::between(last, &Version::new(last.major, last.minor, last.patch + 1))
    }

    fn name(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }

    /// The first version after `last` at this level.
    pub fn next_after(self, last: &Version) -> Version {
        match self {
            Level::Major => crate::spec::release::next_breaking(last),
            Level::Minor if last.major > 0 => Version::new(last.major, last.minor + 1, 0),
            _ => Version::new(last.major, last.minor, last.patch + 1),
        }
    }
}

/// What a comparison found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The level the changes need, if more than the release's.
    pub required: Option<Level>,
    /// `crate: lint` for each lint that failed.
    pub failures: Vec<String>,
}

/// Compares the libraries `crates` of the workspace at `root` with those at the git revision
/// `baseline`, for a release at `level`.
pub fn compare(
    tool: &Path,
    root: &Path,
    crates: &[&str],
    baseline: &str,
    level: Level,
    log: &mut dyn Write,
) -> Result<Verdict> {
    // cargo-semver-checks builds the current and the baseline crate of one name and version
    // in one placeholder project, so both write the same `doc/NAME.json`. When cargo finds
    // the current build fresh, the file left there is the last run's baseline, and the API
    // compared with itself "did not change". A target directory of its own for each run
    // rules that out, at the price of building the dependencies again (two minutes on 2 cores).
    let target = tempfile::Builder::new()
        .prefix("semver-checks-")
        .tempdir()
        .context("cannot make a target directory for cargo-semver-checks")?;
    let mut command = std::process::Command::new(tool);
    command
        .args(["semver-checks", "check-release", "--color", "never"])
        .args(["--baseline-rev", baseline, "--release-type", level.name()])
        .env("CARGO_TARGET_DIR", target.path())
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(root);
    for krate in crates {
        command.args(["--package", krate]);
    }
    let ran = logged::run(command, log)?;
    let verdict = parse(&ran.output);
    // A failed lint is a verdict; any other failure means nothing was compared.
    if !ran.success && verdict.required.is_none() {
        bail!("{TOOL} failed: {}", logged::first_error(&ran.output));
    }
    Ok(verdict)
}

/// Reads cargo-semver-checks' output: `Checking CRATE v… -> v… (…)` starts a crate,
/// `--- failure LINT: … ---` names a failed lint, and `Summary semver requires new LEVEL
/// version: …` the level its failures need.
fn parse(output: &str) -> Verdict {
    let mut verdict = Verdict::default();
    let mut krate = "";
    for line in output.lines().map(str::trim) {
        // Cargo's own `Checking NAME vX (PATH)` lines have no arrow.
        if let Some(rest) = line.strip_prefix("Checking ")
            && rest.contains(" -> ")
        {
            krate = rest.split(' ').next().unwrap_or_default();
        } else if let Some(rest) = line.strip_prefix("--- failure ") {
            let lint = rest.split(':').next().unwrap_or_default();
            verdict.failures.push(format!("{krate}: {lint}"));
        } else if let Some(rest) = line.strip_prefix("Summary semver requires new ") {
            let level = match rest.split(' ').next() {
                Some("major") => Level::Major,
                Some("minor") => Level::Minor,
                _ => continue,
            };
            verdict.required = verdict.required.max(Some(level));
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn levels_follow_cargo_for_0_x() {
        for (last, next, level) in [
            ("0.2.0", "0.2.1", Level::Minor),
            ("0.2.0", "0.3.0", Level::Major),
            ("0.0.1", "0.0.2", Level::Major),
            ("1.2.0", "1.2.1", Level::Patch),
            ("1.2.0", "1.3.0", Level::Minor),
            ("1.2.0", "2.0.0", Level::Major),
        ] {
            assert_eq!(
                Level::between(&v(last), &v(next)),
                level,
                "{last} -> {next}"
            );
        }
        assert_eq!(Level::least_after(&v("0.2.0")), Level::Minor);
        assert_eq!(Level::least_after(&v("1.2.0")), Level::Patch);
        assert_eq!(Level::Major.next_after(&v("0.2.0")), v("0.3.0"));
        assert_eq!(Level::Minor.next_after(&v("1.2.3")), v("1.3.0"));
        assert_eq!(Level::Minor.next_after(&v("0.2.3")), v("0.2.4"));
    }

    #[test]
    fn the_output_names_each_failed_lint_and_the_level_needed() {
        let output = "\
     Parsing aymara v0.2.0 (current)
     Checking aymara v0.2.0 -> v0.2.0 (assume minor change)
    Checking tokio v1.54.1
     Checked [   0.120s] 180 checks: 178 pass, 2 fail, 0 warn, 12 skip

--- failure inherent_method_missing: pub method removed or renamed ---

Description:
A publicly-visible method or associated fn is no longer available under its prior name.

--- failure trait_method_missing: pub trait method removed or renamed ---

     Summary semver requires new major version: 2 major and 0 minor checks failed
    Finished [  10.120s] aymara
     Checking aymara-api v0.2.0 -> v0.2.0 (assume minor change)
     Checked [   0.100s] 180 checks: 180 pass, 12 skip
     Summary no semver update required
    Finished [   8.000s] aymara-api
";
        assert_eq!(
            parse(output),
            Verdict {
                required: Some(Level::Major),
                failures: vec![
                    "aymara: inherent_method_missing".into(),
                    "aymara: trait_method_missing".into()
                ],
            }
        );
        assert_eq!(
            parse("     Summary no semver update required\n"),
            Verdict::default()
        );
    }
}
