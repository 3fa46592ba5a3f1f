//! `POST /v2/files`: key check, validation, faults, presigned URLs.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::answer::{ApiError, Invalid};
use crate::body::{BodyError, read_limited};
use crate::faults::PresignFault;
use crate::keys::object_key;
use crate::names::object_name;
use crate::signing::StoreMethod;
use crate::state::Shared;
use crate::stats::bump;

/// Largest request body accepted: a full batch of long paths fits many times over, and a
/// runaway client cannot make the emulator buffer without bound.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The 200 body, as the spec's `FileUploadResponse`.
#[derive(Serialize)]
struct UploadResponse {
    /// Echoed as given: `null` stays `null` (the default workspace), nothing is invented.
    workspace_uuid: Option<String>,
    files: Vec<UploadResponseItem>,
}

/// One answer per requested file, as the spec's `FileUploadResponseItem`.
#[derive(Serialize)]
struct UploadResponseItem {
    local_file_path: String,
    file_uuid: String,
    file_url: String,
    remote_file_path: String,
}

/// A request that passed validation.
struct UploadRequest {
    workspace_uuid: Option<String>,
    files: Vec<RequestedFile>,
}

struct RequestedFile {
    local_file_path: String,
    content_type: Option<String>,
}

/// The handler. Order: key, body, validation, fault dice, then presigning, so a fault
/// never leaves some files presigned.
pub(crate) async fn post_files(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    bump(&shared.counters.presign_requests);
    if !key_accepted(&shared, &headers) {
        return Err(ApiError::InvalidKey);
    }

    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let is_json = content_type
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::format(
                "content-type",
                "the request body must be application/json",
            ));
        }
    }

    let bytes = match read_limited(body, MAX_BODY_BYTES, shared.body_idle_timeout).await {
        Ok(bytes) => bytes,
        // 422 rather than 413: the contract documents 422 for a request it will not take,
        // and an emulator must not answer statuses the contract does not list.
        Err(BodyError::TooLarge) => {
            return Err(
                Invalid::new("body", "the request body is larger than 1 MiB")
                    .with("limit_bytes", MAX_BODY_BYTES)
                    .into(),
            );
        }
        Err(BodyError::Read) => return Err(ApiError::UnreadableBody),
        Err(BodyError::Stalled) => {
            bump(&shared.counters.body_timeouts);
            return Err(ApiError::BodyStalled);
        }
    };

    let value: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::InvalidFormat {
        message: "the request body is not valid JSON".to_owned(),
        details: json!({"field": "body", "line": e.line(), "column": e.column()}),
    })?;
    let request = validate(&value, shared.max_files_per_request)?;

    match shared.dice.presign(&shared.faults) {
        PresignFault::None => {}
        PresignFault::TooManyRequests => {
            bump(&shared.counters.presign_429);
            return Err(ApiError::RateLimited {
                retry_after_secs: retry_after_secs(shared.faults.retry_after),
            });
        }
        PresignFault::Unavailable => {
            bump(&shared.counters.presign_503);
            return Err(ApiError::Unavailable);
        }
    }

    let files = request
        .files
        .iter()
        .map(|file| presign(&shared, file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| ApiError::Internal { message })?;
    shared.counters.record_presigned(files.len());
    let response = UploadResponse {
        workspace_uuid: request.workspace_uuid,
        files,
    };
    Ok((StatusCode::OK, axum::Json(response)).into_response())
}

/// An empty key is never accepted; an empty allow-list accepts any other.
fn key_accepted(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if key.trim().is_empty() {
        return false;
    }
    shared.api_keys.is_empty() || shared.api_keys.iter().any(|k| k == key)
}

/// `Retry-After` in whole seconds, rounded up so a client never retries early.
fn retry_after_secs(d: std::time::Duration) -> u64 {
    let secs = d.as_secs();
    if d.subsec_nanos() > 0 { secs + 1 } else { secs }
}

/// Checks the body against the spec's `FileUploadRequest` by hand, so each failure can name
/// its field the way a client needs to fix it. Unknown fields are ignored, for forward
/// compatibility. An empty `files` list is valid and gets an empty answer.
fn validate(value: &Value, max_files: usize) -> Result<UploadRequest, ApiError> {
    let Some(object) = value.as_object() else {
        return Err(ApiError::format(
            "body",
            "the request body must be a JSON object",
        ));
    };
    let invalid = |field: &str, message: &str| ApiError::from(Invalid::new(field, message));

    let workspace_uuid = match object.get("workspace_uuid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if uuid::Uuid::try_parse(s).is_err() {
                return Err(invalid("workspace_uuid", "workspace_uuid must be a UUID"));
            }
            Some(s.clone())
        }
        Some(_) => {
            return Err(invalid(
                "workspace_uuid",
                "workspace_uuid must be a string or null",
            ));
        }
    };

    let items = match object.get("files") {
        None => return Err(invalid("files", "files is required")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("files", "files must be an array")),
    };
    if items.len() > max_files {
        return Err(Invalid::new(
            "files",
            format!("at most {max_files} files per request; got {}", items.len()),
        )
        .with("max_items", max_files)
        .with("received", items.len())
        .into());
    }

    let mut files = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Err(invalid(
                &format!("files[{i}]"),
                "each file must be an object",
            ));
        };
        let field = format!("files[{i}].local_file_path");
        let local_file_path = match item.get("local_file_path") {
            None | Some(Value::Null) => {
                return Err(invalid(&field, "local_file_path is required"));
            }
            Some(Value::String(s)) if s.is_empty() => {
                return Err(invalid(&field, "local_file_path must not be empty"));
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(invalid(&field, "local_file_path must be a string")),
        };
        let field = format!("files[{i}].content_type");
        let content_type = match item.get("content_type") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if is_mime_type(s) => Some(s.clone()),
            Some(Value::String(_)) => {
                return Err(invalid(
                    &field,
                    "content_type must be a MIME type like text/csv",
                ));
            }
            Some(_) => return Err(invalid(&field, "content_type must be a string or null")),
        };
        files.push(RequestedFile {
            local_file_path,
            content_type,
        });
    }
    Ok(UploadRequest {
        workspace_uuid,
        files,
    })
}

/// `type/subtype` with optional parameters, in visible ASCII: it must be usable verbatim as
/// a header value, since the PUT has to send it back.
fn is_mime_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or("").trim();
    let mut parts = essence.split('/');
    let ok_token = |t: Option<&str>| t.is_some_and(|t| !t.is_empty() && !t.contains(' '));
    ok_token(parts.next())
        && ok_token(parts.next())
        && parts.next().is_none()
        && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

/// One file's uuid, names and presigned URL.
fn presign(shared: &Shared, file: &RequestedFile) -> Result<UploadResponseItem, String> {
    let file_uuid = uuid::Uuid::new_v4().hyphenated().to_string();
    let key = object_key(
        &shared.org_uuid,
        &file_uuid,
        &object_name(&file.local_file_path),
    );
    let file_url = shared.signer.presign(
        StoreMethod::Put,
        &key,
        file.content_type.as_deref(),
        shared.url_ttl,
        SystemTime::now(),
    )?;
    Ok(UploadResponseItem {
        local_file_path: file.local_file_path.clone(),
        remote_file_path: key,
        file_uuid,
        file_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_are_checked() {
        assert!(is_mime_type("text/csv"));
        assert!(is_mime_type("text/plain; charset=utf-8"));
        assert!(!is_mime_type("csv"));
        assert!(!is_mime_type("text/"));
        assert!(!is_mime_type("text/plain\r\nx: y"));
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(std::time::Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(std::time::Duration::from_secs(2)), 2);
    }
}
