//! CHANGELOG.md in the Keep a Changelog format: whether it has something to release as a
//! version, and the move of `## [Unreleased]` under `## [VERSION] - DATE`.
//!
//! The rule: a release takes the entries under `[Unreleased]` and dates them, unless a dated
//! `## [VERSION] - YYYY-MM-DD` section was written by hand, in which case `[Unreleased]` must
//! be empty (else it would be left out of the release without anyone deciding so).

use std::ops::Range;

use jiff::civil::Date;
use semver::Version;

/// The changelog, relative to the workspace root.
pub const PATH: &str = "CHANGELOG.md";

/// The headings a fresh `[Unreleased]` section starts with.
const KINDS: [&str; 5] = ["Added", "Changed", "Removed", "Fixed", "Security"];

/// What releasing a version does to the changelog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// `[Unreleased]`'s entries move under the version, dated on release day.
    MoveUnreleased,
    /// A dated section for the version is there already: the changelog is kept as it is.
    Dated,
}

/// One `## [NAME]` or `## [NAME] - DATE` section.
struct Section<'a> {
    /// The heading's line index.
    heading: usize,
    name: &'a str,
    /// What follows ` - ` in the heading.
    date: Option<&'a str>,
    /// Its lines after the heading, up to the next section or the link references.
    body: Range<usize>,
}

/// The changelog, cut into sections.
struct Changelog<'a> {
    lines: Vec<&'a str>,
    sections: Vec<Section<'a>>,
    /// Where the link reference definitions that end the file begin.
    links: usize,
}

fn is_link_definition(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

fn parse(text: &str) -> Changelog<'_> {
    let lines: Vec<&str> = text.lines().collect();
    let mut links = lines.len();
    while links > 0 && (lines[links - 1].trim().is_empty() || is_link_definition(lines[links - 1]))
    {
        links -= 1;
    }
    while links < lines.len() && !is_link_definition(lines[links]) {
        links += 1;
    }
    let mut sections: Vec<Section> = Vec::new();
    for (index, line) in lines[..links].iter().enumerate() {
        let Some(title) = line.strip_prefix("## ") else {
            continue;
        };
        if let Some(last) = sections.last_mut() {
            last.body.end = index;
        }
        let (name, rest) = match title.strip_prefix('[').and_then(|t| t.split_once(']')) {
            Some((name, rest)) => (name, rest),
            None => (title.trim(), ""),
        };
        let date = rest.trim().strip_prefix('-').map(str::trim);
        sections.push(Section {
            heading: index,
            name,
            date,
            body: index + 1..links,
        });
    }
    Changelog {
        lines,
        sections,
        links,
    }
}

impl<'a> Changelog<'a> {
    fn section(&self, name: &str) -> Option<&Section<'a>> {
        self.sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    fn body(&self, section: &Section) -> &[&'a str] {
        &self.lines[section.body.clone()]
    }
}

/// An entry is any text but a blank line or a `###` heading.
fn has_entries(lines: &[&str]) -> bool {
    lines
        .iter()
        .any(|line| !line.trim().is_empty() && !line.starts_with('#'))
}

/// Whether the changelog `text` has something to release as `version`; the problem, naming
/// the changelog, if not.
pub fn plan(text: &str, version: &Version) -> Result<Plan, String> {
    let changelog = parse(text);
    let unreleased = changelog
        .section("Unreleased")
        .is_some_and(|s| has_entries(changelog.body(s)));
    let Some(section) = changelog.section(&version.to_string()) else {
        return if unreleased {
            Ok(Plan::MoveUnreleased)
        } else {
            Err(format!(
                "{PATH} has no section for {version} and nothing under [Unreleased] to release"
            ))
        };
    };
    let line = section.heading + 1;
    if section.date.and_then(|d| d.parse::<Date>().ok()).is_none() {
        return Err(format!(
            "{PATH} line {line}: the {version} section needs a date: `## [{version}] - YYYY-MM-DD`"
        ));
    }
    if !has_entries(changelog.body(section)) {
        return Err(format!(
            "{PATH} line {line}: the {version} section lists no change"
        ));
    }
    if unreleased {
        return Err(format!(
            "{PATH} has a {version} section and entries under [Unreleased] too: move them into \
             {version}, or release them later"
        ));
    }
    Ok(Plan::Dated)
}

