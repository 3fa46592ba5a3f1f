//! What the emulator's tests share: its HTTP calls made by hand (presigns, raw requests),
//! and checks of its error envelopes and S3 errors. The helpers of every test crate are in
//! `aymara-test-support`; these need the emulator crate, which that crate's `emulator`
//! feature would link a second time here.

use aymara_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const KEY: &str = "test-key";

pub async fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("emulator starts")
}

pub async fn start_default() -> Emulator {
    start(EmulatorConfig::default()).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// POSTs `body` to `/v2/files` with the test key; returns status, x-request-id and JSON.
pub async fn presign_raw(
    emulator: &Emulator,
    key: Option<&str>,
    body: &Value,
) -> (u16, String, reqwest::header::HeaderMap, Value) {
    presign_raw_with(&client(), emulator, key, body).await
}

/// [`presign_raw`] over a given client, to reuse its connection pool.
pub async fn presign_raw_with(
    client: &reqwest::Client,
    emulator: &Emulator,
    key: Option<&str>,
    body: &Value,
) -> (u16, String, reqwest::header::HeaderMap, Value) {
    let mut request = client
        .post(format!("{}/v2/files", emulator.base_url()))
        .json(body);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.expect("POST /v2/files answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let request_id = headers
        .get("x-request-id")
        .expect("every answer has x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    let json = response.json().await.expect("JSON body");
    (status, request_id, headers, json)
}

/// Presigns the given `(local_file_path, content_type)` pairs and returns the 200 items.
pub async fn presign(emulator: &Emulator, files: &[(&str, Option<&str>)]) -> Vec<Value> {
    let files: Vec<Value> = files
        .iter()
        .map(|(path, ct)| json!({"local_file_path": path, "content_type": ct}))
        .collect();
    let (status, _, _, body) = presign_raw(
        emulator,
        Some(KEY),
        &json!({"workspace_uuid": null, "files": files}),
    )
    .await;
    assert_eq!(status, 200, "presign failed: {body}");
    body["files"].as_array().unwrap().clone()
}

/// Asserts the 4xx/5xx envelope and that its request_id matches the header; returns
/// `error.code`.
pub fn envelope_code(request_id: &str, body: &Value) -> String {
    assert_eq!(
        body["request_id"], request_id,
        "request_id matches x-request-id: {body}"
    );
    assert!(
        body["error"]["message"].is_string(),
        "message present: {body}"
    );
    assert!(
        body["error"]["details"].is_object(),
        "details present: {body}"
    );
    body["error"]["code"].as_str().unwrap().to_owned()
}

/// An S3 error: status, `<Code>`, `<Message>`, after checking the content type and that
/// `<RequestId>` matches `x-request-id`.
pub async fn s3_error(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/xml",
        "store errors are XML"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{text}"
    );
    assert_eq!(tag(&text, "RequestId"), request_id, "{text}");
    (status, tag(&text, "Code"), tag(&text, "Message"))
}

fn tag(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
        + open.len();
    let end = xml[start..].find(&close).unwrap() + start;
    xml[start..end].to_owned()
}

/// Sends a raw HTTP/1.1 request and reads until the server closes.
pub async fn raw_request(emulator: &aymara_emulator::Emulator, head: &str, body: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The path and query of `url` exactly as written, never re-encoded.
pub fn path_and_query(url: &str) -> String {
    let after_scheme = url.split_once("://").unwrap().1;
    let start = after_scheme.find('/').unwrap();
    after_scheme[start..].to_owned()
}

/// The presigned URL of a presign answer's item.
pub fn url_of(item: &Value) -> String {
    item["file_url"].as_str().unwrap().to_owned()
}

/// The value of `key` in `url`'s query, decoded.
pub fn param(url: &str, key: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .unwrap()
        .1
        .into_owned()
}

/// A call to the API with the test key: status, request id, JSON body (`Null` when empty).
pub async fn call(
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
) -> (u16, String, Value) {
    call_with(emulator, method, path, Some(KEY)).await
}

pub async fn call_with(
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
) -> (u16, String, Value) {
    let mut request = client().request(method, format!("{}{path}", emulator.base_url()));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, request_id, json)
}

pub async fn get(emulator: &Emulator, path: &str) -> Value {
    let (status, _, json) = call(emulator, reqwest::Method::GET, path).await;
    assert_eq!(status, 200, "{path}: {json}");
    json
}

pub async fn create(emulator: &Emulator, files: Value) -> Vec<Value> {
    let (status, _, _, body) = presign_raw(emulator, Some(KEY), &json!({ "files": files })).await;
    assert_eq!(status, 200, "{body}");
    body["files"].as_array().unwrap().clone()
}

pub async fn put(item: &Value, body: impl Into<reqwest::Body>) {
    let response = client()
        .put(item["file_url"].as_str().unwrap())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

pub fn uuid_of(item: &Value) -> &str {
    item["file_uuid"].as_str().unwrap()
}
