//! `aymara files list`, `get`, `delete`, `status`, `wait` and `upload --wait` against the
//! emulator: output shapes, paging, exit codes, quiet broken pipes, and the whole journey
//! of a few files end to end.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use aymara::types::{CreateFile, CreateRequest};
use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::emulator::TestEmulator;
use serde_json::Value;

use crate::AYMARA;

const KEY: &str = "files-key";

async fn emulator(video_processing: Duration) -> TestEmulator {
    let config = EmulatorConfig {
        video_processing,
        ..EmulatorConfig::default()
    };
    TestEmulator::start(KEY, config).await
}

async fn aymara(emulator: &Emulator, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: emulator.base_url(),
            key: Some(KEY),
            dir,
            args,
            rust_log: None,
        })
        .await
}

fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Presigns `names` through the SDK; returns their uuids in order.
async fn create(emulator: &TestEmulator, names: &[String]) -> Vec<String> {
    let client = emulator.client();
    let request =
        CreateRequest::new().files(names.iter().map(|name| CreateFile::local(name.clone())));
    let answer = client.files().create(&request).await.unwrap();
    answer
        .body()
        .files()
        .iter()
        .map(|f| f.file_uuid().unwrap().to_owned())
        .collect()
}

fn names(n: usize, extension: &str) -> Vec<String> {
    (0..n).map(|i| format!("file-{i:02}.{extension}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_walks_every_page_as_a_table_json_or_ndjson() {
    let emulator = emulator(Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let mut uuids = create(&emulator, &names(21, "csv")).await;
    uuids.extend(create(&emulator, &names(2, "png")).await);

    let listed = json(
        &aymara(
            &emulator,
            dir.path(),
            &["files", "list", "--page-size", "5", "--json"],
        )
        .await,
    );
    assert_eq!(listed["count"], 23);
    let files: Vec<&str> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(files, uuids);
    assert_eq!(emulator.stats().list_requests, 5, "23 files, 5 a page");
    let first = &listed["files"][0];
    for field in [
        "file_type",
        "content_type",
        "remote_file_path",
        "created_at",
        "updated_at",
        "organization_uuid",
    ] {
        assert!(first[field].is_string(), "{field}: {first}");
    }

    let run = aymara(
        &emulator,
        dir.path(),
        &["files", "list", "--ndjson", "--limit", "7"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[6]["file_uuid"], uuids[6]);

    let run = aymara(&emulator, dir.path(), &["files", "list", "--type", "image"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{}", run.stdout);
    assert!(rows[0].starts_with("FILE_UUID") && rows[0].contains("REMOTE_FILE_PATH"));
    assert!(
        rows[1].starts_with(&uuids[21]) && rows[1].contains("image"),
        "{}",
        rows[1]
    );

    let run = aymara(
        &emulator,
        dir.path(),
        &["files", "list", "--type", "video", "--json"],
    )
    .await;
    assert_eq!(json(&run)["files"], Value::Array(vec![]));
    let run = aymara(&emulator, dir.path(), &["files", "list", "--type", "video"]).await;
    assert_eq!(run.stdout, "No files.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_ends_the_listing_quietly() {
    let emulator = emulator(Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    create(&emulator, &names(30, "csv")).await;
    for format in [None, Some("--ndjson")] {
        let before = emulator.stats().list_requests;
        let mut command = AYMARA.command(&Invocation {
            base_url: emulator.base_url(),
            key: Some(KEY),
            dir: dir.path(),
            args: &["files", "list", "--page-size", "1"],
            rust_log: None,
        });
        command
            .args(format)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            // Like `aymara files list | head -0`: the reader is gone before the first line.
            drop(child.stdout.take());
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(0), "{format:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{format:?}");
        assert_eq!(
            emulator.stats().list_requests - before,
            1,
            "no page fetched for nobody"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_uuids_fail_with_the_404_code_and_request_id() {
    let emulator = emulator(Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let known = create(&emulator, &["a.csv".to_owned()]).await.remove(0);
    let unknown = "00000000-0000-4000-8000-000000000000";

    for command in ["delete", "get", "status", "wait"] {
        let run = aymara(&emulator, dir.path(), &["files", command, unknown]).await;
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        let line = run.stderr.trim_end();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(
            line.starts_with(&format!("error: {unknown}: API error 404"))
                && line.contains("resource.not_found")
                && line.contains("(request id req_"),
            "{command}: {line}"
        );
    }

    // One bad uuid among good ones: the good ones are still handled.
    let run = aymara(
        &emulator,
        dir.path(),
        &["files", "status", "--json", unknown, &known],
    )
    .await;
    assert_eq!(run.code, 1);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["files"][0]["file_uuid"], known.as_str());
    assert_eq!(answer["files"][0]["processing_status"], "pending");
    assert_eq!(answer["failed"][0]["file_uuid"], unknown);
    assert!(
        answer["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );

    let run = aymara(
        &emulator,
        dir.path(),
        &["files", "wait", "--timeout", "1", "--json", &known],
    )
    .await;
    assert_eq!(run.code, 1, "a file still pending has not completed");
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["files"][0]["outcome"], "timed_out");
    assert_eq!(answer["files"][0]["processing_status"], "pending");
    assert!(run.stderr.contains("timed out after 1 s"), "{}", run.stderr);

    let before = emulator.stats();
    for args in [
        &["files", "get", ""][..],
        &["files", "delete", &known, " "],
        &["files", "list", "--type", "audio"],
        &["files", "list", "--page-size", "101"],
        &["files", "list", "--json", "--ndjson"],
        &["files", "wait", "--timeout", "0", &known],
    ] {
        let run = aymara(&emulator, dir.path(), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    let after = emulator.stats();
    assert_eq!(
        (
            after.get_file_requests,
            after.delete_requests,
            after.list_requests
        ),
        (
            before.get_file_requests,
            before.delete_requests,
            before.list_requests
        ),
        "usage errors send nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_wait_reports_each_files_processing_and_fails_for_a_failed_one() {
    let emulator = emulator(Duration::from_millis(200)).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.csv"), "a\n").unwrap();
    std::fs::write(dir.path().join("tiny.mp4"), [0u8; 8]).unwrap();
    let run = aymara(
        &emulator,
        dir.path(),
        &[
            "files",
            "upload",
            "--wait",
            "--json",
            "notes.csv",
            "tiny.mp4",
        ],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files[0]["processing"]["outcome"], "completed");
    assert_eq!(files[1]["processing"]["outcome"], "failed");
    let why = files[1]["processing"]["error_message"].as_str().unwrap();
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: tiny.mp4 ({}): processing failed: {why}",
            files[1]["file_uuid"].as_str().unwrap()
        )
    );

    let run = aymara(
        &emulator,
        dir.path(),
        // Sent again on purpose: the journal would skip it.
        &["files", "upload", "--force", "--wait", "notes.csv"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\nProcessing: 1 completed\n"),
        "{}",
        run.stdout
    );
    let run = aymara(
        &emulator,
        dir.path(),
        &["files", "upload", "--force", "--json", "notes.csv"],
    )
    .await;
    assert!(
        json(&run)["files"][0].get("processing").is_none(),
        "only with --wait"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_upload_wait_list_get_frames_delete() {
    let emulator = emulator(Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prompts.csv"), "prompt,answer\nhi,hello\n").unwrap();
    std::fs::write(dir.path().join("cat.png"), b"\x89PNG\r\n\x1a\nfake image").unwrap();
    std::fs::write(dir.path().join("clip.mp4"), vec![7u8; 150_000]).unwrap();

    // Upload and wait for processing.
    let args = [
        "files",
        "upload",
        "--wait",
        "--json",
        "prompts.csv",
        "cat.png",
        "clip.mp4",
    ];
    let uploaded = json(&aymara(&emulator, dir.path(), &args).await);
    let files = uploaded["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for file in files {
        assert_eq!(file["processing"]["outcome"], "completed", "{file}");
        assert_eq!(file["processing"]["processing_status"], "completed");
    }
    let uuid = |i: usize| files[i]["file_uuid"].as_str().unwrap().to_owned();
    let (csv, png, video) = (uuid(0), uuid(1), uuid(2));

    // List them, two a page.
    let before = emulator.stats().list_requests;
    let listed = json(
        &aymara(
            &emulator,
            dir.path(),
            &["files", "list", "--page-size", "2", "--json"],
        )
        .await,
    );
    assert_eq!(listed["count"], 3);
    let kinds: Vec<(&str, &str)> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file_uuid"].as_str().unwrap(),
                f["file_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [(&*csv, "text"), (&*png, "image"), (&*video, "video")]
    );
    assert_eq!(emulator.stats().list_requests - before, 2);

    // Get one.
    let detail = json(&aymara(&emulator, dir.path(), &["files", "get", "--json", &csv]).await);
    assert_eq!(detail["content_type"], "text/csv");
    assert_eq!(detail["file_size_bytes"], 23);
    assert!(
        detail["file_url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Signature=")
    );
    let run = aymara(&emulator, dir.path(), &["files", "get", &csv]).await;
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("size              23 B (23 bytes)"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("X-Amz"),
        "human output leaves the URL out"
    );

    // Wait for the video, then its frames.
    let waited = json(&aymara(&emulator, dir.path(), &["files", "wait", "--json", &video]).await);
    assert_eq!(waited["files"][0]["outcome"], "completed");
    assert_eq!(waited["failed"], Value::Array(vec![]));
    let frames = emulator
        .client()
        .files()
        .frames(&video)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(frames.frame_count(), 3);
    assert_eq!(frames.frame_urls().len(), 3);
    let shown = json(&aymara(&emulator, dir.path(), &["files", "get", "--json", &video]).await);
    assert_eq!(shown["video_metadata"]["frame_count"], 3);

    // Delete one; it is gone.
    let deleted = json(&aymara(&emulator, dir.path(), &["files", "delete", "--json", &png]).await);
    assert_eq!(deleted["deleted"][0], png.as_str());
    let run = aymara(&emulator, dir.path(), &["files", "get", &png]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("API error 404 Not Found resource.not_found"),
        "{}",
        run.stderr
    );
    let listed = json(&aymara(&emulator, dir.path(), &["files", "list", "--json"]).await);
    assert_eq!(listed["count"], 2);
    let status = json(
        &aymara(
            &emulator,
            dir.path(),
            &["files", "status", "--json", &csv, &video],
        )
        .await,
    );
    let statuses: Vec<&str> = status["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["processing_status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "completed"]);
}
