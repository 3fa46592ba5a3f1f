//! Runs Prism (installed into `tools/` by `cargo xtask tools`) on a loopback port, serving
//! the spec as a validating mock or as a validating proxy in front of another server.

use std::process::Command;

use crate::tools::Tool;
use crate::{Announces, ServerProcess};

/// A running Prism; killed on drop.
#[derive(Debug)]
pub struct Prism {
    server: ServerProcess,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Prism {
    /// `prism mock`: answers from the spec's examples and schemas, and rejects requests
    /// that do not conform (422 with an `sl-violations` header).
    pub fn mock() -> Self {
        Self::start(&["mock"], &[])
    }

    /// `prism proxy`: forwards to `upstream` and reports, in `sl-violations`, any request
    /// or response that does not conform to the spec.
    pub fn proxy(upstream: &str) -> Self {
        Self::start(&["proxy"], &[upstream])
    }

    fn start(mode: &[&str], extra: &[&str]) -> Self {
        let port = free_port();
        let mut command = Command::new(Tool::Prism.installed());
        command
            .args(mode)
            .arg(crate::workspace_root().join("openapi/aymara.yaml"))
            .args(extra)
            .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()]);
        let url = format!("http://127.0.0.1:{port}");
        let server = ServerProcess::start(command, Announces::OnStdout, move |line| {
            line.contains("Prism is listening").then(|| url.clone())
        });
        Self { server }
    }

    /// Its base URL.
    pub fn url(&self) -> &str {
        self.server.url()
    }
}
