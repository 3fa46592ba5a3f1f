//! `POST /v2/files`: key check, validation, faults, then one file record and presigned
//! PUT per requested file.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::views::FileUpload;
use super::{authorize, remote};
use crate::answer::{ApiError, Invalid};
use crate::body::{BodyError, read_limited};
use crate::faults::PresignFault;
use crate::files::{FileRecord, ProcessingStatus, Status, infer_content_type};
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
    files: Vec<FileUpload>,
}

/// A request that passed validation.
struct UploadRequest {
    workspace_uuid: Option<String>,
    files: Vec<RequestedFile>,
}

/// One file of a create request.
pub(crate) struct RequestedFile {
    pub(crate) local_file_path: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) remote_uri: Option<String>,
}

/// The handler. Order: key, body, validation, fault dice, then presigning, so a fault
/// never leaves some files presigned.
pub(crate) async fn post_files(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    bump(&shared.counters.presign_requests);
    authorize(&shared, &headers)?;

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

    let mut records = Vec::with_capacity(request.files.len());
    let mut urls = Vec::with_capacity(request.files.len());
    for file in &request.files {
        let (record, file_url) = presign(&shared, request.workspace_uuid.as_ref(), file)
            .map_err(|message| ApiError::Internal { message })?;
        records.push(record);
        urls.push(file_url);
    }
    // All of a request's files, or none: a kill never leaves half a batch.
    shared.db.run(|conn| conn.insert(&records))?;
    let mut files = Vec::with_capacity(records.len());
    for (record, file_url) in records.iter().zip(urls) {
        if record.remote_uri.is_some() {
            remote::resolve(&shared, record).await?;
        }
        // Pending at first, as the service answers: the bytes have not arrived yet.
        let pending = Status {
            processing: ProcessingStatus::Pending,
            updated_at: record.created_at,
        };
        files.push(FileUpload::new(record, Some(file_url), &pending));
    }
    shared.counters.record_presigned(files.len());
    let response = UploadResponse {
        workspace_uuid: request.workspace_uuid,
        files,
    };
    Ok((StatusCode::OK, axum::Json(response)).into_response())
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
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => {
                return Err(invalid(&field, "local_file_path must not be empty"));
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(invalid(&field, "local_file_path must be a string")),
        };
        let remote_field = format!("files[{i}].remote_uri");
        let remote_uri = match item.get("remote_uri") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if is_remote_uri(s) => Some(s.clone()),
            Some(Value::String(_)) => {
                return Err(invalid(
                    &remote_field,
                    "remote_uri must be an absolute http or https URL",
                ));
            }
            Some(_) => {
                return Err(invalid(
                    &remote_field,
                    "remote_uri must be a string or null",
                ));
            }
        };
        if local_file_path.is_none() && remote_uri.is_none() {
            return Err(invalid(
                &field,
                "local_file_path is required unless remote_uri is given",
            ));
        }
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
            remote_uri,
        });
    }
    Ok(UploadRequest {
        workspace_uuid,
        files,
    })
}

/// `type/subtype` with optional parameters, in visible ASCII: it must be usable verbatim as
/// a header value, since the PUT has to send it back.
pub(super) fn is_mime_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or("").trim();
    let mut parts = essence.split('/');
    let ok_token = |t: Option<&str>| t.is_some_and(|t| !t.is_empty() && !t.contains(' '));
    ok_token(parts.next())
        && ok_token(parts.next())
        && parts.next().is_none()
        && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

/// An absolute http(s) URL with a host, at most 8 KiB.
fn is_remote_uri(s: &str) -> bool {
    s.len() <= 8 * 1024
        && url::Url::parse(s)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// One file's record and presigned PUT. The PUT binds the content type only when one was
/// given.
fn presign(
    shared: &Shared,
    workspace_uuid: Option<&String>,
    file: &RequestedFile,
) -> Result<(FileRecord, String), String> {
    let record = new_record(shared, workspace_uuid, file);
    let file_url = shared.signer.presign(
        StoreMethod::Put,
        &record.key,
        file.content_type.as_deref(),
        shared.url_ttl,
        SystemTime::now(),
    )?;
    Ok((record, file_url))
}

/// A new file's record, pending. The name comes from `local_file_path`, else from the last
/// segment of `remote_uri`; the content type is the one given, else inferred from that
/// name.
pub(crate) fn new_record(
    shared: &Shared,
    workspace_uuid: Option<&String>,
    file: &RequestedFile,
) -> FileRecord {
    let file_uuid = uuid::Uuid::new_v4().hyphenated().to_string();
    let name = match (&file.local_file_path, &file.remote_uri) {
        (Some(path), _) => object_name(path),
        (None, Some(uri)) => object_name(&remote::last_segment(uri)),
        (None, None) => object_name(""),
    };
    FileRecord {
        key: object_key(&shared.org_uuid, &file_uuid, &name),
        file_uuid,
        workspace_uuid: workspace_uuid.cloned(),
        local_file_path: file.local_file_path.clone(),
        content_type: file
            .content_type
            .clone()
            .unwrap_or_else(|| infer_content_type(&name)),
        remote_uri: file.remote_uri.clone(),
        created_at: shared.clock.now(),
        arrival: None,
        stored: None,
        failure: None,
        deleted: false,
        frames_stored: false,
    }
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
