//! The whole Files resource: create, list, get, delete, status, frames, direct upload, and
//! files from a `remote_uri`.

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::{multipart, sha256_hex};
use serde_json::{Value, json};

use crate::common::*;

/// `2026-11-25T18:00:00.123Z`.
fn assert_rfc3339_millis(value: &Value) {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is a string"));
    assert_eq!(s.len(), 24, "{s}");
    assert!(
        s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == ".",
        "{s}"
    );
}

#[tokio::test]
async fn create_answers_file_uploads_with_content_types_and_pending() {
    let emulator = start_default().await;
    let items = create(
        &emulator,
        json!([
            {"local_file_path": "data/a.csv"},
            {"local_file_path": "b.bin", "content_type": "image/png"},
            {"local_file_path": "noext"},
            {"remote_uri": "https://example.com/media/clip%201.mp4"},
        ]),
    )
    .await;
    let expected = [
        ("data/a.csv", "text/csv", Value::Null),
        ("b.bin", "image/png", Value::Null),
        ("noext", "application/octet-stream", Value::Null),
        (
            "",
            "video/mp4",
            json!("https://example.com/media/clip%201.mp4"),
        ),
    ];
    for (item, (path, content_type, remote_uri)) in items.iter().zip(expected) {
        if path.is_empty() {
            assert_eq!(item["local_file_path"], Value::Null);
            assert!(
                item["remote_file_path"]
                    .as_str()
                    .unwrap()
                    .ends_with("/clip 1.mp4"),
                "{item}"
            );
        } else {
            assert_eq!(item["local_file_path"], path);
        }
        assert_eq!(item["content_type"], content_type, "{item}");
        assert_eq!(item["processing_status"], "pending");
        assert_eq!(item["remote_uri"], remote_uri);
        assert!(
            item["file_url"]
                .as_str()
                .unwrap()
                .starts_with(emulator.base_url())
        );
    }

    let (status, request_id, _, body) = presign_raw(
        &emulator,
        Some(KEY),
        &json!({"files": [{"remote_uri": "not a url"}]}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        envelope_code(&request_id, &body),
        "validation.invalid_request"
    );
    assert_eq!(body["error"]["details"]["field"], "files[0].remote_uri");
}

#[tokio::test]
async fn every_call_checks_the_key() {
    let emulator = start(EmulatorConfig {
        api_keys: vec!["good".into()],
        ..EmulatorConfig::default()
    })
    .await;
    let file = uuid::Uuid::new_v4();
    for (method, path) in [
        (reqwest::Method::GET, "/v2/files".to_owned()),
        (reqwest::Method::GET, format!("/v2/files/{file}")),
        (reqwest::Method::DELETE, format!("/v2/files/{file}")),
        (reqwest::Method::GET, format!("/v2/files/{file}/status")),
        (reqwest::Method::GET, format!("/v2/files/{file}/frames")),
        (reqwest::Method::POST, "/v2/files/-/uploads".to_owned()),
    ] {
        for key in [None, Some("bad")] {
            let (status, request_id, body) = call_with(&emulator, method.clone(), &path, key).await;
            assert_eq!(status, 401, "{method} {path}");
            assert_eq!(envelope_code(&request_id, &body), "auth.invalid_key");
        }
    }
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.list_requests,
            stats.get_file_requests,
            stats.delete_requests,
            stats.status_requests,
            stats.frames_requests,
            stats.upload_requests
        ),
        (2, 2, 2, 2, 2, 2)
    );
}

#[tokio::test]
async fn unknown_or_malformed_uuids_are_404() {
    let emulator = start_default().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for id in [unknown.as_str(), "not-a-uuid", "%FF"] {
        for (method, suffix) in [
            (reqwest::Method::GET, ""),
            (reqwest::Method::DELETE, ""),
            (reqwest::Method::GET, "/status"),
            (reqwest::Method::GET, "/frames"),
        ] {
            let path = format!("/v2/files/{id}{suffix}");
            let (status, request_id, body) = call(&emulator, method.clone(), &path).await;
            assert_eq!(status, 404, "{method} {path}");
            assert_eq!(envelope_code(&request_id, &body), "resource.not_found");
        }
    }
}

