//! `cargo xtask release` in a copy of the workspace with a git repository of its own (the
//! real repository, and its tags, are never touched): a release dates the changelog,
//! records the baseline, commits and tags, and `release --check` then passes; each problem
//! is one line.
//!
//! These run the checks that do not build (the tree, the changelog, the spec). Packaging and
//! the docs run on the workspace itself in `cargo xtask ci`; the public API comparison
//! (cargo-semver-checks, minutes of building) is the ignored test at the end, run by hand:
//! `cargo test -p aymara-tests --test suite release::a_private_method -- --ignored --nocapture`.

use std::fs;
use std::path::Path;
use std::process::Command;

use aymara_test_support::copy_workspace;
use semver::Version;
use tempfile::TempDir;
use xtask::release::{Options, Step, VERSION_FILE};

/// The checks that build nothing.
const CHEAP: &[Step] = &[Step::CleanTree, Step::Changelog, Step::Spec];

fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(repo)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn commit_all(repo: &Path, message: &str) {
    git(repo, &["add", "--all"]);
    git(repo, &["commit", "--quiet", "--message", message]);
}

/// Adds `- entry` to the changelog, under the first `heading` line.
fn add_to_changelog(repo: &Path, heading: &str, entry: &str) {
    let path = repo.join("CHANGELOG.md");
    let text = fs::read_to_string(&path).unwrap();
    let heading = format!("{heading}\n");
    assert!(text.contains(&heading), "the changelog has no {heading:?}");
    let text = text.replacen(&heading, &format!("{heading}\n- {entry}\n"), 1);
    fs::write(&path, text).unwrap();
}

/// Runs `cargo xtask release [version] [--check]` with `steps` in `repo`; the problems, and
/// what it logged.
fn release(
    repo: &Path,
    version: Option<&str>,
    check: bool,
    steps: &[Step],
) -> (Vec<String>, String) {
    let options = Options {
        version: version.map(|v| Version::parse(v).unwrap()),
        check,
        steps,
    };
    let mut log = Vec::new();
    let problems = xtask::release::run(repo, &options, &mut log).unwrap();
    (problems, String::from_utf8(log).unwrap())
}

/// A copy of the workspace in a git repository of its own, with no release yet and an entry
/// under `[Unreleased]`, then released as 0.90.0 with the checks that build nothing. (The
/// versions of these tests are far from the workspace's own, whose changelog may have a
/// section of any nearer version.)
fn released_copy(prefix: &str) -> TempDir {
    let copy = copy_workspace(prefix);
    let repo = copy.path();
    let _ = fs::remove_file(repo.join(VERSION_FILE));
    add_to_changelog(repo, "## [Unreleased]", "A change to release.");

    git(repo, &["init", "--quiet", "--initial-branch", "main"]);
    for (key, value) in [
        ("user.name", "Release Test"),
        ("user.email", "release-test@example.test"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ] {
        git(repo, &["config", key, value]);
    }
    commit_all(repo, "The workspace");
    let (problems, log) = release(repo, Some("0.90.0"), false, CHEAP);
    assert_eq!(problems, Vec::<String>::new(), "{log}");
    copy
}

#[test]
fn a_release_dates_the_changelog_records_the_baseline_and_tags_its_commit() {
    let copy = released_copy("release-made-");
    let repo = copy.path();

    assert_eq!(git(repo, &["log", "-1", "--format=%s"]), "Release 0.90.0\n");
    assert_eq!(
        git(repo, &["rev-parse", "v0.90.0^{commit}"]),
        git(repo, &["rev-parse", "HEAD"])
    );
    assert_eq!(
        git(repo, &["cat-file", "-t", "v0.90.0"]),
        "tag\n",
        "annotated"
    );
    assert_eq!(git(repo, &["status", "--porcelain"]), "");
    assert_eq!(
        fs::read_to_string(repo.join(VERSION_FILE)).unwrap(),
        "0.90.0\n"
    );
    assert_eq!(
        fs::read(repo.join("openapi/released/aymara.yaml")).unwrap(),
        fs::read(repo.join("openapi/aymara.yaml")).unwrap()
    );

    let manifest = fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("[workspace.package]\nversion = \"0.90.0\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains(r#"aymara = { path = "crates/aymara", version = "0.90.0" }"#),
        "{manifest}"
    );
    let lock = fs::read_to_string(repo.join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"aymara\"\nversion = \"0.90.0\"\n"));

    let changelog = fs::read_to_string(repo.join("CHANGELOG.md")).unwrap();
    let unreleased = changelog
        .find("## [Unreleased]\n\n### Added\n\n### Changed\n")
        .unwrap();
    let released = changelog
        .find("## [0.90.0] - ")
        .expect("a dated 0.90.0 section");
    let entry = changelog.find("- A change to release.").unwrap();
    assert!(unreleased < released && released < entry, "{changelog}");
    let date = &changelog[released + "## [0.90.0] - ".len()..][..11];
    assert!(
        date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-' && date.ends_with('\n'),
        "{date:?}"
    );

    // Right after the release, the check of the tree against it passes.
    let (problems, log) = release(repo, None, true, CHEAP);
    assert_eq!(problems, Vec::<String>::new(), "{log}");
    assert!(
        log.contains("checking the tree against the last release, 0.90.0"),
        "{log}"
    );
}

