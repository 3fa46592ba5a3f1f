//! The Files resource beyond `create`: listing every page, get, delete, status, frames,
//! waiting for processing, the direct upload and `remote_uri`, against the emulator (with
//! the paused clock where processing takes time) and, for answers the emulator never gives,
//! a scripted server.

use std::collections::HashSet;
use std::time::Duration;

use aymara::types::{CreateFile, CreateRequest, FileType, ProcessingStatus};
use aymara::{ApiErrorKind, Client, Error, ListOptions, UploadOptions, WaitOptions, WaitOutcome};
use aymara_emulator::EmulatorConfig;
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::mock::Canned;
use aymara_test_support::scripted::ScriptedServer;
use aymara_test_support::{sha256_hex, write_file};
use futures_util::StreamExt;
use serde_json::json;

async fn emulator(video_processing: Duration) -> TestEmulator {
    let config = EmulatorConfig {
        video_processing,
        ..EmulatorConfig::default()
    };
    TestEmulator::start("test-key", config).await
}

/// Presigns `n` files named `{prefix}-{i}.csv`, `per_request` at a time; returns their
/// uuids in creation order.
async fn create_many(client: &Client, prefix: &str, n: usize) -> Vec<String> {
    let mut uuids = Vec::new();
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}-{i:03}.csv")).collect();
    for chunk in names.chunks(100) {
        let request =
            CreateRequest::new().files(chunk.iter().map(|name| CreateFile::local(name.clone())));
        let answer = client.files().create(&request).await.unwrap();
        uuids.extend(
            answer
                .body()
                .files()
                .iter()
                .map(|f| f.file_uuid().unwrap().to_owned()),
        );
    }
    uuids
}

