//! State in a data directory: what an emulator answered is still true after a restart,
//! the directory is used by one emulator at a time, a database that cannot be trusted is
//! refused and left as it is, and a start cleans up after a kill. (Real `kill -9`s of
//! `aymara serve` are in the CLI's tests.)

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig, STATE_FILE};
use aymara_test_support::{files_under, sha256_hex};
use serde_json::{Value, json};

use crate::common::*;

fn persistent(dir: &Path) -> EmulatorConfig {
    EmulatorConfig {
        video_processing: Duration::from_secs(3600),
        ..EmulatorConfig::persistent(dir)
    }
}

/// The same data directory, on the same address: presigned URLs name their host.
fn again(dir: &Path, addr: SocketAddr) -> EmulatorConfig {
    EmulatorConfig {
        addr,
        ..persistent(dir)
    }
}

/// What a client can see of a file, for comparing before and after a restart.
async fn seen(emulator: &Emulator, uuid: &str) -> (Value, Value) {
    let detail = without_url(get(emulator, &format!("/v2/files/{uuid}")).await);
    let status = get(emulator, &format!("/v2/files/{uuid}/status")).await;
    (detail, status)
}

/// Every list item, each without its download URL: a fresh one each time (the URLs from
/// before a restart are checked by using them).
async fn listed(emulator: &Emulator) -> Vec<Value> {
    let list = get(emulator, "/v2/files").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(without_url)
        .collect()
}

fn without_url(mut detail: Value) -> Value {
    detail.as_object_mut().unwrap().remove("file_url");
    detail
}

#[tokio::test(start_paused = true)]
async fn a_restart_answers_what_the_emulator_answered_before() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(persistent(dir.path())).await;
    let items = create(
        &first,
        json!([
            {"local_file_path": "a.csv"},
            {"local_file_path": "clip.mp4"},
            {"local_file_path": "never-sent.txt"},
            {"local_file_path": "gone.txt"},
            {"local_file_path": "later.txt"},
        ]),
    )
    .await;
    put(&items[0], "a,b\n").await;
    put(&items[1], vec![9u8; 100_000]).await;
    let gone = uuid_of(&items[3]);
    let (status, _, _) = call(
        &first,
        reqwest::Method::DELETE,
        &format!("/v2/files/{gone}"),
    )
    .await;
    assert_eq!(status, 204);
    let download = get(&first, &format!("/v2/files/{}", uuid_of(&items[0]))).await["file_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = listed(&first).await;
    assert_eq!(list.len(), 4);
    let mut before = Vec::new();
    for item in &items[..3] {
        before.push(seen(&first, uuid_of(item)).await);
    }
    assert_eq!(before[1].1["processing_status"], "processing");
    let (org, objects) = (first.organization_uuid().to_owned(), first.objects());
    let addr = first.local_addr();
    first.shutdown().await;

    let second = start(again(dir.path(), addr)).await;
    assert!(second.recovery().is_empty(), "{}", second.recovery());
    assert_eq!(second.organization_uuid(), org);
    assert_eq!(second.objects(), objects);
    assert_eq!(listed(&second).await, list);
    for (item, before) in items[..3].iter().zip(&before) {
        assert_eq!(&seen(&second, uuid_of(item)).await, before);
    }
    let (status, _, _) = call(&second, reqwest::Method::GET, &format!("/v2/files/{gone}")).await;
    assert_eq!(status, 404, "still deleted");

    // URLs from before the restart: the download serves the bytes, the upload stores.
    let bytes = client().get(&download).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(bytes.bytes().await.unwrap(), "a,b\n");
    put(&items[4], "late").await;
    assert_eq!(
        second.object(uuid_of(&items[4])).unwrap().sha256,
        sha256_hex(b"late")
    );

    // The video goes on processing where it was, then completes.
    tokio::time::advance(Duration::from_secs(3600)).await;
    let video = get(&second, &format!("/v2/files/{}/status", uuid_of(&items[1]))).await;
    assert_eq!(video["processing_status"], "completed");
    let frames = get(&second, &format!("/v2/files/{}/frames", uuid_of(&items[1]))).await;
    assert_eq!(frames["frame_count"], 2);
    let frame = client()
        .get(frames["frame_urls"][1].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(frame.status(), 200);
    assert!(frame.bytes().await.unwrap().starts_with(b"\x89PNG"));
    second.shutdown().await;
}

#[tokio::test]
async fn a_second_emulator_on_a_data_dir_is_refused_in_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(persistent(dir.path())).await;
    let refused = Emulator::start(persistent(dir.path())).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "the data directory {} is in use by another emulator (an `aymara serve`, or a \
             command with --local); stop it, or use another data directory",
            dir.path().display()
        )
    );
    assert!(first.objects().is_empty(), "the first one goes on");
    first.shutdown().await;
    start(persistent(dir.path())).await.shutdown().await;
}

/// Starts on `dir` expecting a refusal; returns its one line, after checking that the
/// database is as it was and nothing was added beside it.
async fn refused(config: EmulatorConfig) -> String {
    let dir = config.data_dir.clone().unwrap();
    let database = dir.join(STATE_FILE);
    let bytes = std::fs::read(&database).unwrap();
    let error = Emulator::start(config).await.unwrap_err().to_string();
    assert_eq!(std::fs::read(&database).unwrap(), bytes, "left as it is");
    for suffix in ["-wal", "-shm"] {
        assert!(
            !dir.join(format!("{STATE_FILE}{suffix}")).exists(),
            "{suffix}"
        );
    }
    assert!(!error.contains('\n'), "{error}");
    error
}

