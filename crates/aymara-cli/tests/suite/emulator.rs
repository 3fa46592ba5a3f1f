//! The `aymara` binary against the emulator: whole uploads with byte-for-byte checks, a
//! fault soak, the bad-input table, and `--local` as the README runs it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aymara_emulator::{DEFAULT_BUCKET, Emulator, EmulatorConfig, Faults};
use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::{copy_tree, files_under, sha256_file, workspace_root};
use serde_json::Value;

use crate::{AYMARA, many_files};

const KEY: &str = "right-key";

async fn emulator(config: EmulatorConfig) -> TestEmulator {
    TestEmulator::start(KEY, config).await
}

async fn aymara(emulator: &Emulator, key: Option<&str>, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: emulator.base_url(),
            key,
            dir,
            args,
            rust_log: None,
        })
        .await
}

/// Checks every uploaded file of a `--json` report against the store: stored once, under
/// its file_uuid, with the local bytes. Returns the local paths it covered.
fn verify_stored(emulator: &Emulator, dir: &Path, json: &Value) -> Vec<String> {
    let objects: HashMap<String, _> = emulator
        .objects()
        .into_iter()
        .map(|o| (o.file_uuid.clone(), o))
        .collect();
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            let local = file["local_file_path"].as_str().unwrap();
            let object = &objects[file["file_uuid"].as_str().unwrap()];
            assert_eq!(object.sha256, sha256_file(dir.join(local)), "{local}");
            assert_eq!(object.puts, 1, "{local} stored more than once");
            local.to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_upload_of_250_files_an_empty_one_and_64_mib() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 250);
    std::fs::write(dir.path().join("empty.csv"), b"").unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![0x5a; 64 * 1024 * 1024]).unwrap();
    let run = aymara(
        &emulator,
        Some(KEY),
        dir.path(),
        &[
            "files",
            "upload",
            "--json",
            "-r",
            "set",
            "empty.csv",
            "big.bin",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verify_stored(&emulator, dir.path(), &json).len(), 252);
    let stats = emulator.stats();
    assert_eq!(
        (stats.presign_requests, stats.max_files_in_one_request),
        (3, 100)
    );
    assert_eq!(stats.chunked_puts_refused, 0);
    assert_eq!(emulator.objects().len(), 252);
}

