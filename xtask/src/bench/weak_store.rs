//! The weak store of the bench's weak-server case: `tools/bench/weak_store.py`, Python's
//! `ThreadingHTTPServer` with a listen backlog of 5, fronted by the emulator's API (its
//! `external_store` mode presigns URLs to it). One per run, stopped when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aymara_emulator::{ExternalStore, StoredObject};

/// The bucket the emulator names in the URLs it presigns for the weak store.
const BUCKET: &str = "weak";

/// A running weak store.
pub struct WeakStore {
    child: Child,
    endpoint: String,
}

impl WeakStore {
    /// Starts `script` with `python`, its port file in `dir`; waits until it listens.
    pub fn start(python: &Path, script: &Path, dir: &Path) -> Result<WeakStore> {
        let port_file = dir.join("weak-store.port");
        let child = Command::new(python)
            .arg(script)
            .arg(&port_file)
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", script.display()))?;
        let mut store = WeakStore {
            child,
            endpoint: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file)
                && let Ok(port) = port.trim().parse::<u16>()
            {
                store.endpoint = format!("http://127.0.0.1:{port}");
                return Ok(store);
            }
            if let Some(status) = store.child.try_wait()? {
                bail!("{} exited with {status} before listening", script.display());
            }
            if Instant::now() > deadline {
                bail!("{} did not listen within 30 s", script.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How the emulator fronts it: any credentials do, the store checks none.
    pub fn external(&self) -> ExternalStore {
        ExternalStore {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: "bench".to_owned(),
            secret_access_key: "bench".to_owned(),
            session_token: None,
        }
    }

    /// What it holds, as the emulator's store would list it.
    pub async fn objects(&self) -> Result<Vec<StoredObject>> {
        let url = format!("{}/__objects", self.endpoint);
        let listed: serde_json::Value = reqwest::get(&url)
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("cannot list {url}"))?
            .json()
            .await
            .with_context(|| format!("{url} did not answer JSON"))?;
        let objects = listed
            .as_array()
            .context("the weak store's list is no array")?;
        objects
            .iter()
            .map(|object| {
                let text = |field: &str| {
                    object[field]
                        .as_str()
                        .map(str::to_owned)
                        .with_context(|| format!("an object of the weak store has no {field}"))
                };
                let key = text("key")?;
                Ok(StoredObject {
                    file_uuid: String::new(),
                    name: key.rsplit('/').next().unwrap_or_default().to_owned(),
                    remote_file_path: key,
                    size: object["size"].as_u64().context("an object has no size")?,
                    sha256: text("sha256")?,
                    content_type: String::new(),
                    puts: 1,
                    path: Default::default(),
                })
            })
            .collect()
    }
}

impl Drop for WeakStore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
