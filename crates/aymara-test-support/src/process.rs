//! A program a test runs as a server (a tool, or `aymara serve`): started, waited for with
//! a deadline, and killed when the test is done with it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Which output of a [`ServerProcess`] says when it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announces {
    /// It prints its ready line on stdout.
    OnStdout,
    /// It prints its ready line on stderr.
    OnStderr,
}

/// How long a server may take to start on a busy machine.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// A program serving on a loopback port; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    /// Starts `command` and waits, up to a minute, for the first line of the output it
    /// `announces` on from which `ready` reads its base URL. That output is read for the
    /// program's whole life, so a full pipe never stalls it; the other one is dropped.
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

    /// Its process id, to send it a signal.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until it exits (after a signal, or because the test made it stop), and says
    /// how it ended.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("waits for the server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
