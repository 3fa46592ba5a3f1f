//! Running the `aymara` binary from tests.

use std::path::Path;

/// What a run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// How to run the binary.
pub struct Invocation<'a> {
    pub base_url: &'a str,
    pub key: Option<&'a str>,
    pub dir: &'a Path,
    pub args: &'a [&'a str],
    pub rust_log: Option<&'a str>,
}

/// Runs the binary off the async runtime, so in-process servers keep serving meanwhile.
/// The environment is cleared of our variables first, then set as asked.
pub async fn run(invocation: Invocation<'_>) -> Run {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_aymara"));
    command
        .current_dir(invocation.dir)
        .env_remove("AYMARA_AI_API_KEY")
        .env_remove("RUST_LOG")
        .env("AYMARA_AI_BASE_URL", invocation.base_url)
        .args(invocation.args);
    if let Some(key) = invocation.key {
        command.env("AYMARA_AI_API_KEY", key);
    }
    if let Some(filter) = invocation.rust_log {
        command.env("RUST_LOG", filter);
    }
    let output = tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
