//! `files().upload(..)` against the scripted mock: batching, streaming, retries of PUTs,
//! store errors, contract violations and files that change under us.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aymara::{Error, ProgressEvent, UploadOptions};
use aymara_test_support::mock::{Canned, MockServer, ResetStore};
use aymara_test_support::{sha256_hex, write_file};

#[tokio::test]
async fn one_file_and_an_empty_file_are_streamed_with_content_length() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(dir.path(), "prompts.csv", b"a,b\n1,2\n");
    let empty = write_file(dir.path(), "empty.png", b"");
    let report = server
        .client(0)
        .files()
        .upload([&csv, &empty], UploadOptions::new().workspace_uuid("ws-1"))
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.workspace_uuid(), Some("ws-1"));
    let uploaded: Vec<_> = report.uploaded().collect();
    assert_eq!(uploaded[0].local_file_path(), csv.to_str().unwrap());
    assert_eq!(
        (uploaded[0].size_bytes(), uploaded[0].content_type()),
        (8, "text/csv")
    );
    assert_eq!(
        (uploaded[1].size_bytes(), uploaded[1].content_type()),
        (0, "image/png")
    );
    assert!(
        uploaded[0]
            .remote_file_path()
            .unwrap()
            .ends_with("/prompts.csv")
    );

    let presign = &server.presigns()[0].body;
    assert_eq!(presign["workspace_uuid"], "ws-1");
    assert_eq!(presign["files"][0]["content_type"], "text/csv");
    let mut puts = server.puts();
    puts.sort_by_key(|p| p.size);
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0].headers["content-length"], "0");
    assert_eq!(puts[1].headers["content-length"], "8");
    assert_eq!(puts[1].headers["content-type"], "text/csv");
    assert_eq!(puts[1].sha256, sha256_hex(b"a,b\n1,2\n"));
    for put in &puts {
        assert!(put.headers.get("transfer-encoding").is_none());
        assert!(
            put.headers.get("x-api-key").is_none(),
            "the key must not go to the store"
        );
    }
}

#[tokio::test]
async fn a_64_mib_file_is_sent_with_content_length_and_never_chunked() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..64 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let big = write_file(dir.path(), "video.mp4", &bytes);
    let report = server
        .client(0)
        .files()
        .upload([&big], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    let put = &server.puts()[0];
    assert_eq!(
        put.headers["content-length"],
        (64 * 1024 * 1024).to_string().as_str()
    );
    assert!(put.headers.get("transfer-encoding").is_none());
    assert_eq!(put.headers["content-type"], "video/mp4");
    assert_eq!(
        (put.size, put.sha256.clone()),
        (bytes.len() as u64, sha256_hex(&bytes))
    );
}

#[tokio::test]
async fn two_hundred_fifty_files_take_three_presign_batches_and_one_put_each() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..250)
        .map(|i| {
            write_file(
                dir.path(),
                format!("f{i:03}.txt"),
                format!("file {i}").as_bytes(),
            )
        })
        .collect();
    let report = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success());
    let sizes: Vec<usize> = server
        .presigns()
        .iter()
        .map(|c| c.body["files"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    let mut put_ids: Vec<String> = server.puts().into_iter().map(|p| p.file_uuid).collect();
    put_ids.sort();
    put_ids.dedup();
    assert_eq!(put_ids.len(), 250);
    assert_eq!(server.puts().len(), 250);
    let order: Vec<&str> = report.uploaded().map(|f| f.local_file_path()).collect();
    let given: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    assert_eq!(order, given, "outcomes come back in input order");
}

#[tokio::test]
async fn batch_size_is_configurable_and_bounded() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..5)
        .map(|i| write_file(dir.path(), format!("{i}.txt"), b"x"))
        .collect();
    let files = server.client(0);
    files
        .files()
        .upload(&paths, UploadOptions::new().batch_size(2))
        .await
        .unwrap();
    assert_eq!(server.presigns().len(), 3);
    for bad in [0, 101] {
        let err = files
            .files()
            .upload(&paths, UploadOptions::new().batch_size(bad))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }
    let err = files
        .files()
        .upload(&paths, UploadOptions::new().concurrency(0))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "concurrency must be at least 1");
}

#[tokio::test(start_paused = true)]
async fn failed_puts_are_retried_and_a_store_403_is_a_storage_error_without_the_signature() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.jsonl", b"{}\n");
    server.script_put([
        Canned::s3_error(500, "InternalError"),
        Canned::s3_error(503, "SlowDown"),
    ]);
    let report = server
        .client(2)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(server.puts().len(), 3);

    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>"#;
    server.script_put([Canned::raw(403, "application/xml", xml)]);
    let report = server
        .client(2)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().expect("a failure");
    let Error::Storage(storage) = error else {
        panic!("{error:?}")
    };
    assert_eq!(storage.status().as_u16(), 403);
    assert_eq!(storage.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(server.puts().len(), 4, "a 403 is not retried");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(
            !text.contains("secret") && !text.contains("X-Amz-Signature"),
            "{text}"
        );
        assert!(text.contains("<redacted>"), "{text}");
    }
}

#[tokio::test]
async fn connections_reset_mid_body_are_retried() {
    let server = MockServer::start().await;
    let store = ResetStore::start(2).await;
    server.set_store(store.url());
    let dir = tempfile::tempdir().unwrap();
    let bytes = vec![7u8; 3 * 1024 * 1024];
    let file = write_file(dir.path(), "big.bin", &bytes);
    let report = server
        .client(2)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(store.resets(), 2);
    assert_eq!(store.stored().len(), 1);
    assert_eq!(store.stored()[0].1, bytes.len() as u64);
}

