//! Project automation behind `cargo xtask`. Exposed as a library so tests can drive the
//! same code paths the command line does.

pub mod bench;
pub mod ci;
pub mod codegen;
pub mod lint;
pub mod man;
pub mod modules;
pub mod release;
pub mod spec;
pub mod tools;

/// The workspace root, as the tests see it.
pub use aymara_test_support::workspace_root;

/// `cargo`: the one running this xtask (`$CARGO`), else the one on `PATH`.
pub fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}
