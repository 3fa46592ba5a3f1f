//! The last release, as the tree records it: `openapi/released/VERSION` names it, beside
//! `openapi/released/aymara.yaml`, the spec it shipped. Only the release commit writes them,
//! and that commit is tagged `vVERSION`; since tags do not always travel with a branch, the
//! commit that last wrote `VERSION` stands in for a missing tag.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;

use super::git;
use crate::codegen::Paths;
use crate::spec::RELEASED_SPEC;

/// The last release's version, relative to the workspace root.
pub const VERSION_FILE: &str = "openapi/released/VERSION";

/// The files a release records, relative to the workspace root.
pub const FILES: [&str; 2] = [VERSION_FILE, RELEASED_SPEC];

/// The tag of `version`'s release.
pub fn tag(version: &Version) -> String {
    format!("v{version}")
}

/// The last release's version; none before the first release.
pub fn last(root: &Path) -> Result<Option<Version>> {
    let text = match fs::read_to_string(root.join(VERSION_FILE)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {VERSION_FILE}")),
    };
    Version::parse(text.trim())
        .map(Some)
        .with_context(|| format!("{VERSION_FILE}: {:?} is not a version", text.trim()))
}

/// The git revision of `version`'s release: its tag, else the commit that recorded it.
pub fn revision(root: &Path, version: &Version) -> Result<String> {
    let tag = tag(version);
    if git::tagged(root, &tag).is_some() {
        return Ok(tag);
    }
    let Some(commit) = git::last_commit_changing(root, VERSION_FILE)? else {
        bail!(
            "cannot find the {version} release: no tag {tag}, and no commit wrote {VERSION_FILE} \
             (a shallow clone? fetch the history or the tag)"
        );
    };
    let recorded = git::file_at(root, &commit, VERSION_FILE);
    if recorded.as_deref().map(str::trim) != Some(version.to_string().as_str()) {
        bail!(
            "cannot find the {version} release: no tag {tag}, and the last commit that wrote \
             {VERSION_FILE} ({}) does not say {version}",
            &commit[..commit.len().min(12)]
        );
    }
    Ok(commit)
}

/// Records `version` as the last release: its number, and a copy of the spec it ships.
pub fn record(root: &Path, version: &Version) -> Result<()> {
    let version_file = root.join(VERSION_FILE);
    fs::write(&version_file, format!("{version}\n"))
        .with_context(|| format!("cannot write {}", version_file.display()))?;
    let spec = Paths::under(root).spec;
    fs::copy(&spec, root.join(RELEASED_SPEC))
        .with_context(|| format!("cannot copy {} to {RELEASED_SPEC}", spec.display()))?;
    Ok(())
}