fn faulty() -> EmulatorConfig {
    EmulatorConfig {
        faults: Faults {
            seed: 7,
            presign_429_rate: 0.15,
            presign_503_rate: 0.15,
            put_reset_rate: 0.10,
            retry_after: Duration::ZERO,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_soak_every_file_is_stored_exactly_once() {
    let emulator = emulator(faulty()).await;
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 300);
    let run = aymara(
        &emulator,
        Some(KEY),
        dir.path(),
        &["files", "upload", "--json", "-r", "set"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verify_stored(&emulator, dir.path(), &json).len(), 300);
    assert_eq!(
        emulator.objects().len(),
        300,
        "nothing extra stored by a reset attempt"
    );
    let faults = emulator.stats().faults;
    assert!(faults.put_reset > 10, "{faults:?}");
    assert!(faults.presign_429 + faults.presign_503 > 0, "{faults:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_failures_are_per_file_and_a_rerun_of_them_completes_the_set() {
    let emulator = emulator(faulty()).await;
    let dir = tempfile::tempdir().unwrap();
    let all = many_files(dir.path(), 300);
    let run = aymara(
        &emulator,
        Some(KEY),
        dir.path(),
        &[
            "files",
            "upload",
            "--json",
            "--max-retries",
            "0",
            "-r",
            "set",
        ],
    )
    .await;
    assert_eq!(run.code, 1);
    let first: Value = serde_json::from_str(&run.stdout).unwrap();
    let failed: Vec<String> = first["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["local_file_path"].as_str().unwrap().to_string())
        .collect();
    assert!(!failed.is_empty());
    assert_eq!(first["files"].as_array().unwrap().len() + failed.len(), 300);
    assert!(
        !run.stderr.is_empty() && run.stderr.lines().all(|l| l.starts_with("error: ")),
        "{}",
        run.stderr
    );

    let mut args = vec!["files", "upload", "--json"];
    args.extend(failed.iter().map(String::as_str));
    let rerun = aymara(&emulator, Some(KEY), dir.path(), &args).await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let second: Value = serde_json::from_str(&rerun.stdout).unwrap();
    let mut done = verify_stored(&emulator, dir.path(), &first);
    done.extend(verify_stored(&emulator, dir.path(), &second));
    done.sort();
    assert_eq!(done, all);
    assert_eq!(emulator.objects().len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_exit_code_and_one_clear_line() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let expiring = emulator_with_ttl_zero().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("data/empty")).unwrap();
    std::fs::write(root.join("data/ok.csv"), "a\n").unwrap();

    struct Case<'a> {
        name: &'a str,
        server: &'a Emulator,
        key: &'a str,
        args: Vec<&'a str>,
        code: i32,
        line: &'a str,
    }
    let cases = [
        Case {
            name: "missing path",
            server: &emulator,
            key: KEY,
            args: vec!["files", "upload", "data/nope.csv"],
            code: 2,
            line: "error: data/nope.csv: no such file or directory",
        },
        Case {
            name: "directory without --recursive",
            server: &emulator,
            key: KEY,
            args: vec!["files", "upload", "data"],
            code: 2,
            line: "error: data: is a directory (use --recursive to upload its files)",
        },
        Case {
            name: "empty directory",
            server: &emulator,
            key: KEY,
            args: vec!["files", "upload", "-r", "data/empty"],
            code: 2,
            line: "error: data/empty: directory contains no files",
        },
        Case {
            name: "bad key",
            server: &emulator,
            key: "wrong-key",
            args: vec!["files", "upload", "data/ok.csv"],
            code: 1,
            line: "error: data/ok.csv: API error 401 Unauthorized auth.invalid_key: missing or invalid API key in the x-api-key header (request id req_",
        },
        Case {
            name: "base URL neither https nor loopback",
            server: &emulator,
            key: KEY,
            args: vec![
                "files",
                "upload",
                "--base-url",
                "http://files.example.com",
                "data/ok.csv",
            ],
            code: 2,
            line: "error: base URL must use https (plain http is allowed only to localhost): http://files.example.com/",
        },
        Case {
            name: "invalid workspace uuid",
            server: &emulator,
            key: KEY,
            args: vec![
                "files",
                "upload",
                "--workspace",
                "not-a-uuid",
                "data/ok.csv",
            ],
            code: 1,
            line: "error: data/ok.csv: API error 422 Unprocessable Entity validation.invalid_request: workspace_uuid must be a UUID (request id req_",
        },
        Case {
            name: "presigned URL expired before the PUT",
            server: &expiring,
            key: KEY,
            args: vec!["files", "upload", "data/ok.csv"],
            code: 1,
            line: "error: data/ok.csv: storage refused PUT http://127.0.0.1:",
        },
    ];
    for case in cases {
        let run = aymara(case.server, Some(case.key), root, &case.args).await;
        assert_eq!(run.code, case.code, "{}: {}", case.name, run.stderr);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}: {}", case.name, run.stderr);
        assert!(
            lines[0].starts_with(case.line),
            "{}: {}",
            case.name,
            lines[0]
        );
        if case.name.starts_with("presigned") {
            assert!(
                lines[0].ends_with("?<redacted>: 403 Forbidden AccessDenied: Request has expired"),
                "{}",
                lines[0]
            );
        }
    }
    assert!(emulator.objects().is_empty() && expiring.objects().is_empty());
}

async fn emulator_with_ttl_zero() -> TestEmulator {
    emulator(EmulatorConfig {
        url_ttl: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_is_a_usage_error_and_nothing_is_uploaded() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ok.csv"), "a\n").unwrap();
    let locked = root.join("locked.csv");
    std::fs::write(&locked, "secret\n").unwrap();
    set_mode(&locked, 0o000);
    set_mode(root, 0o755);
    set_mode(&root.join("ok.csv"), 0o644);
    // Root reads anything: run the CLI as an unprivileged user there.
    let run = AYMARA
        .run_unprivileged(Invocation {
            base_url: emulator.base_url(),
            key: Some(KEY),
            dir: root,
            // The working directory is not writable for that user: no journal there.
            args: &["files", "upload", "--no-journal", "ok.csv", "locked.csv"],
            rust_log: None,
        })
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "error: locked.csv: Permission denied (os error 13)"
    );
    assert_eq!(run.stdout, "");
    assert!(emulator.objects().is_empty());
    assert_eq!(emulator.stats().presign_requests, 0, "no request at all");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs the CLI as the README does: `--local`, no key, no network.
async fn local(dir: &Path, args: &[&str]) -> Run {
    let run = AYMARA
        .run(Invocation {
            base_url: "https://unreachable.invalid",
            key: None,
            dir,
            args,
            rust_log: None,
        })
        .await;
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_commands_upload_locally_twice_then_list_and_get_every_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let samples = workspace_root().join("examples/data");
    copy_tree(&samples, &dir.path().join("examples/data"), &[]);
    let upload = ["files", "upload", "--local", "--recursive", "examples/data"];
    let first = local(dir.path(), &upload).await;
    assert!(
        first.stdout.starts_with("Uploaded 4 of 4 files"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("Stored by the local emulator under .aymara/local/"),
        "{}",
        first.stdout
    );
    let again = local(dir.path(), &upload).await;
    assert!(
        again
            .stdout
            .starts_with("Uploaded 0 of 4 files (0 B), 4 skipped (already uploaded)"),
        "{}",
        again.stdout
    );

    // The emulator remembers what the journal says is uploaded: each file once.
    let human = local(dir.path(), &["files", "list", "--local"]).await;
    assert_eq!(human.stdout.lines().count(), 1 + 4, "{}", human.stdout);
    let listed: Value = serde_json::from_str(
        &local(dir.path(), &["files", "list", "--local", "--json"])
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(listed["count"], 4);
    let files = listed["files"].as_array().unwrap();
    let mut names: Vec<&str> = files
        .iter()
        .map(|f| {
            f["remote_file_path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    names.sort_unstable();
    let originals: HashMap<String, PathBuf> = files_under(&samples)
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    let mut expected: Vec<&str> = originals.keys().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);

    let bucket = dir.path().join(".aymara/local").join(DEFAULT_BUCKET);
    for file in files {
        let uuid = file["file_uuid"].as_str().unwrap();
        let got = local(dir.path(), &["files", "get", "--local", "--json", uuid]).await;
        let got: Value = serde_json::from_str(&got.stdout).unwrap();
        assert_eq!(got["file_uuid"], uuid);
        assert_eq!(got["file_size_bytes"], file["file_size_bytes"]);
        let remote = file["remote_file_path"].as_str().unwrap();
        let name = remote.rsplit('/').next().unwrap();
        assert_eq!(
            sha256_file(bucket.join(remote)),
            sha256_file(&originals[name]),
            "{name}"
        );
    }
    assert_eq!(files_under(&bucket).len(), 4);

    // A dry run finds the same journal without starting the emulator; once the state is
    // removed, the journal of the old state no longer skips anything.
    let mut dry = upload.to_vec();
    dry.push("--dry-run");
    let planned = local(dir.path(), &dry).await;
    assert!(
        planned
            .stdout
            .ends_with("Dry run: 0 to upload (0 B), 4 skipped, 0 refused; nothing was sent\n"),
        "{}",
        planned.stdout
    );
    std::fs::remove_dir_all(dir.path().join(".aymara/local")).unwrap();
    let planned = local(dir.path(), &dry).await;
    assert!(
        planned.stdout.contains("Dry run: 4 to upload"),
        "{}",
        planned.stdout
    );
    assert!(
        !dir.path().join(".aymara/local").exists(),
        "a dry run starts nothing"
    );
    let afresh = local(dir.path(), &upload).await;
    assert!(
        afresh.stdout.starts_with("Uploaded 4 of 4 files"),
        "{}",
        afresh.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_url_serves_and_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let mut serve = Command::new(AYMARA.path())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            KEY,
            "--data-dir",
        ])
        .arg(dir.path().join("store"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(serve.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    std::fs::write(dir.path().join("a.csv"), "x,y\n").unwrap();
    let run = AYMARA
        .run(Invocation {
            base_url: &url,
            key: Some(KEY),
            dir: dir.path(),
            args: &["files", "upload", "--json", "a.csv"],
            rust_log: None,
        })
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let remote = json["files"][0]["remote_file_path"].as_str().unwrap();
    let stored = dir
        .path()
        .join("store")
        .join(aymara_emulator::DEFAULT_BUCKET)
        .join(remote);
    assert_eq!(std::fs::read(stored).unwrap(), b"x,y\n");

    let interrupted = Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || serve.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    assert!(String::from_utf8_lossy(&status.stderr).contains("Aymara emulator stopped"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_ephemeral_keeps_nothing_from_one_run_to_the_next() {
    use aymara_test_support::{Announces, ServerProcess};
    use std::process::Command;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "x,y\n").unwrap();
    let start = || {
        let mut command = Command::new(AYMARA.path());
        command
            .args([
                "serve",
                "--ephemeral",
                "--addr",
                "127.0.0.1:0",
                "--api-key",
                KEY,
            ])
            .current_dir(dir.path());
        ServerProcess::start(command, Announces::OnStdout, |line| {
            Some(line.trim().to_owned())
        })
    };
    let count = |serve: &ServerProcess| {
        let url = serve.url().to_owned();
        let dir = dir.path().to_path_buf();
        async move {
            let run = AYMARA
                .run(Invocation {
                    base_url: &url,
                    key: Some(KEY),
                    dir: &dir,
                    args: &["files", "list", "--json"],
                    rust_log: None,
                })
                .await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            serde_json::from_str::<Value>(&run.stdout).unwrap()["count"].clone()
        }
    };
    let serve = start();
    let upload = AYMARA
        .run(Invocation {
            base_url: serve.url(),
            key: Some(KEY),
            dir: dir.path(),
            args: &["files", "upload", "--no-journal", "a.csv"],
            rust_log: None,
        })
        .await;
    assert_eq!(upload.code, 0, "{}", upload.stderr);
    assert_eq!(count(&serve).await, 1);
    drop(serve);
    let serve = start();
    assert_eq!(count(&serve).await, 0, "a blank slate");
    assert!(
        !dir.path().join(".aymara/local").exists(),
        "no data directory"
    );
}
