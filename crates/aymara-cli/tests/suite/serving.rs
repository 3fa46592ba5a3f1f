//! `aymara serve` in its own process, and uploads to it in theirs: for the tests that
//! stop, kill and restart either.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use aymara_test_support::cli::Invocation;
use aymara_test_support::{Announces, ServerProcess, files_under};
use serde_json::Value;

use crate::AYMARA;

/// The key every served emulator accepts.
pub const KEY: &str = "serve-key";

/// `aymara serve` on a data directory; killed with `SIGKILL` when dropped.
pub struct Serve {
    server: ServerProcess,
    data_dir: PathBuf,
    /// What it printed on stderr before its ready line: warnings.
    said: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    /// Starts `aymara serve --data-dir DATA_DIR` with `args` (its address, latency) and the
    /// extra environment `env`, and waits for its ready line.
    pub fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(AYMARA.path());
        command
            .args(["serve", "--api-key", KEY, "--data-dir"])
            .arg(data_dir)
            .args(args)
            .env_remove("RUST_LOG")
            .envs(env.iter().copied());
        if !args.contains(&"--addr") {
            command.args(["--addr", "127.0.0.1:0"]);
        }
        let said = Arc::new(Mutex::new(Vec::new()));
        let lines = said.clone();
        // Its ready line on stderr: "Aymara emulator listening on URL (...".
        let mut ready = false;
        let server = ServerProcess::start(command, Announces::OnStderr, move |line| {
            let url = line.strip_prefix("Aymara emulator listening on ");
            ready |= url.is_some();
            if !ready {
                lines.lock().unwrap().push(line.to_owned());
            }
            Some(url?.split_once(' ')?.0.to_owned())
        });
        Self {
            server,
            data_dir: data_dir.to_path_buf(),
            said,
        }
    }

    /// Starts it again on the same data directory and address, as a user restarting it
    /// would: presigned URLs name their host and port.
    pub fn restart(data_dir: &Path, addr: &str) -> Self {
        Self::start(data_dir, &["--addr", addr], &[])
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url().trim_start_matches("http://").to_owned()
    }

    /// The lines it printed on stderr before its ready line.
    pub fn said(&self) -> Vec<String> {
        self.said.lock().unwrap().clone()
    }

    /// `kill -9`, then how it ended.
    pub fn kill_9(self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-9", &self.server.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        self.wait()
    }

    /// Waits until it exits by itself.
    pub fn wait(self) -> ExitStatus {
        self.server.wait()
    }

    /// How many objects the store holds per file name.
    pub fn stored(&self) -> HashMap<String, usize> {
        let mut names = HashMap::new();
        for path in files_under(&self.objects_dir()) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            *names.entry(name).or_default() += 1;
        }
        names
    }

    /// Where its objects are: `<data_dir>/<bucket>`.
    pub fn objects_dir(&self) -> PathBuf {
        self.data_dir.join(aymara_emulator::DEFAULT_BUCKET)
    }
}

/// An upload in its own process, its `--ndjson` lines read as they come.
pub struct Uploading {
    pub child: Child,
    pub lines: Lines<BufReader<ChildStdout>>,
}

impl Uploading {
    pub fn start(serve: &Serve, dir: &Path, args: &[&str]) -> Self {
        let mut child = AYMARA
            .command(&Invocation {
                base_url: serve.url(),
                key: Some(KEY),
                dir,
                args,
                rust_log: None,
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    /// Reads records until `count` files are uploaded: they came while the run goes on.
    pub fn until_uploaded(&mut self, count: usize) {
        let mut uploaded = 0;
        while uploaded < count {
            let line = self.lines.next().expect("a record").unwrap();
            let record: Value = serde_json::from_str(&line).unwrap();
            if record["status"] == "uploaded" {
                uploaded += 1;
            }
        }
    }
}

/// Sends `name` (`-KILL`, `-INT`) to `child`.
pub fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}
