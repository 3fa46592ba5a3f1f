//! The workspace's version lives in the root Cargo.toml, once: `[workspace.package] version`,
//! which every crate takes, and the `version` of each workspace crate in
//! `[workspace.dependencies]`, which the packaged crates require of each other.

use anyhow::{Context, Result};
use semver::Version;
use toml_edit::{DocumentMut, Item, TableLike, Value};

/// The root manifest, relative to the workspace root.
pub const PATH: &str = "Cargo.toml";

fn parse(text: &str) -> Result<DocumentMut> {
    text.parse().with_context(|| format!("cannot parse {PATH}"))
}

/// Replaces the string `item` holds, keeping the spaces and comments around it.
fn set_string(item: &mut Item, text: &str) {
    if let Some(value) = item.as_value_mut() {
        let decor = value.decor().clone();
        *value = Value::from(text);
        *value.decor_mut() = decor;
    }
}

/// `[workspace.NAME]`, if the manifest has it.
fn workspace_table<'d>(doc: &'d mut DocumentMut, name: &str) -> Option<&'d mut dyn TableLike> {
    // `TableLike::get_mut` finds; `Item::get_mut` would make what it does not find.
    doc.as_table_mut()
        .get_mut("workspace")?
        .as_table_like_mut()?
        .get_mut(name)?
        .as_table_like_mut()
}

/// The manifest `text` with every workspace version set to `version`, and nothing else
/// changed. Workspace dependencies without a `version` (crates that are not published) keep
/// none.
pub fn set_version(text: &str, version: &Version) -> Result<String> {
    let mut doc = parse(text)?;
    let version = version.to_string();
    let package_version = workspace_table(&mut doc, "package")
        .and_then(|package| package.get_mut("version"))
        .with_context(|| format!("{PATH} has no [workspace.package] version"))?;
    set_string(package_version, &version);
    let dependencies = workspace_table(&mut doc, "dependencies");
    for (_, dependency) in dependencies.into_iter().flat_map(|deps| deps.iter_mut()) {
        if let Some(dependency) = dependency.as_table_like_mut()
            && dependency.contains_key("path")
            && let Some(required) = dependency.get_mut("version")
        {
            set_string(required, &version);
        }
    }
    Ok(doc.to_string())
}

/// `[workspace.package] repository`: where the changelog's links point.
pub fn repository(text: &str) -> Result<String> {
    parse(text)?
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("repository"))
        .and_then(Item::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{PATH} has no [workspace.package] repository"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0"  # set by `cargo xtask release`
repository = "https://github.com/aymara-ai/aymara-sdk-rust"

[workspace.dependencies]
# Workspace crates
aymara-api = { path = "crates/aymara-api", version = "0.1.0" }
aymara = { version = "0.1.0", path = "crates/aymara" }
aymara-test-support = { path = "crates/aymara-test-support" }
serde = { version = "0.1.0", features = ["derive"] }
semver = "0.1.0"

[workspace.dependencies.aymara-cli]
path = "crates/aymara-cli"
version = "0.1.0"
"#;

    #[test]
    fn the_version_is_set_once_and_nothing_else_moves() {
        let after = set_version(MANIFEST, &Version::new(0, 2, 0)).unwrap();
        let changed: Vec<(&str, &str)> = MANIFEST
            .lines()
            .zip(after.lines())
            .filter(|(before, after)| before != after)
            .collect();
        assert_eq!(
            changed,
            [
                (
                    r#"version = "0.1.0"  # set by `cargo xtask release`"#,
                    r#"version = "0.2.0"  # set by `cargo xtask release`"#
                ),
                (
                    r#"aymara-api = { path = "crates/aymara-api", version = "0.1.0" }"#,
                    r#"aymara-api = { path = "crates/aymara-api", version = "0.2.0" }"#
                ),
                (
                    r#"aymara = { version = "0.1.0", path = "crates/aymara" }"#,
                    r#"aymara = { version = "0.2.0", path = "crates/aymara" }"#
                ),
                (r#"version = "0.1.0""#, r#"version = "0.2.0""#),
            ]
        );
        assert_eq!(after.lines().count(), MANIFEST.lines().count());
    }

    #[test]
    fn a_manifest_without_a_workspace_version_is_named() {
        let error = set_version("[workspace]\n", &Version::new(0, 2, 0)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Cargo.toml has no [workspace.package] version"
        );
        assert_eq!(
            repository(MANIFEST).unwrap(),
            "https://github.com/aymara-ai/aymara-sdk-rust"
        );
    }
}