/// Checks the changelog `text` has an `[Unreleased]` section, where every change a user can
/// see gets its line until the next release.
pub fn check_unreleased(text: &str) -> Result<(), String> {
    match parse(text).section("Unreleased") {
        Some(_) => Ok(()),
        None => Err(format!("{PATH} has no `## [Unreleased]` section")),
    }
}

/// What the release of `version` on `date` after `last` makes of the changelog `text`:
/// `[Unreleased]`'s entries under `## [version] - date` (its empty headings left out), a fresh
/// `[Unreleased]` with the usual headings and, if the changelog has link references, links
/// to the tags in `repository`. A hand-dated section is kept as it is.
pub fn release(
    text: &str,
    version: &Version,
    date: Date,
    last: Option<&Version>,
    repository: &str,
) -> Result<String, String> {
    if plan(text, version)? == Plan::Dated {
        return Ok(text.to_owned());
    }
    let changelog = parse(text);
    let unreleased = changelog
        .section("Unreleased")
        .ok_or_else(|| format!("{PATH} has no `## [Unreleased]` section"))?;
    let lines = &changelog.lines;
    let mut out: Vec<String> = lines[..unreleased.heading]
        .iter()
        .map(|l| l.to_string())
        .collect();
    out.push("## [Unreleased]".into());
    out.push(String::new());
    for kind in KINDS {
        out.extend([format!("### {kind}"), String::new()]);
    }
    out.push(format!("## [{version}] - {date}"));
    out.push(String::new());
    out.extend(without_empty_headings(changelog.body(unreleased)));
    out.push(String::new());
    out.extend(
        lines[unreleased.body.end..changelog.links]
            .iter()
            .map(|l| l.to_string()),
    );
    out.extend(links(
        &lines[changelog.links..],
        version,
        last,
        repository.trim_end_matches('/').trim_end_matches(".git"),
    ));
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    Ok(out.join("\n") + "\n")
}

/// The lines of `body` without its `###` headings that have no entry under them and without
/// blank lines at either end; groups are parted by one blank line.
fn without_empty_headings(body: &[&str]) -> Vec<String> {
    let mut groups: Vec<Vec<&str>> = vec![Vec::new()];
    for line in body {
        if line.starts_with("### ") {
            groups.push(Vec::new());
        }
        if let Some(group) = groups.last_mut() {
            group.push(line);
        }
    }
    let mut out = Vec::new();
    for mut group in groups.into_iter().filter(|g| has_entries(g)) {
        while group.last().is_some_and(|l| l.trim().is_empty()) {
            group.pop();
        }
        let start = group.iter().take_while(|l| l.trim().is_empty()).count();
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(group[start..].iter().map(|l| l.to_string()));
    }
    out
}

