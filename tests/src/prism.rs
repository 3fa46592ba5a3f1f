//! Runs Prism (installed into `tools/` by `cargo xtask tools`) on a loopback port, serving
//! the spec as a validating mock or as a validating proxy in front of another server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running Prism; killed on drop.
pub struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
        let prism = crate::root().join("tools/node_modules/.bin/prism");
        assert!(
            prism.exists(),
            "{} is missing: run `cargo xtask tools` (the test command does)",
            prism.display()
        );
        let port = free_port();
        let mut child = Command::new(prism)
            .args(mode)
            .arg(crate::root().join("openapi/aymara.yaml"))
            .args(extra)
            .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("prism starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("Prism is listening"));
        assert!(ready, "prism exited before listening");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Its base URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}
