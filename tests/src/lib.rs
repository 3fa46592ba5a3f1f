//! Support for the workspace-level tests in `tests/`: a scripted mock of the Files API and
//! its object store, and the test tools `cargo xtask tools` installs (Prism, moto). The
//! tests themselves live in `tests/tests/`; the emulator's tests use moto from here too.

pub mod mock;
pub mod moto;
pub mod prism;

/// The workspace's root directory.
pub(crate) fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
