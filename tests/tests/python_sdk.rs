//! The official Python SDK (installed into `tools/venv` by `cargo xtask tools`) pointed at
//! the emulator: `client.files.create(...)` and `lib.uploads.upload_file` both succeed, and
//! the emulator stores the bytes the helper sent.

use std::path::PathBuf;
use std::process::Command;

use aymara_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_against_the_emulator() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join("tools/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask tools` (the test command does)",
        python.display()
    );
    let emulator = Emulator::start(EmulatorConfig {
        api_keys: vec!["python-key".into()],
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let sample = root.join("examples/data/prompts.csv");
    let mut command = Command::new(python);
    command
        .arg(root.join("tools/compat/python_sdk.py"))
        .args([emulator.base_url(), "python-key"])
        .arg(&sample);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();

    let created = &answer["create"]["files"][0];
    assert_eq!(created["local_file_path"], "from-python/notes.csv");
    assert_eq!(created["has_file_url"], true);
    assert!(
        created["remote_file_path"]
            .as_str()
            .unwrap()
            .ends_with("/notes.csv")
    );

    let remote = answer["upload_file"]["remote_file_path"].as_str().unwrap();
    let stored = emulator
        .objects()
        .into_iter()
        .find(|o| o.remote_file_path == remote)
        .expect("the helper's upload is stored");
    let bytes = std::fs::read(&sample).unwrap();
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(stored.content_type, "text/csv");
    assert_eq!(emulator.stats().presign_requests, 2);
}
