//! `POST /v2/files`: keys, validation, answers, faults.

use aymara_emulator::{EmulatorConfig, Faults};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn missing_or_wrong_key_is_401_with_matching_request_id() {
    let emulator = start(EmulatorConfig {
        api_keys: vec!["good".into()],
        ..EmulatorConfig::default()
    })
    .await;
    let body = json!({"files": [{"local_file_path": "a.csv"}]});
    for key in [None, Some("bad"), Some("")] {
        let (status, request_id, headers, json) = presign_raw(&emulator, key, &body).await;
        assert_eq!(status, 401, "key {key:?}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(envelope_code(&request_id, &json), "auth.invalid_key");
    }
    let (status, _, _, _) = presign_raw(&emulator, Some("good"), &body).await;
    assert_eq!(status, 200);
    assert_eq!(emulator.stats().presign_requests, 4);
}

#[tokio::test]
async fn empty_key_list_accepts_any_non_empty_key() {
    let emulator = start_default().await;
    let body = json!({"files": []});
    let (status, _, _, json) = presign_raw(&emulator, Some("anything"), &body).await;
    assert_eq!(status, 200);
    assert_eq!(json, json!({"workspace_uuid": null, "files": []}));
}

#[tokio::test]
async fn request_ids_differ_between_requests() {
    let emulator = start_default().await;
    let body = json!({"files": []});
    let (_, a, _, _) = presign_raw(&emulator, Some(KEY), &body).await;
    let (_, b, _, _) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_ne!(a, b);
}

#[tokio::test]
async fn invalid_bodies_are_422_naming_the_field() {
    let emulator = start_default().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!([1, 2]), "validation.invalid_format", "body"),
        (json!({}), "validation.invalid_request", "files"),
        (
            json!({"files": "a.csv"}),
            "validation.invalid_request",
            "files",
        ),
        (
            json!({"files": ["a.csv"]}),
            "validation.invalid_request",
            "files[0]",
        ),
        (
            json!({"files": [{"local_file_path": "a"}, {"local_file_path": "b"}, {"local_file_path": "c"}, {}]}),
            "validation.invalid_request",
            "files[3].local_file_path",
        ),
        (
            json!({"files": [{"local_file_path": ""}]}),
            "validation.invalid_request",
            "files[0].local_file_path",
        ),
        (
            json!({"files": [{"local_file_path": 7}]}),
            "validation.invalid_request",
            "files[0].local_file_path",
        ),
        (
            json!({"files": [{"local_file_path": "a", "content_type": "csv"}]}),
            "validation.invalid_request",
            "files[0].content_type",
        ),
        (
            json!({"workspace_uuid": "not-a-uuid", "files": []}),
            "validation.invalid_request",
            "workspace_uuid",
        ),
        (
            json!({"workspace_uuid": 5, "files": []}),
            "validation.invalid_request",
            "workspace_uuid",
        ),
    ];
    for (body, code, field) in cases {
        let (status, request_id, _, json) = presign_raw(&emulator, Some(KEY), &body).await;
        assert_eq!(status, 422, "{body}: {json}");
        assert_eq!(envelope_code(&request_id, &json), code, "{body}");
        assert_eq!(json["error"]["details"]["field"], field, "{body}: {json}");
    }
    assert_eq!(emulator.stats().presigned_files, 0);
}

#[tokio::test]
async fn non_json_body_is_422_invalid_format() {
    let emulator = start_default().await;
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("text/plain", r#"{"files": []}"#),
    ] {
        let response = client()
            .post(format!("{}/v2/files", emulator.base_url()))
            .header("x-api-key", KEY)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let json: Value = response.json().await.unwrap();
        assert_eq!(
            envelope_code(&request_id, &json),
            "validation.invalid_format"
        );
    }
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let emulator = start_default().await;
    let long = "x".repeat(2 * 1024 * 1024);
    let body = json!({"files": [{"local_file_path": long}]});
    let (status, request_id, _, json) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_eq!(status, 422);
    assert_eq!(
        envelope_code(&request_id, &json),
        "validation.invalid_request"
    );
    assert_eq!(json["error"]["details"]["field"], "body");
}

