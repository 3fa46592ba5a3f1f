//! moto's S3 server (installed into `tools/venv` by `cargo xtask tools`), started on a free
//! loopback port for a test and stopped when dropped.

use std::process::Command;
use std::time::Duration;

use crate::tools::Tool;
use crate::{Announces, ServerProcess};

/// A running `moto_server`.
#[derive(Debug)]
pub struct Moto {
    server: ServerProcess,
}

/// Credentials moto accepts (it accepts any) and the region to sign for.
pub const ACCESS_KEY_ID: &str = "AKIDMOTO";
/// See [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "moto-secret";
/// See [`ACCESS_KEY_ID`].
pub const REGION: &str = "us-east-1";

impl Moto {
    /// Starts it; moto accepts any credentials.
    pub fn start() -> Moto {
        let mut command = Command::new(Tool::MotoServer.installed());
        command.args(["-H", "127.0.0.1", "-p", "0"]);
        // moto logs every request on stderr, the start-up line with its address first.
        let server = ServerProcess::start(command, Announces::OnStderr, |line| {
            let at = line.find("Running on http://")?;
            let url = line[at + "Running on ".len()..].split_whitespace().next()?;
            Some(url.to_owned())
        });
        Moto { server }
    }

    /// Its endpoint, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        self.server.url()
    }

    /// Creates `bucket`.
    pub async fn create_bucket(&self, bucket: &str) {
        use rusty_s3::S3Action;
        let bucket = rusty_s3::Bucket::new(
            self.endpoint().parse().expect("moto's endpoint is a URL"),
            rusty_s3::UrlStyle::Path,
            bucket.to_owned(),
            REGION,
        )
        .expect("a valid bucket");
        let credentials = rusty_s3::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
        let url = bucket
            .create_bucket(&credentials)
            .sign(Duration::from_secs(60));
        let response = reqwest::Client::new()
            .put(url)
            .header("content-length", "0")
            .send()
            .await
            .expect("moto answers");
        assert!(response.status().is_success(), "{}", response.status());
    }
}
