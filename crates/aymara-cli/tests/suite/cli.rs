//! The `aymara` binary against the scripted mock: JSON shape, exit codes 0/1/2,
//! `--recursive`, and no progress output when stderr is not a terminal.

use std::path::Path;

use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::mock::{Canned, MockServer, ResetStore};
use serde_json::Value;

use crate::AYMARA;

async fn aymara(server: &MockServer, key: Option<&str>, dir: &Path, args: &[&str]) -> Run {
    aymara_logged(server, key, dir, args, None).await
}

async fn aymara_logged(
    server: &MockServer,
    key: Option<&str>,
    dir: &Path,
    args: &[&str],
    rust_log: Option<&str>,
) -> Run {
    AYMARA
        .run(Invocation {
            base_url: server.url(),
            key,
            dir,
            args,
            rust_log,
        })
        .await
}

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("data/images")).unwrap();
    std::fs::write(dir.join("data/prompts.csv"), "q,a\n1,2\n").unwrap();
    std::fs::write(dir.join("data/images/cat.png"), [0x89, b'P', b'N', b'G']).unwrap();
    std::fs::write(dir.join("notes.jsonl"), "{}\n").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_has_the_documented_shape_and_exit_0() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let run = aymara(
        &server,
        Some("k"),
        dir.path(),
        &[
            "files",
            "upload",
            "--json",
            "--recursive",
            "--workspace",
            "ws-9",
            "data",
            "notes.jsonl",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr, "",
        "no progress or logs when stderr is not a terminal"
    );
    assert_eq!(run.stdout.lines().count(), 1);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["failed", "files", "hedges", "skipped", "workspace_uuid"]
    );
    assert_eq!(json["workspace_uuid"], "ws-9");
    assert_eq!(json["hedges"], 0);
    assert_eq!(json["failed"], serde_json::json!([]));
    assert_eq!(json["skipped"], serde_json::json!([]));
    let files = json["files"].as_array().unwrap();
    let paths: Vec<&str> = files
        .iter()
        .map(|f| f["local_file_path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["data/images/cat.png", "data/prompts.csv", "notes.jsonl"]
    );
    let first = files[0].as_object().unwrap();
    let mut fields: Vec<&str> = first.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "content_type",
            "file_uuid",
            "local_file_path",
            "remote_file_path",
            "size_bytes"
        ]
    );
    assert_eq!(first["content_type"], "image/png");
    assert_eq!(first["size_bytes"], 4);
    assert_eq!(server.puts().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_file_is_reported_and_exits_1_while_the_others_upload() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    server.script_put([Canned::raw(
        403,
        "application/xml",
        "<Error><Code>SignatureDoesNotMatch</Code><Message>no match</Message></Error>",
    )]);
    let run = aymara(
        &server,
        Some("k"),
        dir.path(),
        &[
            "files",
            "upload",
            "--json",
            "--concurrency",
            "1",
            "notes.jsonl",
            "data/prompts.csv",
        ],
    )
    .await;
    assert_eq!(run.code, 1);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 1);
    let failed = json["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.contains("403") && error.contains("SignatureDoesNotMatch"),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("SignatureDoesNotMatch"),
        "{}",
        lines[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_one_line_naming_the_code_and_request_id() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    server.script_presign((0..3).map(|_| Canned::envelope(401, "auth.invalid_key", "req-7f3a")));
    let run = aymara(
        &server,
        Some("wrong"),
        dir.path(),
        &["files", "upload", "-r", "data", "notes.jsonl"],
    )
    .await;
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("auth.invalid_key")
            && lines[0].contains("req-7f3a")
            && lines[0].contains("401"),
        "{}",
        lines[0]
    );
    assert!(
        run.stdout.starts_with("Uploaded 0 of 3 files"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_configuration_errors_exit_2_before_any_network_call() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let cases: [(Option<&str>, &[&str], &str); 6] = [
        (
            None,
            &["files", "upload", "notes.jsonl"],
            "error: no API key: set AYMARA_AI_API_KEY",
        ),
        (
            Some("k"),
            &["files", "upload", "missing.csv", "notes.jsonl"],
            "error: missing.csv: no such file or directory",
        ),
        (
            Some("k"),
            &["files", "upload", "data"],
            "error: data: is a directory (use --recursive to upload its files)",
        ),
        (
            Some("k"),
            &[
                "files",
                "upload",
                "--base-url",
                "http://api.example.com",
                "notes.jsonl",
            ],
            "error: base URL must use https (plain http is allowed only to localhost): http://api.example.com/",
        ),
        (
            Some("k"),
            &["files", "upload", "--concurrency", "0", "notes.jsonl"],
            "error: concurrency must be at least 1",
        ),
        (
            Some("k"),
            &[
                "files",
                "upload",
                "--content-type",
                "not a type",
                "notes.jsonl",
            ],
            "error: content type \"not a type\" is not a valid MIME type",
        ),
    ];
    for (key, args, line) in cases {
        let run = aymara(&server, key, dir.path(), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end(), line, "{args:?}");
        assert_eq!(run.stdout, "");
    }
    let run = aymara(&server, Some("k"), dir.path(), &["files", "upload"]).await;
    assert_eq!(run.code, 2, "clap usage errors exit 2 too");
    assert!(server.presigns().is_empty() && server.puts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_human_summary_counts_files_and_shows_no_secrets() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let run = aymara(
        &server,
        Some("k"),
        dir.path(),
        &["files", "upload", "--recursive", "data"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Uploaded 2 of 2 files (12 B) in "),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
    let quiet = aymara(
        &server,
        Some("k"),
        dir.path(),
        &["files", "upload", "-q", "notes.jsonl"],
    )
    .await;
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_presigns_and_prints_the_response() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = aymara(
        &server,
        Some("k"),
        dir.path(),
        &["files", "create", "--workspace", "ws", "a.csv", "b.csv"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("workspace ws\na.csv\t"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("secret"),
        "human output hides the presigned URLs"
    );
    let run = aymara(
        &server,
        Some("k"),
        dir.path(),
        &["files", "create", "--json", "a.csv"],
    )
    .await;
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["files"][0]["local_file_path"], "a.csv");
    assert!(
        json["files"][0]["file_url"]
            .as_str()
            .unwrap()
            .contains("/store/")
    );
    assert!(server.puts().is_empty());
    assert_eq!(server.presigns().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_stdout_or_stderr_under_trace_logging() {
    const KEY: &str = "sk-SENTINEL-4242";
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    // Every run uploads the same files again: no journal to skip them.
    let upload = [
        "files",
        "upload",
        "--no-journal",
        "--max-retries",
        "1",
        "-r",
        "data",
        "notes.jsonl",
    ];
    let json_upload = [
        "files",
        "upload",
        "--no-journal",
        "--json",
        "--max-retries",
        "1",
        "-r",
        "data",
        "notes.jsonl",
    ];
    let mut runs = Vec::new();
    runs.push(aymara_logged(&server, Some(KEY), dir.path(), &upload, Some("trace")).await);
    server.script_presign([Canned::envelope(401, "auth.invalid_key", "r")]);
    runs.push(aymara_logged(&server, Some(KEY), dir.path(), &json_upload, Some("trace")).await);
    server.script_presign([
        Canned::envelope(503, "server.internal_error", "r").header("retry-after-ms", "1"),
        Canned::envelope(503, "server.internal_error", "r").header("retry-after-ms", "1"),
    ]);
    runs.push(aymara_logged(&server, Some(KEY), dir.path(), &upload, Some("trace")).await);
    server.script_put([
        Canned::s3_error(500, "InternalError").header("retry-after-ms", "1"),
        Canned::s3_error(403, "SignatureDoesNotMatch"),
    ]);
    runs.push(aymara_logged(&server, Some(KEY), dir.path(), &json_upload, Some("trace")).await);
    runs.push(
        aymara_logged(
            &server,
            Some(KEY),
            dir.path(),
            &["files", "create", "a.csv"],
            Some("trace"),
        )
        .await,
    );
    let store = ResetStore::start(100).await;
    server.set_store(store.url());
    runs.push(aymara_logged(&server, Some(KEY), dir.path(), &upload, Some("trace")).await);
    assert!(store.resets() >= 2);

    let codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    assert_eq!(codes, [0, 1, 1, 1, 0, 1]);
    assert!(runs[0].stderr.contains("TRACE"), "trace logging was on");
    for run in &runs {
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(KEY), "the key leaked:\n{text}");
            assert!(
                !text.contains("secret") && !text.contains("X-Amz-Signature="),
                "a signature leaked:\n{text}"
            );
        }
    }
}
