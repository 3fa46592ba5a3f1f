//! The documented examples in `openapi/examples/` against the spec and the generated types:
//! each validates against its schema in the spec (with a JSON Schema validator), is shown in
//! the spec itself, survives a round trip through its generated type, and the round-tripped
//! values are pinned.
//!
//! A file is named `<operationId>.<request | status>[.<variant>].json`: `list_files.200.json`
//! is the 200 answer of `list_files`, `post_files.request.remote_uri.json` one request body
//! of `post_files`.

use std::fs;

use aymara_api::types::{
    self, ErrorResponse, FileDetail, FileFrames, FileListResponse, FileStatus, FileUpload,
    FileUploadRequest, FileUploadResponse,
};
use aymara_test_support::workspace_root;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn spec() -> Value {
    let text =
        fs::read_to_string(workspace_root().join("openapi/aymara.yaml")).expect("spec readable");
    serde_norway::from_str(&text).expect("spec is YAML")
}

/// Follows a local `$ref`, if `node` is one.
fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(&r[1..]).expect("$ref resolves"),
        None => node,
    }
}

/// The JSON media type object of the request body or response at `pointer`.
fn json_media<'a>(spec: &'a Value, pointer: &str) -> &'a Value {
    let node = resolve(spec, spec.pointer(pointer).expect("pointer resolves"));
    &node["content"]["application/json"]
}

/// OpenAPI 3.0's `nullable: true` is not JSON Schema; rewrite it as a `null` type.
fn to_json_schema(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true))
                && let Some(Value::String(t)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([t, "null"]));
            }
            map.values_mut().for_each(to_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// A validator for the JSON body of the request body or response at `pointer`, with the
/// spec's components in scope.
fn validator(spec: &Value, pointer: &str) -> jsonschema::Validator {
    let schema = json_media(spec, pointer)["schema"].clone();
    let mut document = json!({"components": spec["components"].clone()});
    document
        .as_object_mut()
        .expect("object")
        .extend(schema.as_object().expect("schema is an object").clone());
    to_json_schema(&mut document);
    jsonschema::validator_for(&document).expect("schema compiles")
}

/// The example values the spec shows for the request body or response at `pointer`.
fn inline_examples(spec: &Value, pointer: &str) -> Vec<Value> {
    let media = json_media(spec, pointer);
    let named = media["examples"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values());
    named
        .map(|example| resolve(spec, example)["value"].clone())
        .chain(media.get("example").cloned())
        .collect()
}

/// One file of `openapi/examples/`.
struct Example {
    name: String,
    operation_id: String,
    /// `request`, or the response status.
    kind: String,
    value: Value,
}

impl Example {
    /// JSON pointer of the request body or response it documents.
    fn pointer(&self, spec: &Value) -> String {
        let operation = operation_pointer(spec, &self.operation_id)
            .unwrap_or_else(|| panic!("{}: no operation {}", self.name, self.operation_id));
        match self.kind.as_str() {
            "request" => format!("{operation}/requestBody"),
            status => format!("{operation}/responses/{status}"),
        }
    }
}

fn operation_pointer(spec: &Value, operation_id: &str) -> Option<String> {
    let paths = spec["paths"].as_object()?;
    paths.iter().find_map(|(path, item)| {
        let (method, _) = item
            .as_object()?
            .iter()
            .find(|(_, op)| op.get("operationId").and_then(Value::as_str) == Some(operation_id))?;
        Some(format!("/paths/{}/{method}", path.replace('/', "~1")))
    })
}

fn examples() -> Vec<Example> {
    let dir = workspace_root().join("openapi/examples");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("examples dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = dir.join(&name);
            let text = fs::read_to_string(&path).expect("example readable");
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let parts: Vec<&str> = name.trim_end_matches(".json").split('.').collect();
            let [operation_id, kind, ..] = parts[..] else {
                panic!("{name} is not named <operationId>.<request|status>[.<variant>].json");
            };
            Example {
                operation_id: operation_id.into(),
                kind: kind.into(),
                value,
                name,
            }
        })
        .collect()
}

fn example(name: &str) -> Value {
    examples()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no example {name}"))
        .value
}