#[tokio::test]
async fn a_reset_with_retries_disabled_fails_that_file_as_a_connection_error() {
    let server = MockServer::start().await;
    let store = ResetStore::start(1).await;
    server.set_store(store.url());
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "big.bin", &vec![1u8; 1024 * 1024]);
    let report = server
        .client(0)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().expect("a failure");
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    assert!(!error.to_string().contains("secret"), "{error}");
}

#[tokio::test]
async fn fewer_answers_than_files_fail_the_batch_as_invalid_response() {
    let server = MockServer::start().await;
    server.on_answer(|answer| {
        answer["files"].as_array_mut().unwrap().pop();
    });
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        write_file(dir.path(), "a.txt", b"a"),
        write_file(dir.path(), "b.txt", b"b"),
    ];
    let report = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 2);
    for (_, error) in report.failed() {
        assert_eq!(
            error.to_string(),
            "invalid response from the API to post_files: asked to presign 2 files, got 1 answers"
        );
    }
    assert!(server.puts().is_empty());
}

#[tokio::test]
async fn a_file_whose_size_changes_after_planning_fails_clearly() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "growing.csv", b"a\n");
    let stable = write_file(dir.path(), "stable.csv", b"b\n");
    let target = file.clone();
    let options = UploadOptions::new().observer(move |event: &ProgressEvent<'_>| {
        if let ProgressEvent::Planned { .. } = event {
            std::fs::write(&target, b"a\nb\nc\n").unwrap();
        }
    });
    let report = server
        .client(2)
        .files()
        .upload([&file, &stable], options)
        .await
        .unwrap();
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1);
    let (path, error) = failed[0];
    assert_eq!(path, file.as_path());
    assert!(matches!(error, Error::LocalFile { .. }));
    let line = error.to_string();
    assert!(
        line.contains("growing.csv")
            && line.contains("size changed since planning (was 2 bytes, now 6)"),
        "{line}"
    );
    assert_eq!(server.puts().len(), 1, "only the stable file was sent");
}

#[tokio::test]
async fn bad_paths_fail_the_whole_upload_before_any_network_call_in_input_order() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let good = write_file(dir.path(), "good.csv", b"x");
    let missing = dir.path().join("missing.csv");
    let error = server
        .client(0)
        .files()
        .upload(
            [&missing, &good, &dir.path().to_path_buf()],
            UploadOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Plan(plan) = &error else {
        panic!("{error:?}")
    };
    let found: Vec<(usize, &std::path::Path)> = plan
        .problems()
        .iter()
        .map(|p| (p.index(), p.path()))
        .collect();
    assert_eq!(found, [(0, missing.as_path()), (2, dir.path())]);
    assert!(
        plan.problems()[0]
            .error()
            .to_string()
            .contains("missing.csv")
    );
    assert!(
        error.to_string().starts_with("2 paths cannot be uploaded"),
        "{error}"
    );
    assert!(server.presigns().is_empty() && server.puts().is_empty());
}

#[tokio::test]
async fn an_auth_failure_fails_every_file_without_hammering_the_api() {
    let server = MockServer::start().await;
    server.script_presign((0..5).map(|_| Canned::envelope(401, "auth.invalid_key", "req-auth")));
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..250)
        .map(|i| write_file(dir.path(), format!("{i}.txt"), b"x"))
        .collect();
    let report = server
        .client(2)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 250);
    assert!(
        server.presigns().len() <= 2,
        "{} presign calls",
        server.presigns().len()
    );
    let (_, error) = report.failed().last().unwrap();
    assert_eq!(error.request_id(), Some("req-auth"));
}

#[tokio::test]
async fn progress_events_account_for_every_byte_and_file() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        write_file(dir.path(), "a.bin", &vec![0u8; 600 * 1024]),
        write_file(dir.path(), "b.bin", b"bb"),
    ];
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let options = UploadOptions::new().observer(move |event: &ProgressEvent<'_>| {
        let line = match event {
            ProgressEvent::Planned { files, bytes } => format!("planned {files} {bytes}"),
            ProgressEvent::Queued { index, size, .. } => format!("queued {index} {size}"),
            ProgressEvent::BytesSent { index, sent, size } if sent == size => {
                format!("sent {index} {sent}")
            }
            ProgressEvent::Done { index, .. } => format!("done {index}"),
            ProgressEvent::Failed { index, .. } => format!("failed {index}"),
            _ => return,
        };
        sink.lock().unwrap().push(line);
    });
    server
        .client(0)
        .files()
        .upload(&paths, options)
        .await
        .unwrap();
    let mut events = events.lock().unwrap().clone();
    assert_eq!(
        &events[..3],
        ["queued 0 614400", "queued 1 2", "planned 2 614402"]
    );
    events.sort();
    assert_eq!(events[3..].len(), 4);
    for expected in ["done 0", "done 1", "sent 0 614400", "sent 1 2"] {
        assert!(
            events.contains(&expected.to_string()),
            "{expected} in {events:?}"
        );
    }
}

#[tokio::test]
async fn a_cancelled_upload_reports_every_file_cancelled_and_sends_nothing() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..20)
        .map(|i| write_file(dir.path(), format!("{i}.txt"), b"x"))
        .collect();
    let upload = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new())
        .start();
    upload.cancel();
    let report = upload.await.unwrap();
    assert_eq!(report.cancelled().count(), 20);
    assert_eq!(report.failed().count(), 0);
    assert!(server.presigns().is_empty());
}
