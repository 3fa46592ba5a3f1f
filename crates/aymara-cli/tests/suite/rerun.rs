//! `aymara files upload` run again: the journal skips what is stored, `kill -9` and Ctrl-C
//! lose nothing, `--dry-run` sends nothing, filters choose files, `--ndjson` streams.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::cli::{Invocation, Run};
use serde_json::Value;

use crate::serving::{self, Serve, Uploading, signal};
use crate::{AYMARA, many_files, paths_of};

const KEY: &str = "rerun-key";

async fn aymara(base_url: &str, key: Option<&str>, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url,
            key,
            dir,
            args,
            rust_log: None,
        })
        .await
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn journal_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join(".aymara/journal")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_uploads_only_what_is_missing_and_says_what_it_skipped() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let url = emulator.base_url();
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 12);
    let args = ["files", "upload", "--json", "-r", "set"];
    let first = aymara(url, Some(KEY), dir.path(), &args).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first = json(&first);
    assert_eq!(first["files"].as_array().unwrap().len(), 12);
    let journals = journal_files(dir.path());
    assert_eq!(journals.len(), 1, "{journals:?}");
    let text = std::fs::read_to_string(&journals[0]).unwrap();
    assert_eq!(text.lines().count(), 12);
    assert!(!text.contains(KEY) && !text.contains("Signature"), "{text}");

    let puts = emulator.stats().put_requests;
    let again = aymara(url, Some(KEY), dir.path(), &args).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again = json(&again);
    assert_eq!(again["files"], serde_json::json!([]));
    let skipped = again["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 12);
    let uuids = |list: &Value| -> HashMap<String, String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["local_file_path"].as_str().unwrap().to_owned();
                (path, f["file_uuid"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    assert_eq!(uuids(&again["skipped"]), uuids(&first["files"]));
    assert_eq!(emulator.stats().put_requests, puts, "nothing sent again");

    std::fs::write(dir.path().join("set/new.csv"), "a,b\n").unwrap();
    let human = aymara(
        url,
        Some(KEY),
        dir.path(),
        &["files", "upload", "-r", "set"],
    )
    .await;
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human
            .stdout
            .starts_with("Uploaded 1 of 13 files (4 B), 12 skipped (already uploaded) in "),
        "{}",
        human.stdout
    );
    assert_eq!(emulator.stats().put_requests, puts + 1);

    let forced = aymara(
        url,
        Some(KEY),
        dir.path(),
        &["files", "upload", "--json", "--force", "-r", "set"],
    )
    .await;
    assert_eq!(json(&forced)["files"].as_array().unwrap().len(), 13);
    let elsewhere = aymara(
        url,
        Some(KEY),
        dir.path(),
        &[
            "files",
            "upload",
            "--json",
            "--workspace",
            "0b5c3f5e-1c1d-4c1e-9c0a-4d6e8f0a1b2c",
            "-r",
            "set",
        ],
    )
    .await;
    let elsewhere = json(&elsewhere);
    assert_eq!(
        elsewhere["files"].as_array().unwrap().len(),
        13,
        "another workspace has a journal of its own"
    );
    assert_eq!(journal_files(dir.path()).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_in_use_or_torn_is_said_so_in_one_line() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let url = emulator.base_url();
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 3);
    let journal = dir.path().join("j.jsonl");
    let args = ["files", "upload", "--journal", "j.jsonl", "-r", "set"];
    let held = aymara::FileJournal::open(&journal).unwrap();
    let refused = aymara(url, Some(KEY), dir.path(), &args).await;
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr.trim_end(),
        "error: j.jsonl: the upload journal is in use by another upload (it is locked); \
         wait for it to end, or pass --journal FILE or --no-journal"
    );
    assert_eq!(emulator.stats().presign_requests, 0);
    drop(held);

    let first = aymara(url, Some(KEY), dir.path(), &args).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.truncate(bytes.len() - 10);
    std::fs::write(&journal, bytes).unwrap();
    let torn = aymara(url, Some(KEY), dir.path(), &args).await;
    assert_eq!(torn.code, 0, "{}", torn.stderr);
    assert_eq!(
        torn.stderr.trim_end(),
        "warning: j.jsonl: line 3 is incomplete (an upload was stopped while writing it); ignored"
    );
    assert!(
        torn.stdout.starts_with("Uploaded 1 of 3 files"),
        "{}",
        torn.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_sends_nothing_needs_no_key_and_says_what_would_happen() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let url = emulator.base_url();
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 3);
    let first = aymara(
        url,
        Some(KEY),
        dir.path(),
        &["files", "upload", "set/item-0000.jsonl"],
    )
    .await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let stats = emulator.stats();

    let dry = ["files", "upload", "--dry-run", "-r", "set"];
    let run = aymara(url, None, dir.path(), &dry).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("skip    set/item-0000.jsonl (stored as "),
        "{}",
        run.stdout
    );
    assert_eq!(
        lines[1],
        "upload  set/item-0001.jsonl (20 B, application/octet-stream)"
    );
    assert_eq!(
        lines[3],
        "Dry run: 2 to upload (50 B), 1 skipped, 0 refused; nothing was sent"
    );

    let fifo = dir.path().join("set/pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut json_args = dry.to_vec();
    json_args.push("--json");
    let run = aymara(url, None, dir.path(), &json_args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "error: 1 of 4 paths cannot be uploaded"
    );
    let plan = json(&run);
    assert_eq!(
        paths_of(&plan["upload"]),
        ["set/item-0001.jsonl", "set/item-0002.jsonl"]
    );
    assert_eq!(paths_of(&plan["skip"]), ["set/item-0000.jsonl"]);
    assert_eq!(
        plan["refuse"][0]["error"],
        "set/pipe: is not a regular file (a FIFO)"
    );
    std::fs::remove_file(&fifo).unwrap();

    let mut ndjson_args = dry.to_vec();
    ndjson_args.push("--ndjson");
    let run = aymara(url, None, dir.path(), &ndjson_args).await;
    let records: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = records[..3]
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["skip", "upload", "upload"]);
    assert_eq!(
        records[3]["summary"],
        serde_json::json!({"upload": 2, "skip": 1, "refuse": 0, "bytes": 50})
    );

    // --local starts no emulator for a dry run.
    let local = aymara(
        url,
        None,
        dir.path(),
        &["files", "upload", "--dry-run", "--local", "-r", "set"],
    )
    .await;
    assert_eq!(local.code, 0, "{}", local.stderr);
    assert!(!dir.path().join(".aymara/local").exists());
    assert_eq!(emulator.stats(), stats, "no request at all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_exclude_and_hidden_choose_files_under_directories() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "data/a.csv",
        "data/b.jsonl",
        "data/draft-c.csv",
        "data/sub/d.csv",
        "data/.cache/e.csv",
        "data/.f.csv",
    ] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "x\n").unwrap();
    }
    let run = |extra: &'static [&'static str]| {
        let mut args = vec!["files", "upload", "--dry-run", "--json", "-r"];
        args.extend(extra);
        args.push("data");
        let dir = dir.path().to_path_buf();
        let url = emulator.base_url().to_owned();
        async move {
            let run = aymara(&url, None, &dir, &args).await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            paths_of(&json(&run)["upload"])
        }
    };
    assert_eq!(
        run(&[]).await,
        [
            "data/a.csv",
            "data/b.jsonl",
            "data/draft-c.csv",
            "data/sub/d.csv"
        ]
    );
    assert_eq!(
        run(&["--include", "*.csv", "--exclude", "draft-*"]).await,
        ["data/a.csv", "data/sub/d.csv"]
    );
    assert_eq!(
        run(&["--include", "*.csv", "--hidden"]).await,
        [
            "data/.cache/e.csv",
            "data/.f.csv",
            "data/a.csv",
            "data/draft-c.csv",
            "data/sub/d.csv"
        ]
    );
    let bad = aymara(
        emulator.base_url(),
        None,
        dir.path(),
        &["files", "upload", "-r", "--include", "[x", "data"],
    )
    .await;
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.starts_with("error: --include \"[x\": "),
        "{}",
        bad.stderr
    );
}