#[tokio::test]
async fn more_than_the_batch_limit_is_422_naming_files() {
    let emulator = start_default().await;
    let files = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"local_file_path": format!("f{i}.txt")}))
            .collect()
    };
    let (status, request_id, _, json) =
        presign_raw(&emulator, Some(KEY), &json!({"files": files(101)})).await;
    assert_eq!(status, 422);
    assert_eq!(
        envelope_code(&request_id, &json),
        "validation.invalid_request"
    );
    assert_eq!(json["error"]["details"]["field"], "files");
    assert_eq!(json["error"]["details"]["max_items"], 100);

    let (status, _, _, json) =
        presign_raw(&emulator, Some(KEY), &json!({"files": files(100)})).await;
    assert_eq!(status, 200);
    assert_eq!(json["files"].as_array().unwrap().len(), 100);
    let stats = emulator.stats();
    assert_eq!(stats.max_files_in_one_request, 100);
    assert_eq!(stats.presigned_files, 100);
}

#[tokio::test]
async fn batch_limit_is_configurable() {
    let emulator = start(EmulatorConfig {
        max_files_per_request: 2,
        ..EmulatorConfig::default()
    })
    .await;
    let body = json!({"files": [{"local_file_path": "a"}, {"local_file_path": "b"}, {"local_file_path": "c"}]});
    let (status, _, _, json) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_eq!(status, 422);
    assert_eq!(json["error"]["details"]["field"], "files");
}

#[tokio::test]
async fn success_answers_every_file_in_order() {
    let emulator = start_default().await;
    let workspace = "6f1c1a0e-5b0b-4d4e-9a57-3b1f5d3c2a10";
    let paths = [
        "path/to/file1.csv",
        "../../etc/passwd",
        "C:\\data\\report final.pdf",
        "dir/",
    ];
    let body = json!({
        "workspace_uuid": workspace,
        "files": paths.iter().map(|p| json!({"local_file_path": p})).collect::<Vec<_>>(),
    });
    let (status, _, headers, json) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_eq!(status, 200);
    assert!(headers.contains_key("x-request-id"));
    assert_eq!(json["workspace_uuid"], workspace);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), paths.len());
    let expected_names = ["file1.csv", "passwd", "report final.pdf", "file"];
    let mut uuids = Vec::new();
    for ((file, path), name) in files.iter().zip(paths).zip(expected_names) {
        assert_eq!(file["local_file_path"], path);
        let file_uuid = file["file_uuid"].as_str().unwrap();
        let parsed = uuid::Uuid::parse_str(file_uuid).unwrap();
        assert_eq!(parsed.get_version_num(), 4, "{file_uuid} is a v4 uuid");
        let org = emulator.organization_uuid();
        assert_eq!(
            file["remote_file_path"],
            format!("{org}/{file_uuid}/{name}")
        );
        let url = url::Url::parse(file["file_url"].as_str().unwrap()).unwrap();
        assert!(
            file["file_url"]
                .as_str()
                .unwrap()
                .starts_with(emulator.base_url())
        );
        let segments: Vec<String> = url
            .path_segments()
            .unwrap()
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
            .collect();
        assert_eq!(segments, [emulator.bucket(), org, file_uuid, name]);
        let query: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        for key in [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        ] {
            assert!(query.iter().any(|k| k == key), "{key} in {url}");
        }
        uuids.push(file_uuid.to_owned());
    }
    uuids.sort();
    uuids.dedup();
    assert_eq!(uuids.len(), paths.len(), "uuids are distinct");
}

#[tokio::test]
async fn unknown_routes_are_404_envelopes() {
    let emulator = start_default().await;
    let response = client()
        .get(format!("{}/v2/nothing", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let json: Value = response.json().await.unwrap();
    assert_eq!(envelope_code(&request_id, &json), "resource.not_found");
}

#[tokio::test]
async fn injected_429_carries_retry_after_and_presigns_nothing() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            presign_429_rate: 1.0,
            retry_after: std::time::Duration::from_millis(2500),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let body = json!({"files": [{"local_file_path": "a.csv"}]});
    let (status, request_id, headers, json) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "3", "rounded up to whole seconds");
    assert_eq!(envelope_code(&request_id, &json), "quota.limit_exceeded");
    let stats = emulator.stats();
    assert_eq!(stats.faults.presign_429, 1);
    assert_eq!(stats.presigned_files, 0);
}

