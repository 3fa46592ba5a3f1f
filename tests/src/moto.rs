//! moto's S3 server, started on a free loopback port for a test and stopped when dropped:
//! a real S3 implementation the project installs itself, shared by the emulator's fronting
//! tests and the SDK's. It comes from `tools/venv` (pinned in `tools/requirements.txt`);
//! when it is missing the test fails saying how to install it, rather than being skipped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `moto_server`.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

/// How long moto may take to start on a busy machine.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// Credentials moto accepts (it accepts any) and the region to sign for.
pub const ACCESS_KEY_ID: &str = "AKIDMOTO";
/// See [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "moto-secret";
/// See [`ACCESS_KEY_ID`].
pub const REGION: &str = "us-east-1";

impl Moto {
    /// Starts moto; panics, saying why, if it cannot.
    pub fn start() -> Moto {
        let server = crate::root().join("tools/venv/bin/moto_server");
        assert!(
            server.exists(),
            "moto is not installed ({} is missing): run `cargo xtask tools`",
            server.display()
        );
        let mut child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", server.display()));
        // moto logs every request on stderr: keep reading it for moto's whole life, so a
        // full pipe never stalls it, and pick the address out of the start-up line.
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("Running on http://") {
                    let url = line[at + "Running on ".len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        match rx.recv_timeout(START_DEADLINE) {
            Ok(endpoint) => Moto { child, endpoint },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto_server did not report its address within {START_DEADLINE:?}");
            }
        }
    }

    /// Creates `bucket` (moto accepts any credentials).
    pub async fn create_bucket(&self, bucket: &str) {
        use rusty_s3::S3Action;
        let bucket = rusty_s3::Bucket::new(
            self.endpoint.parse().unwrap(),
            rusty_s3::UrlStyle::Path,
            bucket.to_owned(),
            REGION,
        )
        .unwrap();
        let credentials = rusty_s3::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
        let url = bucket
            .create_bucket(&credentials)
            .sign(Duration::from_secs(60));
        let response = reqwest::Client::new()
            .put(url)
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
