//! Running the `aymara` binary from tests.

use std::path::Path;
use std::process::Command;

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
    output(prepared(
        Command::new(env!("CARGO_BIN_EXE_aymara")),
        &invocation,
    ))
    .await
}

/// [`run`] as an unprivileged user (uid 65534) when the tests run as root, who reads any
/// file: for tests of files the user cannot read. The binary is copied into `dir` (the
/// build directory may sit where that user cannot reach), and `dir` is opened to all.
#[allow(dead_code)] // not every test file needs it
pub async fn run_unprivileged(invocation: Invocation<'_>) -> Run {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let dir = invocation.dir;
    // The test made `dir`, so it belongs to whoever runs the tests.
    if std::fs::metadata(dir).unwrap().uid() != 0 {
        return run(invocation).await;
    }
    let open = |path: &Path| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap()
    };
    open(dir);
    let binary = dir.join("aymara-bin");
    std::fs::copy(env!("CARGO_BIN_EXE_aymara"), &binary).unwrap();
    open(&binary);
    let mut setpriv = Command::new("setpriv");
    setpriv
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary);
    output(prepared(setpriv, &invocation)).await
}

/// The command [`run`] runs, to adjust before running it with [`output`].
#[allow(dead_code)] // not every test file needs it
pub fn command(invocation: &Invocation<'_>) -> Command {
    prepared(Command::new(env!("CARGO_BIN_EXE_aymara")), invocation)
}

/// `command` with the invocation's directory, environment and arguments.
fn prepared(mut command: Command, invocation: &Invocation<'_>) -> Command {
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
    command
}

/// Runs `command` off the async runtime and collects what it printed.
pub async fn output(mut command: Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
