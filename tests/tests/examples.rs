//! The documented examples in `openapi/examples/` against the spec and the generated types:
//! each validates against its schema in the spec (with a JSON Schema validator), survives a
//! round trip through its generated type unchanged, and the round-tripped values are pinned.

use std::fs;
use std::path::{Path, PathBuf};

use aymara_api::types::{ErrorResponse, FileUploadRequest, FileUploadResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec() -> Value {
    let text = fs::read_to_string(root().join("openapi/aymara.yaml")).expect("spec readable");
    serde_norway::from_str(&text).expect("spec is YAML")
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

/// A validator for the schema at `pointer` (a schema, or a response object) in the spec, with the spec's components in scope.
fn validator(spec: &Value, pointer: &str) -> jsonschema::Validator {
    let mut schema = spec
        .pointer(pointer)
        .cloned()
        .expect("schema pointer resolves");
    // A response is a `$ref` to a shared response object; its schema is under `content`.
    if let Some(r) = schema.get("$ref").and_then(Value::as_str)
        && let Some(content) = spec
            .pointer(&r[1..])
            .and_then(|target| target.get("content"))
    {
        schema = content["application/json"]["schema"].clone();
    }
    let mut document = json!({"components": spec["components"].clone()});
    document
        .as_object_mut()
        .expect("object")
        .extend(schema.as_object().expect("schema is an object").clone());
    to_json_schema(&mut document);
    jsonschema::validator_for(&document).expect("schema compiles")
}

fn example(name: &str) -> Value {
    let path = root().join("openapi/examples").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).expect("example deserializes");
    serde_json::to_value(&typed).expect("type serializes")
}

const ERROR_STATUSES: [&str; 9] = [
    "400", "401", "403", "404", "409", "422", "429", "500", "503",
];

/// Every example file, with the JSON pointer of the schema it documents.
fn examples() -> Vec<(String, String)> {
    let op = "/paths/~1v2~1files/post";
    let mut all = vec![
        (
            "post_files.request.json".to_string(),
            format!("{op}/requestBody/content/application~1json/schema"),
        ),
        (
            "post_files.200.json".to_string(),
            format!("{op}/responses/200/content/application~1json/schema"),
        ),
    ];
    for status in ERROR_STATUSES {
        all.push((
            format!("post_files.{status}.json"),
            format!("{op}/responses/{status}"),
        ));
    }
    all
}

#[test]
fn every_example_file_is_covered() {
    let mut on_disk: Vec<String> = fs::read_dir(root().join("openapi/examples"))
        .expect("examples dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = examples().into_iter().map(|(name, _)| name).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
}

#[test]
fn examples_validate_against_the_spec() {
    let spec = spec();
    for (name, pointer) in examples() {
        let validator = validator(&spec, &pointer);
        let errors: Vec<String> = validator
            .iter_errors(&example(&name))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name} does not match {pointer}: {errors:?}"
        );
    }
}

#[test]
fn the_validator_rejects_what_the_spec_forbids() {
    let spec = spec();
    let op = "/paths/~1v2~1files/post";
    let request = validator(
        &spec,
        &format!("{op}/requestBody/content/application~1json/schema"),
    );
    assert!(
        !request.is_valid(&json!({"files": [{}]})),
        "local_file_path is required"
    );
    assert!(
        !request.is_valid(&json!({"workspace_uuid": "w"})),
        "files is required"
    );
    assert!(request.is_valid(&json!({"workspace_uuid": null, "files": []})));
    let error = validator(&spec, &format!("{op}/responses/401"));
    assert!(
        !error.is_valid(&json!({"request_id": "r"})),
        "error is required"
    );
    assert!(!error.is_valid(&json!({"error": {"code": 7, "message": "m"}})));
}

#[test]
fn examples_round_trip_through_the_generated_types() {
    let mut round_tripped = serde_json::Map::new();
    for (name, _) in examples() {
        let original = example(&name);
        let back = match name.as_str() {
            "post_files.request.json" => round_trip::<FileUploadRequest>(&original),
            "post_files.200.json" => round_trip::<FileUploadResponse>(&original),
            _ => round_trip::<ErrorResponse>(&original),
        };
        assert_eq!(back, original, "{name} changed in the round trip");
        round_tripped.insert(name, back);
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
}

#[test]
fn unknown_fields_and_codes_do_not_break_decoding() {
    let newer = json!({
        "files": [{"file_uuid": "u", "processing_status": "pending"}],
        "workspace_uuid": null,
        "next": 1
    });
    let decoded: FileUploadResponse = serde_json::from_value(newer).unwrap();
    assert_eq!(decoded.files[0].file_uuid.as_deref(), Some("u"));
    let error = json!({"error": {"code": "billing.new_code", "message": "m"}});
    let decoded: ErrorResponse = serde_json::from_value(error).unwrap();
    assert_eq!(decoded.error.code, "billing.new_code");
}