/// The link references with `[Unreleased]` comparing from the new tag and a link for
/// `version` right after it; unchanged if there is no `[Unreleased]` link.
fn links(
    lines: &[&str],
    version: &Version,
    last: Option<&Version>,
    repository: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        if !line.to_ascii_lowercase().starts_with("[unreleased]: ") {
            out.push(line.to_string());
            continue;
        }
        out.push(format!(
            "[Unreleased]: {repository}/compare/v{version}...HEAD"
        ));
        out.push(match last {
            Some(last) => format!("[{version}]: {repository}/compare/v{last}...v{version}"),
            None => format!("[{version}]: {repository}/releases/tag/v{version}"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    const REPO: &str = "https://github.com/aymara-ai/aymara-sdk-rust";

    const BEFORE: &str = "\
# Changelog

Every change a user can see.

## [Unreleased]

### Added

- `Shard`.
- `--bwlimit`.

### Changed

### Fixed

- A stall is retried.

## [0.1.0] - 2026-01-05

### Added

- Uploads.

[Unreleased]: https://github.com/aymara-ai/aymara-sdk-rust/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/aymara-ai/aymara-sdk-rust/releases/tag/v0.1.0
";

    #[test]
    fn a_release_dates_the_unreleased_entries_and_opens_a_fresh_section() {
        let date: Date = "2026-12-02".parse().unwrap();
        let after = release(BEFORE, &v("0.2.0"), date, Some(&v("0.1.0")), REPO).unwrap();
        assert_eq!(
            after,
            "\
# Changelog

Every change a user can see.

## [Unreleased]

### Added

### Changed

### Removed

### Fixed

### Security

## [0.2.0] - 2026-12-02

### Added

- `Shard`.
- `--bwlimit`.

### Fixed

- A stall is retried.

## [0.1.0] - 2026-01-05

### Added

- Uploads.

[Unreleased]: https://github.com/aymara-ai/aymara-sdk-rust/compare/v0.2.0...HEAD
[0.2.0]: https://github.com/aymara-ai/aymara-sdk-rust/compare/v0.1.0...v0.2.0
[0.1.0]: https://github.com/aymara-ai/aymara-sdk-rust/releases/tag/v0.1.0
"
        );
        assert_eq!(plan(&after, &v("0.2.0")), Ok(Plan::Dated));
        assert_eq!(
            plan(&after, &v("0.2.1")),
            Err(
                "CHANGELOG.md has no section for 0.2.1 and nothing under [Unreleased] to release"
                    .into()
            )
        );
        assert_eq!(check_unreleased(&after), Ok(()));
    }

    #[test]
    fn the_first_release_links_its_tag_and_keeps_a_file_without_links_so() {
        let date: Date = "2026-12-02".parse().unwrap();
        let first = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Uploads.\n\n\
                     [unreleased]: https://example.test/r/commits/main\n";
        let after = release(first, &v("0.2.0"), date, None, "https://example.test/r.git").unwrap();
        assert!(
            after.ends_with(
                "## [0.2.0] - 2026-12-02\n\n### Added\n\n- Uploads.\n\n\
                 [Unreleased]: https://example.test/r/compare/v0.2.0...HEAD\n\
                 [0.2.0]: https://example.test/r/releases/tag/v0.2.0\n"
            ),
            "{after}"
        );
        let bare = "# Changelog\n\n## [Unreleased]\n\n- Uploads.\n";
        let after = release(bare, &v("0.2.0"), date, None, REPO).unwrap();
        assert!(
            after.ends_with("### Security\n\n## [0.2.0] - 2026-12-02\n\n- Uploads.\n"),
            "{after}"
        );
    }

    #[test]
    fn a_hand_dated_section_is_released_as_it_is() {
        let text = "## [Unreleased]\n\n### Added\n\n## [0.2.1] - 2026-12-03\n\n- A fix.\n";
        assert_eq!(plan(text, &v("0.2.1")), Ok(Plan::Dated));
        let date: Date = "2026-12-04".parse().unwrap();
        assert_eq!(release(text, &v("0.2.1"), date, None, REPO).unwrap(), text);
    }

    #[test]
    fn each_changelog_problem_is_one_line_naming_the_file() {
        let problem = |text: &str| plan(text, &v("0.2.1")).unwrap_err();
        assert_eq!(
            problem("# Changelog\n"),
            "CHANGELOG.md has no section for 0.2.1 and nothing under [Unreleased] to release"
        );
        assert_eq!(
            problem("## [Unreleased]\n\n### Added\n\n### Fixed\n"),
            "CHANGELOG.md has no section for 0.2.1 and nothing under [Unreleased] to release"
        );
        assert_eq!(
            problem("## [Unreleased]\n\n## [0.2.1]\n\n- A fix.\n"),
            "CHANGELOG.md line 3: the 0.2.1 section needs a date: `## [0.2.1] - YYYY-MM-DD`"
        );
        assert_eq!(
            problem("## [0.2.1] - 2026-13-01\n\n- A fix.\n"),
            "CHANGELOG.md line 1: the 0.2.1 section needs a date: `## [0.2.1] - YYYY-MM-DD`"
        );
        assert_eq!(
            problem("## [0.2.1] - 2026-12-01\n\n### Fixed\n"),
            "CHANGELOG.md line 1: the 0.2.1 section lists no change"
        );
        assert_eq!(
            problem("## [Unreleased]\n\n- New.\n\n## [0.2.1] - 2026-12-01\n\n- A fix.\n"),
            "CHANGELOG.md has a 0.2.1 section and entries under [Unreleased] too: move them \
             into 0.2.1, or release them later"
        );
        assert_eq!(
            check_unreleased("# Changelog\n\n## [0.2.0] - 2026-12-01\n"),
            Err("CHANGELOG.md has no `## [Unreleased]` section".into())
        );
    }
}
