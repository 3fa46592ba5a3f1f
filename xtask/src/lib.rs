//! Project automation behind `cargo xtask`. Exposed as a library so tests can drive the
//! same code paths the command line does.

use std::path::PathBuf;

pub mod bench;
pub mod ci;
pub mod codegen;
pub mod lint;
pub mod tools;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
