//! What a change of the OpenAPI spec does to clients of the generated Rust SDK.
//!
//! [`diff`] classifies every client-relevant change between two specs as breaking or not
//! (the rules are [`Kind`]'s, documented in the README's "Code generation" section);
//! `cargo xtask spec diff` prints them, `cargo xtask spec update` is the maintainer's loop
//! around them ([`update()`]), CI prints the changes since the last release, and the release
//! command refuses a breaking spec in a compatible version ([`release::check_release`]).

mod change;
mod command;
mod diff;
mod load;
pub mod release;
mod report;
mod rules;
mod schema;
mod snapshots;
#[cfg(test)]
mod tests;
mod update;

use std::path::Path;

use crate::codegen::Paths;

pub use change::{Change, Location, any_breaking};
pub use command::Command;
pub use load::SpecError;
pub use report::{json, table};
pub use rules::{Kind, Verdict};
pub use update::{Updated, update};

/// The spec of the last release, relative to the workspace root; only `cargo xtask release`
/// rewrites it.
pub const RELEASED_SPEC: &str = "openapi/released/aymara.yaml";

/// Every client-relevant change from the spec at `old` to the one at `new`, breaking ones
/// first; an error if either cannot be read or has a `$ref` that does not resolve.
pub fn diff(old: &Path, new: &Path) -> Result<Vec<Change>, SpecError> {
    let old = load::load(old)?;
    let new = load::load(new)?;
    Ok(diff::compare(&old, &new))
}

/// The changes from the last release's spec to the checked-in one, in the workspace at
/// `root`.
pub fn diff_since_release(root: &Path) -> Result<Vec<Change>, SpecError> {
    diff(&root.join(RELEASED_SPEC), &Paths::under(root).spec)
}
