//! The emulator's answers against the spec, through Prism's validating proxy: the success
//! and every error status the emulator produces must conform (no `sl-violations`).

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig, Faults};
use aymara_tests::prism::Prism;
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
    let mock = aymara_tests::mock::MockServer::start().await;
    mock.script_presign([aymara_tests::mock::Canned::json(
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