/// The value without its `null` members: every nullable field is optional, so null and
/// absent mean the same, and the generated types leave `None` out.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).expect("example deserializes");
    serde_json::to_value(&typed).expect("type serializes")
}

/// Decodes `example` into the generated type of what it documents, and encodes it back.
fn round_trip_example(example: &Example) -> Value {
    let value = &example.value;
    match (example.operation_id.as_str(), example.kind.as_str()) {
        ("post_files", "request") => round_trip::<FileUploadRequest>(value),
        ("post_files", "200") => round_trip::<FileUploadResponse>(value),
        ("list_files", "200") => round_trip::<FileListResponse>(value),
        ("get_file", "200") => round_trip::<FileDetail>(value),
        ("get_file_status", "200") => round_trip::<FileStatus>(value),
        ("get_file_frames", "200") => round_trip::<FileFrames>(value),
        ("upload_file", "200") => round_trip::<FileUpload>(value),
        (_, status) if status.starts_with(['4', '5']) => round_trip::<ErrorResponse>(value),
        _ => panic!("{}: which generated type does it document?", example.name),
    }
}

#[test]
fn every_operation_has_a_documented_answer() {
    let spec = spec();
    let documented: Vec<String> = examples().into_iter().map(|e| e.operation_id).collect();
    for op in spec["paths"].as_object().unwrap().values() {
        for op in op.as_object().unwrap().values() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            // A 204 has no body to show.
            if op["responses"].get("204").is_none() {
                assert!(documented.iter().any(|d| d == id), "{id} has no example");
            }
        }
    }
}

#[test]
fn examples_validate_against_the_spec() {
    let spec = spec();
    for example in examples() {
        let pointer = example.pointer(&spec);
        let errors: Vec<String> = validator(&spec, &pointer)
            .iter_errors(&example.value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match {pointer}: {errors:?}",
            example.name
        );
    }
}

#[test]
fn every_example_file_is_shown_in_the_spec_and_every_shown_example_validates() {
    let spec = spec();
    for example in examples() {
        let pointer = example.pointer(&spec);
        assert!(
            inline_examples(&spec, &pointer).contains(&example.value),
            "{} is not among the examples at {pointer}",
            example.name
        );
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("/paths/{}/{method}", path.replace('/', "~1"));
            let mut places = vec![format!("{at}/requestBody")];
            let responses = op.get("responses").and_then(Value::as_object);
            places.extend(
                responses
                    .into_iter()
                    .flatten()
                    .map(|(status, _)| format!("{at}/responses/{status}")),
            );
            for place in places.iter().filter(|p| spec.pointer(p).is_some()) {
                if json_media(&spec, place).is_null() {
                    continue; // multipart, or no body
                }
                let validator = validator(&spec, place);
                for value in inline_examples(&spec, place) {
                    assert!(validator.is_valid(&value), "{place}: {value}");
                }
            }
        }
    }
}

#[test]
fn the_validator_rejects_what_the_spec_forbids() {
    let spec = spec();
    let post = operation_pointer(&spec, "post_files").unwrap();
    let request = validator(&spec, &format!("{post}/requestBody"));
    assert!(request.is_valid(&json!({"workspace_uuid": null, "files": [{}]})));
    assert!(
        !request.is_valid(&json!({"files": [{"local_file_path": 7}]})),
        "local_file_path is a string"
    );
    assert!(
        !request.is_valid(&json!({"workspace_uuid": "w"})),
        "files is required"
    );
    let error = validator(&spec, &format!("{post}/responses/401"));
    assert!(
        !error.is_valid(&json!({"request_id": "r"})),
        "error is required"
    );
    assert!(!error.is_valid(&json!({"error": {"code": 7, "message": "m"}})));

    let get = operation_pointer(&spec, "get_file").unwrap();
    let detail = validator(&spec, &format!("{get}/responses/200"));
    let mut incomplete = example("get_file.200.json");
    incomplete.as_object_mut().unwrap().remove("created_at");
    assert!(!detail.is_valid(&incomplete), "created_at is required");
    let frames = operation_pointer(&spec, "get_file_frames").unwrap();
    let frames = validator(&spec, &format!("{frames}/responses/200"));
    assert!(!frames.is_valid(&json!({"file_uuid": "u", "frame_count": "3", "frame_urls": []})));
}

