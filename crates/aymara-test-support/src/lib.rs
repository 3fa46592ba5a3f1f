//! The helpers the workspace's tests share, in one place.
//!
//! Always there, with nothing but std, `sha2` and `hex`: SHA-256 hex of bytes and files
//! ([`sha256_hex`], [`sha256_file`]), the [`workspace_root`], the [`tools`] that
//! `cargo xtask tools` installs, a [`ServerProcess`] to run one (or `aymara serve`), test
//! trees ([`write_file`], [`files_under`], [`copy_tree`], [`copy_workspace`]) and
//! [`multipart`] bodies.
//!
//! Behind features, so that each test crate builds only what it uses:
//! - `mock`: [`mock`] (the scripted Files API and store, hostile servers) and [`scripted`]
//!   (a server answering any request from a script);
//! - `emulator`: [`emulator::TestEmulator`], an emulator that accepts one key, with SDK
//!   clients for it (not for `aymara-emulator`'s own tests: it would link a second copy of
//!   that crate);
//! - `cli`: [`cli`], running the `aymara` binary given its path;
//! - `moto`: [`moto::Moto`], moto's S3 server;
//! - `prism`: [`prism::Prism`], the spec served as a validating mock or proxy.
#![deny(missing_docs)]

mod form;
mod hash;
mod process;
pub mod tools;
mod tree;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "emulator")]
pub mod emulator;
#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "moto")]
pub mod moto;
#[cfg(feature = "prism")]
pub mod prism;
#[cfg(feature = "mock")]
pub mod scripted;

use std::path::{Path, PathBuf};

pub use form::{FormPart, multipart};
pub use hash::{blake3_file, blake3_hex, sha256_file, sha256_hex};
pub use process::{Announces, ServerProcess};
pub use tree::{copy_tree, copy_workspace, files_under, write_file};

/// The workspace root: every path the tests read (the spec, the examples, `tools/`) is
/// relative to it.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .unwrap_or(manifest_dir)
        .to_path_buf()
}