#[tokio::test]
async fn a_database_that_cannot_be_trusted_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join(STATE_FILE);
    let shown = database.display();

    std::fs::write(&database, vec![0x42; 10_000]).unwrap();
    let error = refused(persistent(dir.path())).await;
    assert!(
        error.starts_with(&format!("{shown} is damaged or not a database (")),
        "{error}"
    );
    assert!(
        error.ends_with(
            "it was left as it is: move it away to start afresh, or use another data directory"
        ),
        "{error}"
    );

    std::fs::remove_file(&database).unwrap();
    let other = rusqlite::Connection::open(&database).unwrap();
    other
        .execute_batch("CREATE TABLE notes (text TEXT);")
        .unwrap();
    drop(other);
    let error = refused(persistent(dir.path())).await;
    assert_eq!(
        error,
        format!(
            "{shown} is a SQLite database, but not the emulator's (application_id 0x0); it was left as it is: use another data directory"
        )
    );

    std::fs::remove_file(&database).unwrap();
    start(persistent(dir.path())).await.shutdown().await;
    let newer = rusqlite::Connection::open(&database).unwrap();
    newer.pragma_update(None, "user_version", 2).unwrap();
    drop(newer);
    let error = refused(persistent(dir.path())).await;
    assert_eq!(
        error,
        format!(
            "{shown} was written by a newer emulator (schema version 2; this one reads up to 1); it was left as it is: upgrade aymara, or use another data directory"
        )
    );

    let newer = rusqlite::Connection::open(&database).unwrap();
    newer.pragma_update(None, "user_version", 1).unwrap();
    drop(newer);
    let error = refused(EmulatorConfig {
        bucket: "another-bucket".into(),
        ..persistent(dir.path())
    })
    .await;
    assert_eq!(
        error,
        format!(
            "{shown} holds the files of the emulator's own store, bucket \"aymara-emulator\", not of the emulator's own store, bucket \"another-bucket\": start the emulator as before, or use another data directory"
        )
    );
    start(persistent(dir.path())).await.shutdown().await;
}

#[tokio::test]
async fn a_start_after_a_kill_removes_parts_and_records_objects_already_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(persistent(dir.path())).await;
    let items = create(
        &first,
        json!([{"local_file_path": "renamed.csv"}, {"local_file_path": "not-renamed.csv"}]),
    )
    .await;
    let (bucket, data_dir) = (first.bucket().to_owned(), first.data_dir().to_path_buf());
    first.shutdown().await;

    // What a kill leaves between the steps of a PUT: a partial body; an object renamed
    // into place but not yet recorded; an object noted as landing but never renamed.
    std::fs::write(data_dir.join(".parts/put-x.part"), b"half").unwrap();
    let renamed = data_dir
        .join(&bucket)
        .join(items[0]["remote_file_path"].as_str().unwrap());
    std::fs::create_dir_all(renamed.parent().unwrap()).unwrap();
    std::fs::write(&renamed, b"x,y\n").unwrap();
    let sql = rusqlite::Connection::open(data_dir.join(STATE_FILE)).unwrap();
    for item in &items {
        sql.execute(
            "INSERT INTO landings VALUES (?1, 'text/csv', 1)",
            [uuid_of(item)],
        )
        .unwrap();
    }
    drop(sql);

    let second = start(persistent(dir.path())).await;
    let recovery = second.recovery();
    assert_eq!(recovery.partial_bodies_removed, 1);
    assert_eq!(recovery.objects_adopted, [uuid_of(&items[0])]);
    assert_eq!(
        files_under(&data_dir.join(".parts")),
        Vec::<std::path::PathBuf>::new()
    );
    let status = |item| {
        let path = format!("/v2/files/{}/status", uuid_of(item));
        let second = &second;
        async move { get(second, &path).await["processing_status"].clone() }
    };
    assert_eq!(status(&items[0]).await, "completed");
    assert_eq!(status(&items[1]).await, "pending");
    let adopted = second.object(uuid_of(&items[0])).unwrap();
    assert_eq!(
        (adopted.size, adopted.sha256.as_str(), adopted.puts),
        (4, sha256_hex(b"x,y\n").as_str(), 1)
    );
    assert_eq!(adopted.path, renamed);
    assert_eq!(second.objects().len(), 1);
    second.shutdown().await;

    let third = start(persistent(dir.path())).await;
    assert!(
        third.recovery().is_empty(),
        "settled once: {}",
        third.recovery()
    );
    third.shutdown().await;
}

#[tokio::test]
async fn an_ephemeral_emulator_writes_no_database_and_starts_blank() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    put(&items[0], "a").await;
    assert_eq!(
        files_under(emulator.data_dir()),
        vec![emulator.object(uuid_of(&items[0])).unwrap().path],
        "only the object"
    );
    let org = emulator.organization_uuid().to_owned();
    emulator.shutdown().await;
    let next = start(EmulatorConfig::ephemeral()).await;
    assert_ne!(next.organization_uuid(), org);
    assert_eq!(get(&next, "/v2/files").await["count"], 0);
}
