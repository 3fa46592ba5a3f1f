//! The official Python SDK (installed into `tools/venv` by `cargo xtask tools`) pointed at
//! the emulator: every call of its Files resource (`create`, `upload`, `list`, `get`,
//! `get_status`, `get_frames`, `delete`) and `lib.uploads.upload_file` succeed, and the
//! emulator stores the bytes they sent.

use std::process::Command;

use aymara_emulator::EmulatorConfig;
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::tools::Tool;
use aymara_test_support::{sha256_hex, workspace_root};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_against_the_emulator() {
    let root = workspace_root();
    let python = Tool::Python.installed();
    let emulator = TestEmulator::start(
        "python-key",
        EmulatorConfig {
            video_processing: std::time::Duration::ZERO,
            ..EmulatorConfig::default()
        },
    )
    .await;
    let sample = root.join("examples/data/prompts.csv");
    let mut command = Command::new(python);
    command
        .arg(root.join("tools/compat/python_sdk.py"))
        .args([emulator.base_url(), emulator.key()])
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
    assert_eq!(stored.sha256, sha256_hex(&bytes));
    assert_eq!(stored.content_type, "text/csv");
    assert_eq!(emulator.stats().presign_requests, 2);

    // The direct upload, then list, get, status, frames and delete.
    let direct = &answer["upload"];
    let uuid = direct["file_uuid"].as_str().unwrap();
    assert_eq!(direct["local_file_path"], "prompts.csv");
    assert_eq!(direct["processing_status"], "completed");
    let stored = emulator.object(uuid).expect("the direct upload is stored");
    assert_eq!(stored.sha256, sha256_hex(&bytes));

    let list = &answer["list"];
    assert_eq!(list["count"], 2);
    assert_eq!(list["first_page"], serde_json::json!([uuid]));
    assert_eq!(
        list["second_page"],
        serde_json::json!([direct["video_uuid"]])
    );
    // Its auto-pagination stops after the first page (API-FACTS.md); ours does not.
    assert_eq!(list["auto_paged"], list["first_page"]);

    let detail = &answer["get"];
    assert_eq!(detail["file_uuid"], uuid);
    assert_eq!(
        (&detail["file_type"], &detail["content_type"]),
        (&"text".into(), &"text/csv".into())
    );
    assert_eq!(detail["file_size_bytes"], bytes.len());
    assert_eq!(
        detail["workspace_uuid"],
        "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41"
    );
    assert_eq!(detail["has_file_url"], true);
    assert_eq!(answer["get_status"]["processing_status"], "completed");
    assert_eq!(answer["get_frames"]["frame_count"], 2);
    assert_eq!(answer["get_frames"]["frame_urls"], 2);
    assert_eq!(answer["delete"]["get_after"], 404);
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.upload_requests,
            stats.list_requests,
            stats.delete_requests,
            stats.frames_requests
        ),
        (2, 2, 1, 1)
    );
}
