//! `aymara serve` killed with `kill -9` and started again on its data directory: what it
//! answered before is still true, a kill at any step of storing an object leaves only
//! whole objects that records account for, and a second emulator, or a damaged database,
//! is refused in one line.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use aymara_emulator::{KILL_AT_VAR, STATE_FILE};
use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::{files_under, sha256_file, sha256_hex};
use serde_json::Value;

use crate::serving::{KEY, Serve, Uploading, signal};
use crate::{AYMARA, many_files};

async fn aymara(serve: &Serve, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: serve.url(),
            key: Some(KEY),
            dir,
            args,
            rust_log: None,
        })
        .await
}

/// Runs the command, which must succeed, and reads its JSON.
async fn json(serve: &Serve, dir: &Path, args: &[&str]) -> Value {
    let run = aymara(serve, dir, args).await;
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn killed(status: std::process::ExitStatus) {
    assert_eq!(status.signal(), Some(9), "killed, not exited: {status:?}");
}

/// Every file's processing status, by uuid, from `files status --json`.
async fn statuses(serve: &Serve, dir: &Path, uuids: &[&str]) -> HashMap<String, String> {
    let mut args = vec!["files", "status", "--json"];
    args.extend(uuids);
    let report = json(serve, dir, &args).await;
    assert_eq!(report["failed"], serde_json::json!([]));
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let uuid = f["file_uuid"].as_str().unwrap().to_owned();
            (uuid, f["processing_status"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// The uploaded local files, by the object name the store gives them.
fn local_files(dir: &Path) -> HashMap<String, PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| !p.strip_prefix(dir).unwrap().starts_with(".aymara"))
        .filter(|p| !p.strip_prefix(dir).unwrap().starts_with("state"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_a_restarted_serve_has_every_file_and_accepts_urls_from_before() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let serve = Serve::start(&data, &[], &[]);
    many_files(dir.path(), 49);
    std::fs::write(dir.path().join("late.csv"), "sent,after\n").unwrap();
    let uploaded = json(
        &serve,
        dir.path(),
        &["files", "upload", "--json", "-r", "set"],
    )
    .await;
    assert_eq!(uploaded["files"].as_array().unwrap().len(), 49);
    let created = json(
        &serve,
        dir.path(),
        &["files", "create", "--json", "late.csv"],
    )
    .await;
    let put_url = created["files"][0]["file_url"].as_str().unwrap().to_owned();
    let first = uploaded["files"][0]["file_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let download = json(&serve, dir.path(), &["files", "get", "--json", &first]).await;
    let download = download["file_url"].as_str().unwrap().to_owned();
    let addr = serve.addr();
    killed(serve.kill_9());

    let serve = Serve::restart(&data, &addr);
    assert_eq!(serve.said(), Vec::<String>::new(), "nothing to recover");
    // URLs presigned before the restart: the upload stores, the download serves.
    let client = reqwest::Client::new();
    let put = client
        .put(&put_url)
        .body("sent,after\n")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let got = client.get(&download).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let local = local_files(dir.path());
    let name = uploaded["files"][0]["local_file_path"].as_str().unwrap();
    assert_eq!(
        sha256_hex(got.bytes().await.unwrap()),
        sha256_file(dir.path().join(name))
    );

    let list = json(&serve, dir.path(), &["files", "list", "--json"]).await;
    assert_eq!(list["count"], 50);
    let files = list["files"].as_array().unwrap();
    assert_eq!(files.len(), 50);
    let uuids: Vec<&str> = files
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap())
        .collect();
    let status = statuses(&serve, dir.path(), &uuids).await;
    for file in files {
        let uuid = file["file_uuid"].as_str().unwrap();
        assert_eq!(status[uuid], "completed", "{file}");
        let detail = json(&serve, dir.path(), &["files", "get", "--json", uuid]).await;
        assert_eq!(detail["file_size_bytes"], file["file_size_bytes"]);
        let remote = file["remote_file_path"].as_str().unwrap();
        let name = remote.rsplit('/').next().unwrap();
        assert_eq!(
            sha256_file(serve.objects_dir().join(remote)),
            sha256_file(&local[name]),
            "{name}"
        );
    }
}

#[test]
fn kill_9_mid_upload_of_2000_files_leaves_whole_objects_only_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let serve = Serve::start(&data, &["--store-latency-ms", "5"], &[]);
    many_files(dir.path(), 2000);
    let upload = ["files", "upload", "--ndjson", "-r", "set"];
    let mut first = Uploading::start(&serve, dir.path(), &upload);
    first.until_uploaded(300);
    let addr = serve.addr();
    killed(serve.kill_9());
    signal(&first.child, "-KILL");
    first.child.wait().unwrap();

    let serve = Serve::restart(&data, &addr);
    assert_eq!(
        files_under(&data.join(".parts")),
        Vec::<PathBuf>::new(),
        "no partial body is left"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let list = runtime.block_on(json(&serve, dir.path(), &["files", "list", "--json"]));
    let files = list["files"].as_array().unwrap();
    assert!(files.len() >= 300, "{}", files.len());
    let uuids: Vec<&str> = files
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap())
        .collect();
    let status = runtime.block_on(statuses(&serve, dir.path(), &uuids));
    let local = local_files(dir.path());
    let mut stored = 0;
    for file in files {
        let remote = file["remote_file_path"].as_str().unwrap();
        let object = serve.objects_dir().join(remote);
        let name = remote.rsplit('/').next().unwrap();
        match status[file["file_uuid"].as_str().unwrap()].as_str() {
            "pending" => assert!(!object.exists(), "{remote}: no record claims it"),
            "completed" => {
                assert_eq!(sha256_file(&object), sha256_file(&local[name]), "{name}");
                stored += 1;
            }
            other => panic!("{remote}: {other}"),
        }
    }
    assert!((300..2000).contains(&stored), "{stored}");
    assert_eq!(files_under(&serve.objects_dir()).len(), stored, "no orphan");

    let mut rerun = upload.to_vec();
    rerun[2] = "--json";
    let report = runtime.block_on(json(&serve, dir.path(), &rerun));
    let done =
        report["files"].as_array().unwrap().len() + report["skipped"].as_array().unwrap().len();
    assert_eq!(done, 2000);
    let names = serve.stored();
    assert_eq!(names.len(), 2000, "every file is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_each_step_of_storing_an_object_leaves_it_whole_or_absent_then_it_stores() {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("big.bin"), &body).unwrap();
    let sha256 = sha256_hex(&body);
    let client = reqwest::Client::new();
    // Where the emulator kills itself (see aymara_emulator's `kill` module), the file's
    // status after a restart, and what the restart says it cleaned up.
    for (point, after, recovered) in [
        ("mid-body", "pending", Some("removed 1 partial body")),
        ("body-received", "pending", Some("removed 1 partial body")),
        ("landing-noted", "pending", Some("removed 1 partial body")),
        (
            "renamed",
            "completed",
            Some("recorded the object already in place of file"),
        ),
        ("recorded", "completed", None),
    ] {
        let data = dir.path().join("state").join(point);
        let serve = Serve::start(&data, &[], &[(KILL_AT_VAR, point)]);
        let created = json(
            &serve,
            dir.path(),
            &["files", "create", "--json", "big.bin"],
        )
        .await;
        let file = &created["files"][0];
        let url = file["file_url"].as_str().unwrap();
        let uuid = file["file_uuid"].as_str().unwrap();
        let remote = file["remote_file_path"].as_str().unwrap();
        let put = client.put(url).body(body.clone()).send().await;
        assert!(put.is_err(), "{point}: died before answering: {put:?}");
        let addr = serve.addr();
        killed(serve.wait());

        let serve = Serve::restart(&data, &addr);
        let said = serve.said();
        match recovered {
            Some(text) => {
                let start = format!("warning: {}: ", data.display());
                assert!(
                    said[0].starts_with(&start) && said[0].contains(text),
                    "{point}: {said:?}"
                );
                assert_eq!(said.len(), 1, "{point}: one line: {said:?}");
            }
            None => assert_eq!(said, Vec::<String>::new(), "{point}"),
        }
        assert_eq!(files_under(&data.join(".parts")), Vec::<PathBuf>::new());
        let object = serve.objects_dir().join(remote);
        assert_eq!(
            statuses(&serve, dir.path(), &[uuid]).await[uuid],
            after,
            "{point}"
        );
        match after {
            "completed" => assert_eq!(sha256_file(&object), sha256, "{point}"),
            _ => assert!(!object.exists(), "{point}: no record claims it"),
        }

        let again = client.put(url).body(body.clone()).send().await.unwrap();
        assert_eq!(again.status(), 200, "{point}");
        assert_eq!(
            statuses(&serve, dir.path(), &[uuid]).await[uuid],
            "completed"
        );
        assert_eq!(sha256_file(&object), sha256, "{point}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_and_a_second_emulator_are_each_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    let database = garbage.join(STATE_FILE);
    std::fs::write(&database, b"not a database, and never one\n".repeat(200)).unwrap();
    let bytes = std::fs::read(&database).unwrap();
    let refusal = |what: &str, why: String| format!("error: cannot start {what}: {why}\n");
    let damaged = format!(
        "{} is damaged or not a database (file is not a database); it was left as it is: \
         move it away to start afresh, or use another data directory",
        database.display()
    );

    let run = |args: Vec<String>| {
        let dir = dir.path().to_path_buf();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            AYMARA
                .run(Invocation {
                    base_url: "https://unreachable.invalid",
                    key: Some(KEY),
                    dir: &dir,
                    args: &args,
                    rust_log: None,
                })
                .await
        }
    };
    let serve_args = |data: &Path| -> Vec<String> {
        let data = data.display().to_string();
        ["serve", "--addr", "127.0.0.1:0", "--data-dir", &data]
            .map(str::to_owned)
            .to_vec()
    };
    let local_args = |data: &Path| -> Vec<String> {
        let data = data.display().to_string();
        ["files", "list", "--local", "--data-dir", &data]
            .map(str::to_owned)
            .to_vec()
    };

    let served = run(serve_args(&garbage)).await;
    assert_eq!(
        (served.code, served.stderr.as_str(), served.stdout.as_str()),
        (2, refusal("the emulator", damaged.clone()).as_str(), "")
    );
    let local = run(local_args(&garbage)).await;
    assert_eq!(
        (local.code, local.stderr.as_str()),
        (2, refusal("the local emulator", damaged).as_str())
    );
    assert_eq!(std::fs::read(&database).unwrap(), bytes, "left as it is");

    let data = dir.path().join("state");
    let serve = Serve::start(&data, &[], &[]);
    let in_use = format!(
        "the data directory {} is in use by another emulator (an `aymara serve`, or a command \
         with --local); stop it, or use another data directory",
        data.display()
    );
    let second = run(serve_args(&data)).await;
    assert_eq!(
        (second.code, second.stderr.as_str(), second.stdout.as_str()),
        (2, refusal("the emulator", in_use.clone()).as_str(), "")
    );
    let local = run(local_args(&data)).await;
    assert_eq!(
        (local.code, local.stderr.as_str()),
        (2, refusal("the local emulator", in_use).as_str())
    );
    let list = json(&serve, dir.path(), &["files", "list", "--json"]).await;
    assert_eq!(list["count"], 0, "the first one serves on");
}