#[test]
fn after_kill_9_mid_run_a_rerun_stores_every_file_with_at_most_concurrency_duplicates() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(
        &dir.path().join("store"),
        &["--store-latency-ms", "20"],
        &[],
    );
    many_files(dir.path(), 300);
    let upload = ["files", "upload", "--concurrency", "4", "-r", "set"];
    let mut streaming = upload.to_vec();
    streaming.push("--ndjson");

    let mut first = Uploading::start(&serve, dir.path(), &streaming);
    first.until_uploaded(20);
    signal(&first.child, "-KILL");
    let status = first.child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "killed mid-run, not finished: {status:?}"
    );
    let journal = journal_files(dir.path());
    let recorded = std::fs::read_to_string(&journal[0])
        .unwrap()
        .lines()
        .count();
    assert!((20..300).contains(&recorded), "{recorded}");

    let mut json = upload.to_vec();
    json.push("--json");
    let rerun = AYMARA
        .command(&Invocation {
            base_url: serve.url(),
            key: Some(serving::KEY),
            dir: dir.path(),
            args: &json,
            rust_log: None,
        })
        .output()
        .unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let report: Value = serde_json::from_slice(&rerun.stdout).unwrap();
    let skipped = report["skipped"].as_array().unwrap().len();
    assert!(
        skipped >= recorded,
        "{skipped} skipped, {recorded} recorded"
    );
    assert_eq!(skipped + report["files"].as_array().unwrap().len(), 300);

    let stored = serve.stored();
    assert_eq!(stored.len(), 300, "every file is stored");
    let duplicates: usize = stored.values().map(|n| n - 1).sum();
    assert!(duplicates <= 4, "{duplicates} files stored twice");
}

#[test]
fn ctrl_c_finishes_transfers_in_flight_exits_130_and_a_rerun_sends_no_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(
        &dir.path().join("store"),
        &["--store-latency-ms", "20"],
        &[],
    );
    many_files(dir.path(), 200);
    let upload = [
        "files",
        "upload",
        "--concurrency",
        "4",
        "--ndjson",
        "-r",
        "set",
    ];

    let mut first = Uploading::start(&serve, dir.path(), &upload);
    first.until_uploaded(10);
    signal(&first.child, "-INT");
    let rest: Vec<Value> = first
        .lines
        .by_ref()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let status = first.child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let summary = &rest.last().unwrap()["summary"];
    let uploaded = summary["uploaded"].as_u64().unwrap() as usize;
    assert!(summary["cancelled"].as_u64().unwrap() > 0, "{summary}");
    let journal = journal_files(dir.path());
    let recorded = std::fs::read_to_string(&journal[0])
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        recorded, uploaded,
        "every file reported uploaded is in the journal"
    );
    assert_eq!(serve.stored().len(), uploaded, "and every file stored");

    let mut rerun = Uploading::start(&serve, dir.path(), &upload);
    let records: Vec<Value> = rerun
        .lines
        .by_ref()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(rerun.child.wait().unwrap().success());
    let summary = &records.last().unwrap()["summary"];
    assert_eq!(summary["skipped"], uploaded);
    assert_eq!(summary["uploaded"], 200 - uploaded);
    let stored = serve.stored();
    assert_eq!(stored.len(), 200);
    assert!(stored.values().all(|n| *n == 1), "no file stored twice");
}
