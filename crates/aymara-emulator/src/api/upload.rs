//! `POST /v2/files/-/uploads?workspace_uuid=`: a file's bytes sent to the API directly, as
//! `multipart/form-data` with one part named `file` (with a filename and a content type).
//! The part is streamed to the store as it arrives, never buffered whole, with the store's
//! limits: at most 5 GiB, a safe name, no stalls longer than the body idle timeout.

use std::sync::Arc;

use axum::Json;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::authorize;
use super::create::is_mime_type;
use super::views::FileUpload;
use crate::answer::{ApiError, Invalid};
use crate::files::{Arrival, FileRecord, infer_content_type};
use crate::keys::object_key;
use crate::names::object_name;
use crate::part::{ObjectMeta, Part, commit};
use crate::state::Shared;
use crate::stats::bump;
use crate::store::MAX_OBJECT_BYTES;

/// The handler. Order: key, query, then the body's `file` part; other parts are skipped.
pub(crate) async fn upload_file(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    bump(&shared.counters.upload_requests);
    authorize(&shared, &headers)?;
    let workspace_uuid = workspace_uuid(raw.as_deref())?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::format(
            "body",
            "the request body must be multipart/form-data with a part named file",
        )
    })?;
    loop {
        let field = tokio::time::timeout(shared.body_idle_timeout, multipart.next_field())
            .await
            .map_err(|_| stalled(&shared))?
            .map_err(|_| ApiError::UnreadableBody)?;
        let Some(field) = field else {
            return Err(Invalid::new("file", "the body has no part named file").into());
        };
        if field.name() == Some("file") {
            return store(&shared, workspace_uuid, field).await;
        }
    }
}

fn stalled(shared: &Shared) -> ApiError {
    bump(&shared.counters.body_timeouts);
    ApiError::BodyStalled
}

/// `workspace_uuid` from the query: absent or empty is none, anything else a UUID.
fn workspace_uuid(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let value = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "workspace_uuid")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty());
    match value {
        Some(v) if uuid::Uuid::try_parse(&v).is_err() => Err(Invalid::new(
            "workspace_uuid",
            "workspace_uuid must be a UUID",
        )),
        other => Ok(other),
    }
}

/// Streams the `file` part into a part file, then commits it as a new file's object.
async fn store(
    shared: &Shared,
    workspace_uuid: Option<String>,
    mut field: Field<'_>,
) -> Result<Response, ApiError> {
    let filename = field
        .file_name()
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Invalid::new("file", "the file part needs a filename"))?;
    let name = object_name(&filename);
    let content_type = field
        .content_type()
        .filter(|ct| is_mime_type(ct))
        .map(str::to_owned)
        .unwrap_or_else(|| infer_content_type(&name));

    let internal = |e: std::io::Error| {
        tracing::warn!(error = %e, "api: cannot store a direct upload");
        ApiError::Internal {
            message: "the upload could not be stored".to_owned(),
        }
    };
    // A fronted store gets the bytes from the part's file, so keep them then.
    let discard = shared.discard_bodies && shared.external.is_none();
    let mut part = Part::new(shared, discard).map_err(internal)?;
    loop {
        let chunk = tokio::time::timeout(shared.body_idle_timeout, field.chunk())
            .await
            .map_err(|_| stalled(shared))?
            .map_err(|_| ApiError::UnreadableBody)?;
        let Some(chunk) = chunk else { break };
        if part.size() + chunk.len() as u64 > MAX_OBJECT_BYTES {
            return Err(
                Invalid::new("file", "a file sent directly may be at most 5 GiB")
                    .with("limit_bytes", MAX_OBJECT_BYTES)
                    .into(),
            );
        }
        part.write(&chunk).await.map_err(internal)?;
    }
    let received = part.finish().await.map_err(internal)?;

    let file_uuid = uuid::Uuid::new_v4().hyphenated().to_string();
    let key = object_key(&shared.org_uuid, &file_uuid, &name);
    let record = FileRecord {
        file_uuid: file_uuid.clone(),
        workspace_uuid,
        local_file_path: Some(filename),
        key: key.clone(),
        content_type: content_type.clone(),
        remote_uri: None,
        created_at: shared.clock.now(),
        arrival: None,
        stored: None,
        failure: None,
        deleted: false,
        frames_stored: false,
    };
    // Pending first, then stored as a PUT is: a kill in between leaves a pending file,
    // never an object no record accounts for.
    shared
        .db
        .run(|conn| conn.insert(std::slice::from_ref(&record)))?;
    match &shared.external {
        None => {
            commit(
                shared,
                received,
                ObjectMeta {
                    key,
                    file_uuid: file_uuid.clone(),
                    name,
                    content_type,
                    by_put: false,
                },
            )
            .await?;
        }
        Some(external) => {
            // The part file is removed when `received` drops, after the PUT.
            let path = received.path().ok_or_else(|| ApiError::Internal {
                message: "the upload could not be stored".to_owned(),
            })?;
            let file = tokio::fs::File::open(path).await.map_err(internal)?;
            let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
            external
                .put(&shared.signer, &key, &content_type, body, received.size)
                .await
                .map_err(|message| {
                    tracing::warn!(error = %message, "api: cannot store a direct upload in the fronted store");
                    ApiError::Internal {
                        message: "the upload could not be stored in the S3 store".to_owned(),
                    }
                })?;
            let arrival = Arrival {
                size: received.size,
                at: shared.clock.now(),
            };
            shared.db.run(|conn| conn.arrived(&file_uuid, arrival))?;
        }
    }
    let record = shared
        .db
        .live(&file_uuid)?
        .ok_or_else(|| ApiError::no_file(&file_uuid))?;
    let status = record.status(shared.clock.now(), shared.video_processing);
    Ok(Json(FileUpload::new(&record, None, &status)).into_response())
}
