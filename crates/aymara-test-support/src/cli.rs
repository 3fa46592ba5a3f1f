//! Running the `aymara` binary from tests. Only the crate that builds it knows where it is
//! (`env!("CARGO_BIN_EXE_aymara")`), so it hands that path to [`Binary::new`].
//! [`output_on_terminal`] runs it as a person at a terminal would.

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

impl<'a> Invocation<'a> {
    /// `args` run in `dir` against `base_url` with `key`, and no `RUST_LOG`.
    pub fn new(
        base_url: &'a str,
        key: Option<&'a str>,
        dir: &'a Path,
        args: &'a [&'a str],
    ) -> Self {
        Self {
            base_url,
            key,
            dir,
            args,
            rust_log: None,
        }
    }
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

/// Runs `command` with its stderr on a pseudo-terminal 200 columns wide (stdout piped), off
/// the async runtime, and collects what it printed: for what a person at a terminal sees
/// (progress bars, colors). Stderr holds what the terminal received, `\n` as `\r\n`.
pub async fn output_on_terminal(mut command: Command) -> Run {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::Stdio;

    let (mut controller, mut terminal) = (0, 0);
    let size = libc::winsize {
        ws_row: 50,
        ws_col: 200,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors, which are owned from here on. They are
    // closed on exec, so that programs other tests start meanwhile do not hold the terminal
    // open (the child gets its own copy as stderr).
    let (controller, terminal) = unsafe {
        let made = libc::openpty(
            &mut controller,
            &mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        );
        assert_eq!(made, 0, "openpty: {}", std::io::Error::last_os_error());
        for fd in [controller, terminal] {
            assert_eq!(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC), 0);
        }
        (
            OwnedFd::from_raw_fd(controller),
            OwnedFd::from_raw_fd(terminal),
        )
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(terminal));
    tokio::task::spawn_blocking(move || {
        let child = command.spawn().expect("runs");
        // The child holds the terminal now: once it exits, reading ends.
        drop(command);
        let reader = std::thread::spawn(move || {
            let mut seen = Vec::new();
            // Linux answers EIO, not end of file, once no process holds the terminal.
            let _ = std::fs::File::from(controller).read_to_end(&mut seen);
            seen
        });
        let output = child.wait_with_output().expect("waits");
        let stderr = reader.join().expect("reads the terminal");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    })
    .await
    .expect("joins")
}
