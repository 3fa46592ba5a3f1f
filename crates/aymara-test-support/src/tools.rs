//! The test tools that are not Rust crates, installed into `tools/` by `cargo xtask tools`
//! (pinned there). A test that needs one fails saying how to install it, rather than being
//! skipped.

use std::path::PathBuf;

/// A tool `cargo xtask tools` installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Prism (npm): serves the spec as a validating mock or proxy.
    Prism,
    /// The virtualenv's `python`, with the official Python SDK installed.
    Python,
    /// moto's S3 server (PyPI).
    MotoServer,
}

impl Tool {
    /// Where it is installed, relative to the workspace root.
    pub fn relative_path(self) -> &'static str {
        match self {
            Tool::Prism => "tools/node_modules/.bin/prism",
            Tool::Python => "tools/venv/bin/python",
            Tool::MotoServer => "tools/venv/bin/moto_server",
        }
    }

    /// Where it is installed, whether or not it is yet.
    pub fn path(self) -> PathBuf {
        crate::workspace_root().join(self.relative_path())
    }

    /// Its path; panics saying to run `cargo xtask tools` if it is not installed.
    pub fn installed(self) -> PathBuf {
        let path = self.path();
        assert!(
            path.exists(),
            "{} is missing: run `cargo xtask tools` (the test command does)",
            path.display()
        );
        path
    }
}
