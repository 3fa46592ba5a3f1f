//! Running the `aymara` binary from tests. Only the crate that builds it knows where it is
//! (`env!("CARGO_BIN_EXE_aymara")`), so it hands that path to [`Binary::new`].

use std::path::Path;
use std::process::Command;

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// The exit code, or -1 if a signal ended it.
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

/// How to run the binary.
#[derive(Debug)]
pub struct Invocation<'a> {
    /// `AYMARA_AI_BASE_URL`.
    pub base_url: &'a str,
    /// `AYMARA_AI_API_KEY`, or none.
    pub key: Option<&'a str>,
    /// The working directory.
    pub dir: &'a Path,
    /// The arguments.
    pub args: &'a [&'a str],
    /// `RUST_LOG`, or none.
    pub rust_log: Option<&'a str>,
}

/// The `aymara` binary under test.
#[derive(Debug, Clone, Copy)]
pub struct Binary {
    path: &'static str,
}

impl Binary {
    /// The binary at `path`: `Binary::new(env!("CARGO_BIN_EXE_aymara"))`.
    pub const fn new(path: &'static str) -> Self {
        Self { path }
    }

    /// Where it is.
    pub fn path(&self) -> &'static Path {
        Path::new(self.path)
    }

    /// Runs it off the async runtime, so in-process servers keep serving meanwhile.
    pub async fn run(&self, invocation: Invocation<'_>) -> Run {
        output(self.command(&invocation)).await
    }

    /// [`Binary::run`] as an unprivileged user (uid 65534) when the tests run as root, who
    /// reads any file: for tests of files the user cannot read. The binary is copied into
    /// the invocation's directory (the build directory may sit where that user cannot
    /// reach), and that directory is opened to all.
    pub async fn run_unprivileged(&self, invocation: Invocation<'_>) -> Run {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};

        let dir = invocation.dir;
        // The test made `dir`, so it belongs to whoever runs the tests.
        if std::fs::metadata(dir).unwrap().uid() != 0 {
            return self.run(invocation).await;
        }
        let open = |path: &Path| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap()
        };
        open(dir);
        let binary = dir.join("aymara-bin");
        std::fs::copy(self.path(), &binary).unwrap();
        open(&binary);
        let mut setpriv = Command::new("setpriv");
        setpriv
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        output(prepared(setpriv, &invocation)).await
    }

    /// The command [`Binary::run`] runs, to adjust (its output pipes, say) before running
    /// it with [`output`] or as a child.
    pub fn command(&self, invocation: &Invocation<'_>) -> Command {
        prepared(Command::new(self.path()), invocation)
    }
}

/// `command` with the invocation's directory, environment and arguments. The environment
/// is cleared of our variables first, then set as asked.
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