#[tokio::test]
async fn injected_503_is_an_envelope() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            presign_503_rate: 1.0,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let body = json!({"files": [{"local_file_path": "a.csv"}]});
    let (status, request_id, _, json) = presign_raw(&emulator, Some(KEY), &body).await;
    assert_eq!(status, 503);
    assert_eq!(envelope_code(&request_id, &json), "server.internal_error");
    assert_eq!(emulator.stats().faults.presign_503, 1);
}

#[tokio::test]
async fn faults_do_not_hide_auth_or_validation_errors() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            presign_429_rate: 1.0,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let (status, _, _, _) = presign_raw(&emulator, None, &json!({"files": []})).await;
    assert_eq!(status, 401);
    let (status, _, _, _) = presign_raw(&emulator, Some(KEY), &json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(emulator.stats().faults.presign_429, 0);
}

#[tokio::test]
async fn seeded_faults_are_deterministic() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let emulator = start(EmulatorConfig {
            faults: Faults {
                seed,
                presign_429_rate: 0.3,
                presign_503_rate: 0.3,
                ..Faults::default()
            },
            ..EmulatorConfig::default()
        })
        .await;
        let client = client();
        let mut out = Vec::new();
        for _ in 0..40 {
            let body = json!({"files": [{"local_file_path": "a"}]});
            let (status, _, _, _) = presign_raw_with(&client, &emulator, Some(KEY), &body).await;
            out.push(status);
        }
        out
    }
    let first = statuses(7).await;
    let second = statuses(7).await;
    assert_eq!(first, second);
    for status in [200, 429, 503] {
        assert!(first.contains(&status), "{status} appears in {first:?}");
    }
    assert_ne!(
        first,
        statuses(8).await,
        "another seed gives another sequence"
    );
}

#[tokio::test]
async fn connections_are_counted() {
    let emulator = start_default().await;
    let pooled = client();
    for _ in 0..3 {
        presign(&emulator, &[("a.csv", None)]).await;
    }
    // `presign` builds a new client each time: three connections.
    assert_eq!(emulator.stats().connections_accepted, 3);
    for _ in 0..3 {
        let response = pooled
            .post(format!("{}/v2/files", emulator.base_url()))
            .header("x-api-key", KEY)
            .json(&json!({"files": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
    // One pooled client reuses its connection.
    assert_eq!(emulator.stats().connections_accepted, 4);
}

#[tokio::test]
async fn shutdown_removes_a_temporary_data_dir() {
    let emulator = start_default().await;
    let dir = emulator.data_dir().to_path_buf();
    assert!(dir.is_dir());
    let base_url = emulator.base_url().to_owned();
    emulator.shutdown().await;
    assert!(!dir.exists());
    assert!(
        client()
            .get(format!("{base_url}/v2/files"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn run_until_serves_until_the_signal() {
    let emulator = start_default().await;
    let base_url = emulator.base_url().to_owned();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(emulator.run_until(async {
        let _ = rx.await;
    }));
    let response = client()
        .post(format!("{base_url}/v2/files"))
        .header("x-api-key", KEY)
        .json(&json!({"files": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    tx.send(()).unwrap();
    task.await.unwrap();
    assert!(
        client()
            .get(format!("{base_url}/v2/files"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn api_and_store_latencies_are_separate() {
    let api = std::time::Duration::from_secs(20);
    let store = std::time::Duration::from_secs(45);
    let emulator = start(EmulatorConfig {
        faults: Faults {
            api_latency: api,
            store_latency: store,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    // Paused clock: tokio jumps over the emulator's sleeps, so this takes no real time.
    let started = tokio::time::Instant::now();
    let (status, _, _, _) = presign_raw(&emulator, None, &json!({"files": []})).await;
    assert_eq!(status, 401, "errors are delayed too");
    let api_took = started.elapsed();
    assert!(api_took >= api && api_took < store, "{api_took:?}");

    let items = presign(&emulator, &[("a.txt", None)]).await;
    let started = tokio::time::Instant::now();
    let response = client()
        .put(items[0]["file_url"].as_str().unwrap())
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= store, "{:?}", started.elapsed());
}
