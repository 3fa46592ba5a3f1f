//! `cargo xtask spec update PATH`: the maintainer's loop for a new spec, in one command.
//! 1. lint it (with the generator itself: nothing is written if it fails);
//! 2. print its changes against the checked-in spec;
//! 3. copy it in and regenerate the client with `cargo xtask codegen`'s own code;
//! 4. run the snapshot tests and name each public API snapshot to review.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use aymara_text as display;

use super::change::{Change, any_breaking};
use super::snapshots;
use crate::codegen::{self, Paths};

/// What an update did.
#[derive(Debug)]
pub struct Updated {
    /// The spec's changes.
    pub changes: Vec<Change>,
    /// Whether the generated client changed.
    pub regenerated: bool,
    /// The snapshots to review, as the `.snap` files a review would replace.
    pub snapshots: Vec<PathBuf>,
    /// Whether the snapshot tests built and passed (changed snapshots aside).
    pub tests_passed: bool,
}

/// Takes the spec at `new_spec` into the workspace at `root`, reporting each step to `out`.
pub fn update(root: &Path, new_spec: &Path, out: &mut dyn Write) -> Result<Updated> {
    let paths = Paths::under(root);
    let shown = |path: &Path| display::path(path.strip_prefix(root).unwrap_or(path)).into_owned();

    let text = fs::read_to_string(new_spec)
        .with_context(|| format!("cannot read {}; nothing was written", new_spec.display()))?;
    let generated = codegen::generate(&text)
        .with_context(|| format!("{} does not lint; nothing was written", new_spec.display()))?;
    writeln!(out, "1. {} lints", display::path(new_spec))?;
    for note in &generated.notes {
        writeln!(out, "   {note}")?;
    }

    let changes = super::diff(&paths.spec, new_spec).context("nothing was written")?;
    writeln!(out, "\n2. Changes from {}:", shown(&paths.spec))?;
    write!(out, "{}", super::table(&changes))?;
    if any_breaking(&changes) {
        writeln!(
            out,
            "   Breaking for clients: the release that ships this must be a breaking version \
             bump."
        )?;
    }

    fs::write(&paths.spec, &text)
        .with_context(|| format!("cannot write {}", paths.spec.display()))?;
    let (regenerated, _) = codegen::write(&paths)?;
    writeln!(
        out,
        "\n3. Copied to {}; {} {}",
        shown(&paths.spec),
        shown(&paths.out),
        if regenerated {
            "regenerated"
        } else {
            "unchanged"
        }
    )?;

    writeln!(out, "\n4. Snapshot tests (this builds the test suite)...")?;
    let review = snapshots::review(root)?;
    if let Some(output) = &review.failure {
        writeln!(out, "{output}")?;
        writeln!(
            out,
            "   `{}` failed: the regenerated client breaks a build or a test (output above).",
            review.command
        )?;
    }
    if review.changed.is_empty() {
        writeln!(out, "   No public API snapshot changed.")?;
    } else {
        writeln!(out, "   Public API snapshots to review:")?;
        for snapshot in &review.changed {
            writeln!(out, "   {}", shown(snapshot))?;
        }
        writeln!(
            out,
            "   Review each with `cargo insta review` (from `cargo install cargo-insta`), then \
             commit the spec, generated.rs and the accepted snapshots together."
        )?;
    }
    Ok(Updated {
        changes,
        regenerated,
        snapshots: review.changed,
        tests_passed: review.failure.is_none(),
    })
}
