//! The test tools that are not Rust crates, installed into `tools/` by `cargo xtask tools`
//! (pinned there), and [`ToolServer`], one of them running as a server for a test.
//!
//! A test that needs a tool fails saying how to install it, rather than being skipped.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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

/// Which output of a [`ToolServer`] says when it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announces {
    /// It prints its ready line on stdout.
    OnStdout,
    /// It prints its ready line on stderr.
    OnStderr,
}

/// How long a tool may take to start on a busy machine.
pub const START_DEADLINE: Duration = Duration::from_secs(60);

/// A tool running as a server on a loopback port; killed when dropped.
#[derive(Debug)]
pub struct ToolServer {
    child: Child,
    url: String,
}

impl ToolServer {
    /// Starts `command` and waits, up to [`START_DEADLINE`], for the first line of the
    /// output it `announces` on from which `ready` reads its base URL. That output is read
    /// for the tool's whole life, so a full pipe never stalls it; the other one is dropped.
    pub fn start(
        mut command: Command,
        announces: Announces,
        mut ready: impl FnMut(&str) -> Option<String> + Send + 'static,
    ) -> Self {
        let (stdout, stderr) = match announces {
            Announces::OnStdout => (Stdio::piped(), Stdio::null()),
            Announces::OnStderr => (Stdio::null(), Stdio::piped()),
        };
        let shown = format!("{:?}", command.get_program());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        let output: Box<dyn Read + Send> = match announces {
            Announces::OnStdout => Box::new(child.stdout.take().expect("stdout is piped")),
            Announces::OnStderr => Box::new(child.stderr.take().expect("stderr is piped")),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = ready(&line) {
                    let _ = tx.send(url);
                }
            }
        });
        match rx.recv_timeout(START_DEADLINE) {
            Ok(url) => Self { child, url },
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                match why {
                    mpsc::RecvTimeoutError::Timeout => {
                        panic!("{shown} was not ready within {START_DEADLINE:?}")
                    }
                    mpsc::RecvTimeoutError::Disconnected => {
                        panic!("{shown} exited before it was ready")
                    }
                }
            }
        }
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ToolServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