#[test]
fn examples_round_trip_through_the_generated_types() {
    let mut round_tripped = serde_json::Map::new();
    for example in examples() {
        let back = round_trip_example(&example);
        assert_eq!(
            back,
            without_nulls(&example.value),
            "{} changed in the round trip",
            example.name
        );
        round_tripped.insert(example.name, back);
    }
    insta::assert_json_snapshot!("examples_round_tripped", round_tripped);
}

#[test]
fn documented_examples_decode_into_their_types() {
    let ok: FileUploadResponse = serde_json::from_value(example("post_files.200.json")).unwrap();
    assert_eq!(ok.files.len(), 1);
    assert_eq!(ok.files[0].file_url.as_deref(), Some("string"));
    let err: ErrorResponse = serde_json::from_value(example("post_files.401.json")).unwrap();
    assert_eq!(err.error.code, "auth.invalid_key");
    assert_eq!(err.request_id.as_deref(), Some(""));

    let page: FileListResponse = serde_json::from_value(example("list_files.200.json")).unwrap();
    assert_eq!((page.items.len(), page.count), (2, Some(3)));
    let video = &page.items[1];
    assert_eq!(
        (video.file_type.as_str(), video.file_url.as_deref()),
        ("video", None)
    );
    let metadata = video.video_metadata.as_ref().unwrap();
    assert_eq!(metadata["frame_count"], 3);
    assert_eq!(video.created_at, "2025-06-03T14:25:41.512Z");

    let failed: FileStatus =
        serde_json::from_value(example("get_file_status.200.failed.json")).unwrap();
    assert_eq!(failed.processing_status, "failed");
    assert!(failed.error_message.is_some() && failed.remote_file_path.is_none());
}

#[test]
fn unknown_fields_and_values_do_not_break_decoding() {
    let newer = json!({
        "files": [{"file_uuid": "u", "processing_status": "quarantined", "checksum": "x"}],
        "workspace_uuid": null,
        "next": 1
    });
    let decoded: FileUploadResponse = serde_json::from_value(newer).unwrap();
    assert_eq!(decoded.files[0].file_uuid.as_deref(), Some("u"));
    assert_eq!(
        decoded.files[0].processing_status.as_deref(),
        Some("quarantined")
    );
    let error = json!({"error": {"code": "billing.new_code", "message": "m"}});
    let decoded: ErrorResponse = serde_json::from_value(error).unwrap();
    assert_eq!(decoded.error.code, "billing.new_code");

    let mut detail = example("get_file.200.json");
    detail["file_type"] = json!("audio");
    detail["created_at"] = json!("2025-06-03 14:21:07+00");
    detail["retention_days"] = json!(30);
    let decoded: FileDetail = serde_json::from_value(detail).unwrap();
    assert_eq!(
        (decoded.file_type.as_str(), decoded.created_at.as_str()),
        ("audio", "2025-06-03 14:21:07+00")
    );
    let mut status = example("get_file_status.200.json");
    status["processing_status"] = json!("queued");
    let decoded: FileStatus = serde_json::from_value(status).unwrap();
    assert_eq!(decoded.processing_status, "queued");
}

#[test]
fn the_remote_uri_request_can_be_built_through_the_generated_builders() {
    let item = |builder: types::builder::FileUploadRequestItem| {
        types::FileUploadRequestItem::try_from(builder).expect("every field is optional")
    };
    let request = FileUploadRequest::try_from(
        FileUploadRequest::builder()
            .workspace_uuid("3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41".to_string())
            .files(vec![
                item(
                    types::FileUploadRequestItem::builder()
                        .local_file_path("data.csv".to_string())
                        .content_type("text/csv".to_string()),
                ),
                item(
                    types::FileUploadRequestItem::builder()
                        .remote_uri("https://example.com/file.mp4".to_string()),
                ),
            ]),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        example("post_files.request.remote_uri.json")
    );
    let missing = FileUploadRequest::try_from(FileUploadRequest::builder()).unwrap_err();
    assert_eq!(missing.to_string(), "no value supplied for files");
}