fn api_error(error: &Error) -> &aymara::ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_walks_every_page_of_250_files_in_order() {
    let emulator = emulator(Duration::ZERO).await;
    let client = emulator.client();
    let created = create_many(&client, "item", 250).await;

    for (page_size, requests) in [(100, 3), (40, 7)] {
        let before = emulator.stats().list_requests;
        let mut list = client.files().list(ListOptions::new().page_size(page_size));
        let mut listed = Vec::new();
        while let Some(file) = list.next().await {
            listed.push(file.unwrap().file_uuid().to_owned());
        }
        assert_eq!(listed, created, "page size {page_size}");
        assert_eq!(list.total(), Some(250));
        // 250 files in pages of 40 is 7 pages; the walk stops at `count` without asking
        // for an empty eighth.
        assert_eq!(emulator.stats().list_requests - before, requests);
    }

    // A page at a time, and one page at a given offset.
    let mut list = client.files().list(ListOptions::new().page_size(100));
    let mut sizes = Vec::new();
    while let Some(page) = list.next_page().await {
        let page = page.unwrap();
        assert_eq!(page.count(), Some(250));
        sizes.push((page.offset(), page.items().len()));
    }
    assert_eq!(sizes, [(0, 100), (100, 100), (200, 50)]);
    let page = client
        .files()
        .list_page(&ListOptions::new().page_size(5), 245)
        .await
        .unwrap();
    assert!(page.request_id().is_some());
    let uuids: Vec<&str> = page.body().items().iter().map(|f| f.file_uuid()).collect();
    assert_eq!(uuids, created[245..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_added_while_listing_never_repeat_an_item() {
    let emulator = emulator(Duration::ZERO).await;
    let client = emulator.client();
    let first = create_many(&client, "first", 25).await;
    let mut list = client.files().list(ListOptions::new().page_size(10));
    let mut seen = Vec::new();
    let page = list.next_page().await.unwrap().unwrap();
    seen.extend(page.items().iter().map(|f| f.file_uuid().to_owned()));
    let added = create_many(&client, "added", 12).await;
    while let Some(file) = list.next().await {
        seen.push(file.unwrap().file_uuid().to_owned());
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no item repeated");
    assert_eq!(
        seen[..25],
        first[..],
        "every file there at the start, in order"
    );
    assert!(seen[25..].iter().all(|uuid| added.contains(uuid)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_narrow_the_listing_and_bad_ones_are_refused_before_sending() {
    let emulator = emulator(Duration::ZERO).await;
    let client = emulator.client();
    let workspace = "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41";
    let request = CreateRequest::new()
        .workspace_uuid(workspace)
        .file(CreateFile::local("cat.png"))
        .file(CreateFile::local("notes.csv"));
    client.files().create(&request).await.unwrap();
    create_many(&client, "elsewhere", 3).await;

    let listed = |options: ListOptions| {
        let client = client.clone();
        async move {
            let files: Vec<_> = client.files().list(options).collect().await;
            files
                .into_iter()
                .map(|f| {
                    f.unwrap()
                        .remote_file_path()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    let in_workspace = listed(ListOptions::new().workspace_uuid(workspace)).await;
    assert_eq!(in_workspace, ["cat.png", "notes.csv"]);
    let images = listed(ListOptions::new().file_type(FileType::Image)).await;
    assert_eq!(images, ["cat.png"]);

    let before = emulator.stats().list_requests;
    let mut bad = client.files().list(ListOptions::new().page_size(500));
    let error = bad.next().await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(bad.next().await.is_none(), "an error ends the listing");
    assert_eq!(emulator.stats().list_requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_repeats_or_ignores_offset_cannot_make_the_walk_repeat_or_loop() {
    let item = |uuid: &str| {
        json!({"file_uuid": uuid, "content_type": "text/csv", "file_type": "text",
            "organization_uuid": "o", "remote_file_path": format!("o/{uuid}/a.csv"),
            "created_at": "2025-06-03T14:21:07Z", "updated_at": "not a timestamp"})
    };
    let page = |uuids: &[&str], count: Option<u64>| {
        let items: Vec<_> = uuids.iter().map(|u| item(u)).collect();
        Canned::json(200, json!({"items": items, "count": count}))
    };
    // A file added before the offset shifts "b" into the second page, and "d" past the
    // first count; the walk goes on to the latest count, and no further.
    let server = ScriptedServer::start([
        page(&["a", "b"], Some(4)),
        page(&["b", "c"], Some(5)),
        page(&["d"], Some(5)),
        page(&["e"], Some(5)),
    ])
    .await;
    let files: Vec<_> = server
        .client(0)
        .files()
        .list(ListOptions::new().page_size(2))
        .collect()
        .await;
    let files: Vec<_> = files.into_iter().map(Result::unwrap).collect();
    let uuids: Vec<&str> = files.iter().map(|f| f.file_uuid()).collect();
    assert_eq!(uuids, ["a", "b", "c", "d"]);
    assert_eq!(
        files[0].updated_at(),
        "not a timestamp",
        "kept, not refused"
    );
    assert!(files[0].updated_at_time().is_none() && files[0].created_at_time().is_some());
    let queries: Vec<String> = server
        .received()
        .iter()
        .map(|r| r.uri.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        queries,
        ["limit=2&offset=0", "limit=2&offset=2", "limit=2&offset=4"]
    );

    // The same page whatever the offset: with a count, two pages of repeats end it; without
    // one, the first.
    for (count, requests) in [(Some(1_000_000), 3), (None, 2)] {
        let server = ScriptedServer::start(vec![page(&["a", "b"], count); 5]).await;
        let files: Vec<_> = server
            .client(0)
            .files()
            .list(ListOptions::new())
            .collect()
            .await;
        assert_eq!(files.len(), 2);
        assert_eq!(server.received().len(), requests, "count {count:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_status_frames_and_delete_of_a_stored_file() {
    let emulator = emulator(Duration::ZERO).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(dir.path(), "notes.csv", b"a,b\n1,2\n");
    let report = client
        .files()
        .upload([&csv], UploadOptions::new())
        .await
        .unwrap();
    let uuid = report.uploaded().next().unwrap().file_uuid().to_owned();

    let file = client.files().get(&uuid).await.unwrap();
    assert_eq!(file.status().as_u16(), 200);
    assert!(file.request_id().is_some());
    assert_eq!(
        (
            file.body().file_uuid(),
            file.body().file_type(),
            file.body().content_type()
        ),
        (uuid.as_str(), &FileType::Text, "text/csv")
    );
    assert_eq!(file.body().file_size_bytes(), Some(8));
    assert!(file.body().remote_file_path().ends_with("/notes.csv"));
    assert!(file.body().created_at_time().is_some());
    let url = file.body().file_url().expect("a download URL");
    assert!(url.contains("X-Amz-Signature="));
    let shown = format!("{:?}", file.body());
    assert!(
        !shown.contains("X-Amz-Signature") && shown.contains("?<redacted>"),
        "{shown}"
    );

    let status = client.files().status(&uuid).await.unwrap();
    assert_eq!(
        status.body().processing_status(),
        &ProcessingStatus::Completed
    );
    assert_eq!(
        status.body().remote_file_path(),
        Some(file.body().remote_file_path())
    );

    let error = client.files().frames(&uuid).await.unwrap_err();
    let api = api_error(&error);
    assert_eq!(api.kind(), ApiErrorKind::UnprocessableEntity);
    assert!(api.request_id().is_some());

    let deleted = client.files().delete(&uuid).await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    for error in [
        client.files().get(&uuid).await.unwrap_err(),
        client.files().status(&uuid).await.unwrap_err(),
        client.files().delete(&uuid).await.unwrap_err(),
    ] {
        let api = api_error(&error);
        assert_eq!(api.kind(), ApiErrorKind::NotFound);
        assert_eq!(api.code().map(|c| c.as_str()), Some("resource.not_found"));
        assert!(api.request_id().is_some());
        assert!(error.to_string().contains("request id"), "{error}");
    }
    let error = client.files().get(" ").await.unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn waiting_ends_completed_failed_or_timed_out_with_the_last_status() {
    let emulator = emulator(Duration::from_secs(30)).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let clip = write_file(dir.path(), "clip.mp4", &[7; 200_000]);
    let tiny = write_file(dir.path(), "tiny.mp4", &[7; 8]);
    let report = client
        .files()
        .upload([&clip, &tiny], UploadOptions::new())
        .await
        .unwrap();
    let uuids: Vec<String> = report
        .uploaded()
        .map(|f| f.file_uuid().to_owned())
        .collect();
    let pending = create_many(&client, "never-sent", 1).await.remove(0);

    let short = WaitOptions::new().deadline(Duration::from_secs(10));
    match client
        .files()
        .wait_for_processing(&uuids[0], short)
        .await
        .unwrap()
    {
        WaitOutcome::TimedOut { after, last } => {
            assert_eq!(after, Duration::from_secs(10));
            let last = last.expect("a status was seen");
            assert_eq!(last.processing_status(), &ProcessingStatus::Processing);
        }
        other => panic!("{other:?}"),
    }
    let error = client.files().frames(&uuids[0]).await.unwrap_err();
    assert_eq!(api_error(&error).kind(), ApiErrorKind::Conflict);

    let outcome = client
        .files()
        .wait_for_processing(&uuids[0], WaitOptions::new())
        .await
        .unwrap();
    assert!(outcome.is_completed(), "{outcome}");
    assert_eq!(outcome.to_string(), "processing completed");
    let frames = client.files().frames(&uuids[0]).await.unwrap();
    assert_eq!(frames.body().frame_count(), 4);
    assert_eq!(frames.body().frame_urls().len(), 4);
    assert!(!format!("{:?}", frames.body()).contains("X-Amz-Signature"));

    let outcome = client
        .files()
        .wait_for_processing(&uuids[1], WaitOptions::new())
        .await
        .unwrap();
    let WaitOutcome::Failed(status) = &outcome else {
        panic!("{outcome:?}")
    };
    let why = status.error_message().expect("the service says why");
    assert_eq!(outcome.to_string(), format!("processing failed: {why}"));

    let outcome = client
        .files()
        .wait_for_processing(&pending, short)
        .await
        .unwrap();
    assert_eq!(
        outcome.status().map(|s| s.processing_status()),
        Some(&ProcessingStatus::Pending)
    );
    assert!(
        outcome.to_string().starts_with("timed out after 10 s"),
        "{outcome}"
    );

    let error = client
        .files()
        .wait_for_processing("00000000-0000-4000-8000-000000000000", short)
        .await
        .unwrap_err();
    assert_eq!(api_error(&error).kind(), ApiErrorKind::NotFound);
    let error = client
        .files()
        .wait_for_processing(&pending, WaitOptions::new().deadline(Duration::ZERO))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn polls_back_off_from_half_a_second_to_five() {
    let processing = || {
        Canned::json(
            200,
            json!({"file_uuid": "u", "processing_status": "processing",
                "created_at": "2025-06-03T14:21:07Z", "updated_at": "2025-06-03T14:21:07Z"}),
        )
    };
    let server = ScriptedServer::start(vec![processing(); 8]).await;
    let files = server.client(0).files();
    let started = tokio::time::Instant::now();
    let outcome = files
        .wait_for_processing("u", WaitOptions::new().deadline(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(
        matches!(outcome, WaitOutcome::TimedOut { .. }),
        "{outcome:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(20));
    // Polls at 0, 0.5, 1.5, 3.5, 7.5, 12.5, 17.5 s: the delay doubles, then stays at 5 s.
    assert_eq!(server.received().len(), 7);
}

#[tokio::test(start_paused = true)]
async fn an_upload_can_wait_for_processing_without_holding_a_transfer_slot() {
    let emulator = emulator(Duration::from_secs(20)).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let clip = write_file(dir.path(), "clip.mp4", &[7; 100_000]);
    let csv = write_file(dir.path(), "notes.csv", b"x\n");
    let tiny = write_file(dir.path(), "tiny.mp4", &[7; 8]);
    let options = UploadOptions::new()
        .concurrency(1)
        .wait_for_processing(WaitOptions::new());
    let mut upload = client.files().upload([&clip, &csv, &tiny], options).start();
    // One transfer at a time: had the video's wait kept the slot, the CSV could not have
    // been sent, let alone finish, before the video is processed.
    let first = upload.next_outcome().await.unwrap();
    assert_eq!(first.path(), csv.as_path());
    let report = upload.await.unwrap();
    let processing: Vec<_> = report
        .outcomes()
        .iter()
        .map(|o| o.uploaded().unwrap().processing().unwrap().unwrap().clone())
        .collect();
    assert_eq!(processing.len(), 2, "the first outcome was read already");
    assert!(processing[0].is_completed(), "{:?}", processing[0]);
    assert!(matches!(processing[1], WaitOutcome::Failed(_)));
    let first = first.uploaded().unwrap().processing().unwrap().unwrap();
    assert!(first.is_completed());

    // Without the option, nothing is waited for.
    let report = client
        .files()
        .upload([&csv], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.uploaded().next().unwrap().processing().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_upload_streams_the_file_and_answers_its_upload() {
    let emulator = emulator(Duration::from_secs(60)).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let big = write_file(dir.path(), "big sample.jsonl", &bytes);
    let workspace = "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41";
    let answer = client
        .files()
        .upload_direct(&big)
        .workspace_uuid(workspace)
        .await
        .unwrap();
    let uuid = answer.body().file_uuid().unwrap().to_owned();
    assert!(answer.body().file_url().is_none());
    assert_eq!(
        answer.body().processing_status(),
        Some(&ProcessingStatus::Completed)
    );
    let stored = emulator.object(&uuid).expect("stored");
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.sha256, sha256_hex(&bytes));
    let file = client.files().get(&uuid).await.unwrap();
    assert_eq!(file.body().workspace_uuid(), Some(workspace));
    assert!(file.body().remote_file_path().ends_with("sample.jsonl"));

    let clip = write_file(dir.path(), "clip.bin", &[1; 64]);
    let answer = client
        .files()
        .upload_direct(&clip)
        .content_type("video/mp4")
        .await
        .unwrap();
    assert_eq!(answer.body().content_type(), Some("video/mp4"));
    assert_eq!(
        answer.body().processing_status(),
        Some(&ProcessingStatus::Processing)
    );

    let missing = dir.path().join("missing.csv");
    let error = client.files().upload_direct(&missing).await.unwrap_err();
    assert!(matches!(error, Error::Plan(_)), "{error:?}");
    assert!(error.to_string().contains("missing.csv"), "{error}");
    assert_eq!(
        emulator.stats().upload_requests,
        2,
        "nothing sent for a bad path"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retried_direct_upload_sends_the_whole_file_again_with_a_length() {
    let answer =
        json!({"file_uuid": "u1", "local_file_path": "a.csv", "processing_status": "completed"});
    let server = ScriptedServer::start([
        Canned::envelope(503, "server.internal_error", "req-503"),
        Canned::json(200, answer),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = vec![b'x'; 300_000];
    let path = write_file(dir.path(), "a.csv", &bytes);
    let answer = server.client(1).files().upload_direct(&path).await.unwrap();
    assert_eq!(answer.body().file_uuid(), Some("u1"));
    let received = server.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.uri.path(), "/v2/files/-/uploads");
        assert_eq!(request.headers["x-api-key"], "test-key");
        assert!(!request.headers.contains_key("api-version"));
        let length: usize = request.headers["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(length, request.body.len());
        let body = &request.body[..];
        assert!(body.windows(bytes.len()).any(|w| w == bytes.as_slice()));
        let text = String::from_utf8_lossy(body);
        assert!(
            text.contains("name=\"file\"; filename=\"a.csv\"") && text.contains("text/csv"),
            "{}",
            &text[..200]
        );
    }

    // A refusal is the API's typed error, with its request id, like any other call.
    let server =
        ScriptedServer::start([Canned::envelope(401, "auth.invalid_key", "req-401")]).await;
    let error = server
        .client(2)
        .files()
        .upload_direct(&path)
        .await
        .unwrap_err();
    let api = api_error(&error);
    assert_eq!(
        (api.kind(), api.request_id()),
        (ApiErrorKind::Authentication, Some("req-401"))
    );
    assert_eq!(server.received().len(), 1, "a 401 is not retried");
}

#[tokio::test(start_paused = true)]
async fn every_call_is_retried_and_fails_typed_the_same_way() {
    let status = json!({"file_uuid": "u", "processing_status": "completed",
        "created_at": "2025-06-03T14:21:07Z", "updated_at": "2025-06-03T14:21:07Z"});
    let server = ScriptedServer::start([
        Canned::envelope(503, "server.internal_error", "req-1"),
        Canned::json(200, status),
        Canned::envelope(404, "resource.not_found", "req-get"),
        Canned::envelope(404, "resource.not_found", "req-delete"),
        Canned::envelope(404, "resource.not_found", "req-frames"),
        Canned::raw(502, "text/html", "<html>bad gateway</html>"),
    ])
    .await;
    let files = server.client(1).files();
    let answer = files.status("u").await.unwrap();
    assert_eq!(
        answer.body().processing_status(),
        &ProcessingStatus::Completed
    );
    let errors = [
        files.get("u").await.unwrap_err(),
        files.delete("u").await.unwrap_err(),
        files.frames("u").await.unwrap_err(),
    ];
    for (error, id) in errors.iter().zip(["req-get", "req-delete", "req-frames"]) {
        assert_eq!(api_error(error).request_id(), Some(id));
    }
    // Retried (a 502), then failed with the second answer: "unscripted" 500.
    let error = files.list_page(&ListOptions::new(), 0).await.unwrap_err();
    assert_eq!(api_error(&error).request_id(), Some("unscripted"));
    let methods: Vec<String> = server
        .received()
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri.path()))
        .collect();
    assert_eq!(
        methods,
        [
            "GET /v2/files/u/status",
            "GET /v2/files/u/status",
            "GET /v2/files/u",
            "DELETE /v2/files/u",
            "GET /v2/files/u/frames",
            "GET /v2/files",
            "GET /v2/files",
        ]
    );
    assert!(
        server
            .received()
            .iter()
            .all(|r| r.headers["x-api-key"] == "test-key")
    );
}

#[tokio::test(start_paused = true)]
async fn a_remote_uri_is_fetched_by_the_service_not_uploaded() {
    let emulator = emulator(Duration::ZERO).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(dir.path(), "source.csv", b"a,b\n");
    let report = client
        .files()
        .upload([&csv], UploadOptions::new())
        .await
        .unwrap();
    let source = report.uploaded().next().unwrap().file_uuid().to_owned();
    let download = client.files().get(&source).await.unwrap();
    let own_url = download.body().file_url().unwrap().to_owned();

    let request = CreateRequest::new()
        .file(CreateFile::remote(own_url.clone()).content_type("text/csv"))
        .file(CreateFile::remote("https://example.com/clip.mp4"));
    assert!(!format!("{request:?}").contains("X-Amz-Signature"));
    let answer = client.files().create(&request).await.unwrap();
    let [copied, elsewhere] = answer.body().files() else {
        panic!("{answer:?}")
    };
    assert_eq!(copied.remote_uri(), Some(own_url.as_str()));
    assert_eq!(copied.processing_status(), Some(&ProcessingStatus::Pending));
    assert!(!format!("{copied:?}").contains("X-Amz-Signature"));

    let wait = WaitOptions::new().deadline(Duration::from_secs(30));
    let files = client.files();
    let outcome = files
        .wait_for_processing(copied.file_uuid().unwrap(), wait)
        .await
        .unwrap();
    assert!(outcome.is_completed(), "{outcome}");
    let outcome = files
        .wait_for_processing(elsewhere.file_uuid().unwrap(), wait)
        .await
        .unwrap();
    assert!(outcome.error_message().is_some(), "{outcome}");
}

#[tokio::test(start_paused = true)]
async fn a_hard_stop_ends_the_waits_and_keeps_the_stored_files() {
    let emulator = emulator(Duration::from_secs(60)).await;
    let client = emulator.client();
    let dir = tempfile::tempdir().unwrap();
    let clip = write_file(dir.path(), "clip.mp4", &[7; 1000]);
    let options = UploadOptions::new().wait_for_processing(WaitOptions::new());
    let upload = client.files().upload([&clip], options).start();
    let control = upload.control();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(control.progress().files_uploaded, 0, "still waiting");
    control.stop();
    let report = upload.await.unwrap();
    let file = report
        .uploaded()
        .next()
        .expect("stored, so reported stored");
    assert!(file.processing().is_none(), "{file:?}");
    assert!(emulator.object(file.file_uuid()).is_some());
}
