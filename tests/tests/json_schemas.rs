//! Pins the JSON Schema (via schemars) of every generated type, so a change to the spec that
//! alters what the client accepts or sends is reviewed in the snapshot diff.

use aymara_api::types::{
    ErrorDetail, ErrorResponse, FileUploadRequest, FileUploadRequestItem, FileUploadResponse,
    FileUploadResponseItem,
};
use schemars::schema_for;

#[test]
fn generated_type_schemas() {
    let schemas = serde_json::json!({
        "ErrorDetail": schema_for!(ErrorDetail),
        "ErrorResponse": schema_for!(ErrorResponse),
        "FileUploadRequest": schema_for!(FileUploadRequest),
        "FileUploadRequestItem": schema_for!(FileUploadRequestItem),
        "FileUploadResponse": schema_for!(FileUploadResponse),
        "FileUploadResponseItem": schema_for!(FileUploadResponseItem),
    });
    let request = &schemas["FileUploadRequest"];
    assert_eq!(request["required"], serde_json::json!(["files"]));
    for (name, schema) in schemas.as_object().expect("object") {
        insta::assert_json_snapshot!(format!("schema_{name}"), schema);
    }
}
