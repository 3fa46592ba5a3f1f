//! Pins the JSON Schema (via schemars) of every generated type, so a change to the spec that
//! alters what the client accepts or sends is reviewed in the snapshot diff.

use aymara_api::types::{
    ErrorDetail, ErrorResponse, FileDetail, FileFrames, FileListResponse, FileStatus,
    FileTypeFilter, FileUpload, FileUploadRequest, FileUploadRequestItem, FileUploadResponse,
};
use schemars::schema_for;
use serde_json::json;

#[test]
fn generated_type_schemas() {
    let schemas = json!({
        "ErrorDetail": schema_for!(ErrorDetail),
        "ErrorResponse": schema_for!(ErrorResponse),
        "FileDetail": schema_for!(FileDetail),
        "FileFrames": schema_for!(FileFrames),
        "FileListResponse": schema_for!(FileListResponse),
        "FileStatus": schema_for!(FileStatus),
        "FileTypeFilter": schema_for!(FileTypeFilter),
        "FileUpload": schema_for!(FileUpload),
        "FileUploadRequest": schema_for!(FileUploadRequest),
        "FileUploadRequestItem": schema_for!(FileUploadRequestItem),
        "FileUploadResponse": schema_for!(FileUploadResponse),
    });
    assert_eq!(schemas["FileUploadRequest"]["required"], json!(["files"]));
    assert_eq!(
        schemas["FileUploadRequestItem"].get("required"),
        None,
        "every field of a request item is optional"
    );
    // Timestamps and open sets decode as plain strings: a loosely spelled timestamp or a new
    // status value never makes an answer undecodable.
    for (name, field) in [
        ("FileDetail", "created_at"),
        ("FileDetail", "file_type"),
        ("FileStatus", "updated_at"),
        ("FileStatus", "processing_status"),
    ] {
        let property = &schemas[name]["properties"][field];
        assert_eq!(property["type"], "string", "{name}.{field}");
        assert!(property.get("format").is_none() && property.get("enum").is_none());
    }
    for (name, schema) in schemas.as_object().expect("object") {
        insta::assert_json_snapshot!(format!("schema_{name}"), schema);
    }
}