#[tokio::test]
async fn a_file_is_detailed_before_and_after_its_bytes_arrive() {
    let emulator = start_default().await;
    let workspace = "6f1c1a0e-5b0b-4d4e-9a57-3b1f5d3c2a10";
    let (_, _, _, body) = presign_raw(
        &emulator,
        Some(KEY),
        &json!({"workspace_uuid": workspace, "files": [{"local_file_path": "report (1).csv"}]}),
    )
    .await;
    let item = &body["files"][0];
    let path = format!("/v2/files/{}", uuid_of(item));

    let before = get(&emulator, &path).await;
    assert_eq!(before["file_uuid"], item["file_uuid"]);
    assert_eq!(before["content_type"], "text/csv");
    assert_eq!(before["file_type"], "text");
    assert_eq!(before["organization_uuid"], emulator.organization_uuid());
    assert_eq!(before["remote_file_path"], item["remote_file_path"]);
    assert_eq!(before["workspace_uuid"], workspace);
    assert_rfc3339_millis(&before["created_at"]);
    assert_eq!(before["updated_at"], before["created_at"]);
    assert!(before.get("file_size_bytes").is_none(), "{before}");
    assert!(before.get("file_url").is_none(), "{before}");
    assert!(uuid::Uuid::parse_str(before["uploaded_by_uuid"].as_str().unwrap()).is_ok());
    let status = get(&emulator, &format!("{path}/status")).await;
    assert_eq!(status["processing_status"], "pending");
    assert!(status.get("remote_file_path").is_none(), "{status}");

    put(item, "x,y\n1,2\n").await;
    let after = get(&emulator, &path).await;
    assert_eq!(after["file_size_bytes"], 8);
    assert_rfc3339_millis(&after["updated_at"]);
    assert!(after["updated_at"].as_str() >= after["created_at"].as_str());
    let status = get(&emulator, &format!("{path}/status")).await;
    assert_eq!(status["processing_status"], "completed");
    assert_eq!(status["remote_file_path"], item["remote_file_path"]);
    assert!(status.get("error_message").is_none());

    // The detail's file_url is a presigned GET the store serves, exactly as received.
    let file_url = after["file_url"].as_str().unwrap();
    assert_eq!(param(file_url, "X-Amz-Expires"), "1800");
    let response = client().get(file_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(response.headers().contains_key("etag"));
    assert!(response.headers().contains_key("last-modified"));
    assert_eq!(response.bytes().await.unwrap(), "x,y\n1,2\n");
    let head = client().head(file_url).send().await.unwrap();
    assert_eq!(head.status(), 403, "a GET presign does not HEAD");
    assert_eq!(emulator.stats().store_get_requests, 2);
}

#[tokio::test]
async fn two_hundred_fifty_files_page_by_offset_in_creation_order() {
    let emulator = start_default().await;
    let workspace = "0b8f3c52-7e55-4a41-9c6f-0e7f3c2b1a99";
    let mut created = Vec::new();
    for batch in 0..3 {
        let files: Vec<Value> = (0..if batch < 2 { 100 } else { 50 })
            .map(|i| {
                let ext = if i % 5 == 0 { "png" } else { "csv" };
                json!({"local_file_path": format!("f{batch}-{i}.{ext}")})
            })
            .collect();
        let body = json!({"workspace_uuid": if batch == 1 { json!(workspace) } else { Value::Null }, "files": files});
        let (status, _, _, answer) = presign_raw(&emulator, Some(KEY), &body).await;
        assert_eq!(status, 200);
        created.extend(
            answer["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| uuid_of(f).to_owned()),
        );
    }

    let mut listed = Vec::new();
    let mut offset = 0;
    let mut late = None;
    loop {
        let page = get(&emulator, &format!("/v2/files?limit=100&offset={offset}")).await;
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            assert_eq!(page["count"], listed.len());
            break;
        }
        listed.extend(items.iter().map(|f| uuid_of(f).to_owned()));
        offset += items.len();
        if late.is_none() {
            assert_eq!(page["count"], 250);
            // A file created while listing comes after the ones already there.
            let item = create(&emulator, json!([{"local_file_path": "late.txt"}])).await;
            late = Some(uuid_of(&item[0]).to_owned());
        } else {
            assert_eq!(page["count"], 251);
        }
    }
    created.push(late.unwrap());
    assert_eq!(listed, created);

    let default_page = get(&emulator, "/v2/files").await;
    assert_eq!(default_page["items"].as_array().unwrap().len(), 50);
    let images = get(&emulator, "/v2/files?file_type=image&limit=100").await;
    assert_eq!(images["count"], 50);
    assert!(
        images["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file_type"] == "image")
    );
    let in_workspace = get(
        &emulator,
        &format!("/v2/files?workspace_uuid={workspace}&limit=1"),
    )
    .await;
    assert_eq!(in_workspace["count"], 100);
    assert_eq!(in_workspace["items"][0]["file_uuid"], created[100]);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("file_type=audio", "file_type"),
        ("workspace_uuid=nope", "workspace_uuid"),
    ] {
        let (status, request_id, body) = call(
            &emulator,
            reqwest::Method::GET,
            &format!("/v2/files?{query}"),
        )
        .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(
            envelope_code(&request_id, &body),
            "validation.invalid_request"
        );
        assert_eq!(body["error"]["details"]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn a_deleted_file_is_gone_from_every_call() {
    let emulator = start_default().await;
    let items = create(
        &emulator,
        json!([{"local_file_path": "keep.txt"}, {"local_file_path": "drop.txt"}]),
    )
    .await;
    put(&items[1], "bytes").await;
    let dropped = uuid_of(&items[1]);
    let detail = get(&emulator, &format!("/v2/files/{dropped}")).await;
    let file_url = detail["file_url"].as_str().unwrap().to_owned();

    let (status, _, body) = call(
        &emulator,
        reqwest::Method::DELETE,
        &format!("/v2/files/{dropped}"),
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));

    for (method, suffix) in [
        (reqwest::Method::GET, ""),
        (reqwest::Method::GET, "/status"),
        (reqwest::Method::GET, "/frames"),
        (reqwest::Method::DELETE, ""),
    ] {
        let path = format!("/v2/files/{dropped}{suffix}");
        let (status, request_id, body) = call(&emulator, method.clone(), &path).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(envelope_code(&request_id, &body), "resource.not_found");
    }
    let list = get(&emulator, "/v2/files").await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["items"][0]["file_uuid"], items[0]["file_uuid"]);

    // Its presigned URLs are dead too.
    let (status, code, _) = s3_error(client().get(&file_url).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchKey"));
    let response = client()
        .put(items[1]["file_url"].as_str().unwrap())
        .body("again")
        .send()
        .await
        .unwrap();
    let (status, code, _) = s3_error(response).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchKey"));
}

#[tokio::test(start_paused = true)]
async fn videos_process_on_the_clock_then_have_frames() {
    let emulator = start(EmulatorConfig {
        video_processing: Duration::from_secs(2),
        ..EmulatorConfig::default()
    })
    .await;
    let items = create(
        &emulator,
        json!([
            {"local_file_path": "clip.mp4"},
            {"local_file_path": "tiny.mp4"},
            {"local_file_path": "notes.txt"},
        ]),
    )
    .await;
    let (video, tiny, text) = (uuid_of(&items[0]), uuid_of(&items[1]), uuid_of(&items[2]));
    let status_of = |uuid: &str| format!("/v2/files/{uuid}/status");
    assert_eq!(
        get(&emulator, &status_of(video)).await["processing_status"],
        "pending"
    );

    put(&items[0], vec![7u8; 200_000]).await;
    put(&items[1], vec![7u8; 8]).await;
    put(&items[2], "hello").await;
    assert_eq!(
        get(&emulator, &status_of(text)).await["processing_status"],
        "completed"
    );
    let processing = get(&emulator, &status_of(video)).await;
    assert_eq!(processing["processing_status"], "processing");
    let (status, request_id, body) = call(
        &emulator,
        reqwest::Method::GET,
        &format!("/v2/files/{video}/frames"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(envelope_code(&request_id, &body), "resource.conflict");
    assert_eq!(body["error"]["details"]["processing_status"], "processing");

    tokio::time::advance(Duration::from_secs(2)).await;
    let done = get(&emulator, &status_of(video)).await;
    assert_eq!(done["processing_status"], "completed");
    assert!(done["updated_at"].as_str() > processing["updated_at"].as_str());
    let detail = get(&emulator, &format!("/v2/files/{video}")).await;
    assert_eq!(detail["file_type"], "video");
    assert_eq!(detail["video_metadata"]["frame_count"], 4);

    let frames = get(&emulator, &format!("/v2/files/{video}/frames")).await;
    assert_eq!(frames["file_uuid"], video);
    assert_eq!(frames["frame_count"], 4);
    let urls: Vec<&str> = frames["frame_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 4);
    let mut sorted = urls.clone();
    sorted.sort();
    assert_eq!(urls, sorted, "sorted by frame number");
    for url in &urls {
        let response = client().get(*url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert!(response.bytes().await.unwrap().starts_with(b"\x89PNG"));
    }

    // Eight bytes cannot be a video: it fails, saying why, and has no frames.
    let failed = get(&emulator, &status_of(tiny)).await;
    assert_eq!(failed["processing_status"], "failed");
    assert!(
        failed["error_message"]
            .as_str()
            .unwrap()
            .contains("8 bytes")
    );
    for uuid in [tiny, text] {
        let (status, request_id, body) = call(
            &emulator,
            reqwest::Method::GET,
            &format!("/v2/files/{uuid}/frames"),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            envelope_code(&request_id, &body),
            "validation.invalid_request"
        );
    }
}

async fn upload(
    emulator: &Emulator,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, Value) {
    let response = client()
        .post(format!("{}/v2/files/-/uploads{query}", emulator.base_url()))
        .header("x-api-key", KEY)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, request_id, response.json().await.unwrap())
}

#[tokio::test]
async fn a_direct_upload_stores_the_file_part_at_once() {
    let emulator = start_default().await;
    let workspace = "6f1c1a0e-5b0b-4d4e-9a57-3b1f5d3c2a10";
    // Larger than axum's default 2 MB body limit, which the upload must not apply.
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let (content_type, body) = multipart(&[
        ("note", None, None, b"ignored"),
        ("file", Some("clip (1).png"), Some("image/png"), &bytes),
    ]);
    let (status, _, answer) = upload(
        &emulator,
        &format!("?workspace_uuid={workspace}"),
        &content_type,
        body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["local_file_path"], "clip (1).png");
    assert_eq!(answer["content_type"], "image/png");
    assert_eq!(answer["processing_status"], "completed");
    assert_eq!(answer["remote_uri"], Value::Null);
    assert!(answer.get("file_url").is_none());
    let file_uuid = uuid_of(&answer);
    assert_eq!(
        answer["remote_file_path"],
        format!("{}/{file_uuid}/clip (1).png", emulator.organization_uuid())
    );
    let object = emulator.object(file_uuid).unwrap();
    assert_eq!(object.sha256, sha256_hex(&bytes));
    assert_eq!(object.puts, 0);
    assert_eq!(std::fs::read(&object.path).unwrap(), bytes);
    let detail = get(&emulator, &format!("/v2/files/{file_uuid}")).await;
    assert_eq!(detail["file_size_bytes"], 3_000_000);
    assert_eq!(detail["workspace_uuid"], workspace);
    assert_eq!(detail["file_type"], "image");

    // A video is processing; no content type means one inferred from the name.
    let (content_type, body) = multipart(&[("file", Some("v.mp4"), None, &[1u8; 64])]);
    let (status, _, answer) = upload(&emulator, "", &content_type, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            answer["content_type"].as_str(),
            answer["processing_status"].as_str()
        ),
        (Some("video/mp4"), Some("processing"))
    );

    for (what, query, content_type, body, field) in [
        (
            "no filename",
            "",
            None,
            multipart(&[("file", None, Some("text/plain"), b"x")]),
            "file",
        ),
        (
            "no file part",
            "",
            None,
            multipart(&[("other", Some("a.txt"), None, b"x")]),
            "file",
        ),
        (
            "bad workspace",
            "?workspace_uuid=nope",
            None,
            multipart(&[("file", Some("a.txt"), None, b"x")]),
            "workspace_uuid",
        ),
        (
            "not multipart",
            "",
            Some("application/json"),
            (String::new(), b"{}".to_vec()),
            "body",
        ),
    ] {
        let (ct, body) = body;
        let (status, request_id, answer) =
            upload(&emulator, query, content_type.unwrap_or(&ct), body).await;
        assert_eq!(status, 422, "{what}: {answer}");
        let code = envelope_code(&request_id, &answer);
        assert!(code.starts_with("validation."), "{what}: {code}");
        assert_eq!(answer["error"]["details"]["field"], field, "{what}");
    }
    assert_eq!(emulator.objects().len(), 2);
}

#[tokio::test]
async fn remote_uris_are_not_fetched_unless_they_are_the_emulators_own() {
    let emulator = start_default().await;
    let source = create(&emulator, json!([{"local_file_path": "source.jsonl"}])).await;
    put(&source[0], "{\"a\":1}\n").await;
    let detail = get(&emulator, &format!("/v2/files/{}", uuid_of(&source[0]))).await;
    let own_url = detail["file_url"].as_str().unwrap().to_owned();
    let mut tampered = own_url.clone();
    tampered.push_str("&x=1");

    let items = create(
        &emulator,
        json!([
            {"remote_uri": "https://example.com/data/prompts.csv"},
            {"remote_uri": own_url, "content_type": "application/jsonl"},
            {"remote_uri": tampered},
        ]),
    )
    .await;
    for item in &items {
        assert_eq!(item["processing_status"], "pending");
    }

    let foreign = get(
        &emulator,
        &format!("/v2/files/{}/status", uuid_of(&items[0])),
    )
    .await;
    assert_eq!(foreign["processing_status"], "failed");
    assert!(
        foreign["error_message"]
            .as_str()
            .unwrap()
            .contains("cannot fetch remote URIs"),
        "{foreign}"
    );
    let foreign_detail = get(&emulator, &format!("/v2/files/{}", uuid_of(&items[0]))).await;
    assert_eq!(
        foreign_detail["original_file_url"],
        "https://example.com/data/prompts.csv"
    );
    assert!(foreign_detail.get("file_url").is_none());

    let copied = get(
        &emulator,
        &format!("/v2/files/{}/status", uuid_of(&items[1])),
    )
    .await;
    assert_eq!(copied["processing_status"], "completed", "{copied}");
    let object = emulator.object(uuid_of(&items[1])).unwrap();
    assert_eq!(std::fs::read(&object.path).unwrap(), b"{\"a\":1}\n");
    assert_eq!(object.remote_file_path, items[1]["remote_file_path"]);

    let refused = get(
        &emulator,
        &format!("/v2/files/{}/status", uuid_of(&items[2])),
    )
    .await;
    assert_eq!(refused["processing_status"], "failed");
    assert!(emulator.object(uuid_of(&items[2])).is_none());
}