#[test]
fn a_dirty_tree_is_one_line_and_nothing_changes() {
    let copy = released_copy("release-dirty-");
    let repo = copy.path();
    fs::write(repo.join("notes.txt"), "not committed").unwrap();
    let readme = fs::read_to_string(repo.join("README.md")).unwrap();
    fs::write(repo.join("README.md"), readme + "\nMore.\n").unwrap();
    let head = git(repo, &["rev-parse", "HEAD"]);

    let (problems, _) = release(repo, None, true, CHEAP);
    assert_eq!(
        problems,
        [
            "the git tree is not clean: README.md, notes.txt changed or untracked; commit or \
          stash first"
        ]
    );

    // Even without --check, a refused release changes nothing.
    add_to_changelog(repo, "### Added", "More.");
    let (problems, _) = release(repo, Some("0.90.1"), false, CHEAP);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("the git tree is not clean: CHANGELOG.md, README.md, notes.txt")
    );
    assert_eq!(git(repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(repo, &["tag", "--list"]), "v0.90.0\n");
}

#[test]
fn a_version_with_nothing_in_the_changelog_is_one_line_naming_it() {
    let copy = released_copy("release-changelog-");
    let repo = copy.path();
    let (problems, _) = release(repo, Some("0.90.1"), true, CHEAP);
    assert_eq!(
        problems,
        ["CHANGELOG.md has no section for 0.90.1 and nothing under [Unreleased] to release"]
    );
    let (problems, _) = release(repo, Some("0.89.9"), true, CHEAP);
    assert_eq!(
        problems,
        [
            "CHANGELOG.md has no section for 0.89.9 and nothing under [Unreleased] to release",
            "0.89.9 is not after the last release, 0.90.0"
        ]
    );
}

#[test]
fn a_breaking_spec_change_needs_a_breaking_version() {
    let copy = released_copy("release-spec-");
    let repo = copy.path();
    let spec = repo.join("openapi/aymara.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let start = text
        .find("\n  /v2/files/{file_uuid}/frames:\n")
        .expect("the frames path");
    let end = start
        + 1
        + text[start + 1..]
            .find("\n  /")
            .expect("a path after frames");
    fs::write(&spec, format!("{}{}", &text[..start], &text[end..])).unwrap();
    add_to_changelog(repo, "### Removed", "Frames.");
    commit_all(repo, "No more frames");

    let (problems, _) = release(repo, Some("0.90.1"), true, CHEAP);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("the spec has 1 breaking change(s) since 0.90.0 (operation-removed at ")
            && problems[0].ends_with("so 0.90.1 must be a breaking bump: release 0.91.0 instead (see `cargo xtask spec diff`)"),
        "{problems:?}"
    );
    let (problems, log) = release(repo, None, true, CHEAP);
    assert_eq!(problems, Vec::<String>::new(), "{log}");
    assert!(
        log.contains(
            "note: the spec has 1 breaking change(s) since 0.90.0: the next release must be 0.91.0"
        ),
        "{log}"
    );
    let (problems, log) = release(repo, Some("0.91.0"), true, CHEAP);
    assert_eq!(problems, Vec::<String>::new(), "{log}");
}

/// Makes `Shard::count` of the `aymara` crate private, and commits it.
fn make_a_public_method_private(repo: &Path) {
    let path = repo.join("crates/aymara/src/shard.rs");
    let text = fs::read_to_string(&path).unwrap();
    let public = "    pub fn count(&self) -> u32 {";
    assert!(
        text.contains(public),
        "{} changed: pick another method",
        path.display()
    );
    fs::write(
        &path,
        text.replacen(public, "    pub(crate) fn count(&self) -> u32 {", 1),
    )
    .unwrap();
    commit_all(repo, "Shard::count is private");
}

#[test]
#[ignore = "installs cargo-semver-checks on first use, then builds the rustdoc JSON of every \
            published library, at the release and now, twice: minutes on 2 cores"]
fn a_private_method_needs_a_breaking_version() {
    let copy = released_copy("release-api-");
    let repo = copy.path();
    make_a_public_method_private(repo);

    // Run by hand, its transcript is the point: `--nocapture` shows it.
    let (problems, log) = release(repo, None, true, &[Step::PublicApi]);
    eprint!("{log}");
    assert_eq!(problems, Vec::<String>::new(), "{log}");
    assert!(
        log.contains("against 0.90.0 (v0.90.0)"),
        "the tag is the baseline: {log}"
    );
    assert!(
        log.contains(
            "note: the public API changed in a breaking way since 0.90.0 \
             (aymara: inherent_method_missing): the next release must be 0.91.0"
        ),
        "{log}"
    );

    // Without the tag, the commit that recorded the release is the baseline. The sources
    // are those of the run above: a build cargo finds fresh must not hide the change.
    git(repo, &["tag", "--delete", "v0.90.0"]);
    let (problems, log) = release(repo, Some("0.90.1"), true, &[Step::PublicApi]);
    eprint!("{log}");
    assert_eq!(
        problems,
        [
            "the public API changed in a breaking way since 0.90.0 (aymara: inherent_method_missing), \
          so 0.90.1 must be a breaking bump: release 0.91.0 instead"
        ],
        "{log}"
    );
    let release_commit = git(repo, &["rev-parse", "HEAD~1"]);
    assert!(
        log.contains(&format!("against 0.90.0 ({})", release_commit.trim())),
        "{log}"
    );
}
