//! The emulator's answers against the spec, through Prism's validating proxy: the success
//! and every error status the emulator produces must conform (no `sl-violations`).

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig, Faults};
use aymara_test_support::prism::Prism;
use serde_json::{Value, json};

async fn post(
    prism: &Prism,
    key: Option<&str>,
    body: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v2/files", prism.url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn assert_conforms(what: &str, headers: &reqwest::header::HeaderMap) {
    assert!(
        !headers.contains_key("sl-violations"),
        "{what}: {:?}",
        headers.get("sl-violations")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_the_emulator_gives_conforms_to_the_spec() {
    let emulator = Emulator::start(EmulatorConfig {
        api_keys: vec!["k".into()],
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let prism = Prism::proxy(emulator.base_url());
    let ok = json!({"workspace_uuid": "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41", "files": [{"local_file_path": "a.csv", "content_type": "text/csv"}, {"local_file_path": "dir/b.png"}]});
    let (status, headers, body) = post(&prism, Some("k"), &ok.to_string()).await;
    assert_eq!(status, 200);
    assert_conforms("200", &headers);
    assert_eq!(body["files"].as_array().unwrap().len(), 2);

    let long = "x".repeat(1024 * 1024 + 1);
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"local_file_path": format!("{i}")}))
        .collect();
    // Prism refuses requests that break the spec before they reach the emulator, so the
    // 422 cases are ones the spec allows but the service rejects.
    let cases = [
        ("401 wrong key", Some("wrong"), ok.to_string(), 401),
        (
            "422 bad workspace",
            Some("k"),
            json!({"workspace_uuid": "nope", "files": []}).to_string(),
            422,
        ),
        (
            "422 empty path",
            Some("k"),
            json!({"files": [{"local_file_path": ""}]}).to_string(),
            422,
        ),
        (
            "422 too many files",
            Some("k"),
            json!({"files": too_many}).to_string(),
            422,
        ),
        (
            "422 oversized body",
            Some("k"),
            json!({"files": [{"local_file_path": long}]}).to_string(),
            422,
        ),
    ];
    for (name, key, body, expected) in cases {
        let (status, headers, body) = post(&prism, key, &body).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert_conforms(name, &headers);
        assert!(
            body["error"]["code"].is_string() && body["request_id"].is_string(),
            "{name}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_conform_to_the_spec_too() {
    for (faults, expected) in [
        (
            Faults {
                presign_429_rate: 1.0,
                retry_after: Duration::from_secs(2),
                ..Faults::default()
            },
            429,
        ),
        (
            Faults {
                presign_503_rate: 1.0,
                ..Faults::default()
            },
            503,
        ),
    ] {
        let emulator = Emulator::start(EmulatorConfig {
            faults,
            ..EmulatorConfig::default()
        })
        .await
        .unwrap();
        let prism = Prism::proxy(emulator.base_url());
        let (status, headers, body) = post(
            &prism,
            Some("k"),
            &json!({"files": [{"local_file_path": "a"}]}).to_string(),
        )
        .await;
        assert_eq!(status, expected, "{body}");
        assert_conforms(&expected.to_string(), &headers);
        if expected == 429 {
            assert_eq!(headers["retry-after"], "2");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_does_flag_an_answer_that_breaks_the_spec() {
    let mock = aymara_test_support::mock::MockServer::start().await;
    mock.script_presign([aymara_test_support::mock::Canned::json(
        200,
        json!({"files": "not a list"}),
    )]);
    let prism = Prism::proxy(mock.url());
    let (_, headers, _) = post(
        &prism,
        Some("k"),
        &json!({"files": [{"local_file_path": "a"}]}).to_string(),
    )
    .await;
    assert!(headers.contains_key("sl-violations"), "{headers:?}");
}

/// One call through the proxy: status, headers, JSON body (`Null` when empty).
async fn through(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_the_whole_files_resource_conforms_to_the_spec() {
    let emulator = Emulator::start(EmulatorConfig {
        api_keys: vec!["k".into()],
        video_processing: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let prism = Prism::proxy(emulator.base_url());
    // Prism drops the connection on a multipart part without a content type, so every
    // part here has one (the SDK always sends one).
    let http = reqwest::Client::new();
    let api = |method: reqwest::Method, path: &str, key: &str| {
        http.request(method, format!("{}{path}", prism.url()))
            .header("x-api-key", key)
    };
    let workspace = "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41";
    let created = json!({"workspace_uuid": workspace, "files": [
        {"local_file_path": "notes.csv"},
        {"local_file_path": "clip.mp4"},
        {"local_file_path": "never-sent.mp4"},
        {"remote_uri": "https://example.com/remote.mp4"},
    ]});
    let (status, headers, body) = through(
        api(reqwest::Method::POST, "/v2/files", "k")
            .header("content-type", "application/json")
            .body(created.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_conforms("create with remote_uri", &headers);
    let items = body["files"].as_array().unwrap().clone();
    for (item, bytes) in items.iter().zip([&b"a,b\n"[..], &[7u8; 70_000][..]]) {
        // The store is not part of the spec: straight to the emulator.
        let put = http
            .put(item["file_url"].as_str().unwrap())
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
    }
    let uuid = |i: usize| items[i]["file_uuid"].as_str().unwrap().to_owned();
    let (csv, video, pending) = (uuid(0), uuid(1), uuid(2));
    let unknown = "00000000-0000-4000-8000-000000000000";

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"x,y\n".to_vec())
            .file_name("direct.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let (status, headers, body) = through(
        api(
            reqwest::Method::POST,
            &format!("/v2/files/-/uploads?workspace_uuid={workspace}"),
            "k",
        )
        .multipart(form),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_conforms("upload_file 200", &headers);
    assert_eq!(body["processing_status"], "completed");

    use reqwest::Method as M;
    let cases: Vec<(&str, M, String, &str, u16)> = vec![
        (
            "list",
            M::GET,
            format!("/v2/files?workspace_uuid={workspace}&file_type=text&limit=2&offset=0"),
            "k",
            200,
        ),
        (
            "list, second page",
            M::GET,
            "/v2/files?limit=2&offset=2".into(),
            "k",
            200,
        ),
        (
            "list, bad workspace",
            M::GET,
            "/v2/files?workspace_uuid=nope".into(),
            "k",
            422,
        ),
        ("list, wrong key", M::GET, "/v2/files".into(), "wrong", 401),
        ("get", M::GET, format!("/v2/files/{csv}"), "k", 200),
        (
            "get a video",
            M::GET,
            format!("/v2/files/{video}"),
            "k",
            200,
        ),
        (
            "get, unknown",
            M::GET,
            format!("/v2/files/{unknown}"),
            "k",
            404,
        ),
        (
            "get, wrong key",
            M::GET,
            format!("/v2/files/{csv}"),
            "wrong",
            401,
        ),
        (
            "status",
            M::GET,
            format!("/v2/files/{video}/status"),
            "k",
            200,
        ),
        (
            "status, pending",
            M::GET,
            format!("/v2/files/{pending}/status"),
            "k",
            200,
        ),
        (
            "status, unknown",
            M::GET,
            format!("/v2/files/{unknown}/status"),
            "k",
            404,
        ),
        (
            "status, wrong key",
            M::GET,
            format!("/v2/files/{csv}/status"),
            "wrong",
            401,
        ),
        (
            "frames",
            M::GET,
            format!("/v2/files/{video}/frames"),
            "k",
            200,
        ),
        (
            "frames, not a video",
            M::GET,
            format!("/v2/files/{csv}/frames"),
            "k",
            422,
        ),
        (
            "frames, still pending",
            M::GET,
            format!("/v2/files/{pending}/frames"),
            "k",
            409,
        ),
        (
            "frames, unknown",
            M::GET,
            format!("/v2/files/{unknown}/frames"),
            "k",
            404,
        ),
        (
            "frames, wrong key",
            M::GET,
            format!("/v2/files/{video}/frames"),
            "wrong",
            401,
        ),
        (
            "delete, wrong key",
            M::DELETE,
            format!("/v2/files/{csv}"),
            "wrong",
            401,
        ),
        ("delete", M::DELETE, format!("/v2/files/{csv}"), "k", 204),
        (
            "delete, again",
            M::DELETE,
            format!("/v2/files/{csv}"),
            "k",
            404,
        ),
        (
            "upload, wrong key",
            M::POST,
            "/v2/files/-/uploads".into(),
            "wrong",
            401,
        ),
        (
            "upload, no file part",
            M::POST,
            "/v2/files/-/uploads?workspace_uuid=nope".into(),
            "k",
            422,
        ),
    ];
    for (name, method, path, key, expected) in cases {
        let mut request = api(method, &path, key);
        if path.starts_with("/v2/files/-/uploads") {
            let part = reqwest::multipart::Part::bytes(b"1".to_vec())
                .file_name("a.csv")
                .mime_str("text/csv")
                .unwrap();
            let form = reqwest::multipart::Form::new().part("file", part);
            request = request.multipart(form);
        }
        let (status, headers, body) = through(request).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert_conforms(name, &headers);
        if expected >= 400 {
            assert!(
                body["error"]["code"].is_string() && body["request_id"].is_string(),
                "{name}: {body}"
            );
        }
    }
}
