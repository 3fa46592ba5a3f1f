//! Reading and deleting files: list, get, status, frames, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::authorize;
use super::views::{FileDetail, FileFrames, FileStatus};
use crate::answer::{ApiError, Invalid};
use crate::db::ListFilter;
use crate::files::{Arrival, FileRecord, FileType, ProcessingStatus, Status};
use crate::keys::frame_key;
use crate::state::Shared;
use crate::stats::bump;
use crate::store::FRAME_PNG;

/// `limit` when none is given, and the most allowed.
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 100;

/// `GET /v2/files`'s answer.
#[derive(Serialize)]
struct FileList {
    items: Vec<FileDetail>,
    /// Files matching the filters across all pages.
    count: u64,
}

/// What a list asks for.
struct ListQuery {
    filter: ListFilter,
    limit: u64,
    offset: u64,
}

impl ListQuery {
    /// Each parameter at most once in effect (the first); unknown ones are ignored.
    fn parse(raw: Option<&str>) -> Result<ListQuery, Invalid> {
        let mut query = ListQuery {
            filter: ListFilter::default(),
            limit: DEFAULT_LIMIT,
            offset: 0,
        };
        let mut seen = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if seen.contains(&key) {
                continue;
            }
            match key.as_ref() {
                "workspace_uuid" if !value.is_empty() => {
                    uuid::Uuid::try_parse(&value).map_err(|_| {
                        Invalid::new("workspace_uuid", "workspace_uuid must be a UUID")
                    })?;
                    query.filter.workspace_uuid = Some(value.to_string());
                }
                "file_type" if !value.is_empty() => {
                    query.filter.file_type = Some(FileType::parse(&value).ok_or_else(|| {
                        Invalid::new(
                            "file_type",
                            "file_type must be one of image, video, text, document",
                        )
                    })?);
                }
                "limit" => {
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            Invalid::new(
                                "limit",
                                format!("limit must be an integer from 1 to {MAX_LIMIT}"),
                            )
                            .with("maximum", MAX_LIMIT)
                        })?;
                }
                "offset" => {
                    query.offset = value.parse().map_err(|_| {
                        Invalid::new("offset", "offset must be an integer of at least 0")
                    })?;
                }
                _ => {}
            }
            seen.push(key);
        }
        Ok(query)
    }
}

/// `GET /v2/files`: live files in creation order, so offset paging is stable and files
/// created meanwhile come after the ones already seen.
pub(crate) async fn list_files(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    bump(&shared.counters.list_requests);
    authorize(&shared, &headers)?;
    let query = ListQuery::parse(raw.as_deref())?;
    let (page, count) = shared
        .db
        .run(|conn| conn.list(&query.filter, query.offset, query.limit))?;
    let mut items = Vec::with_capacity(page.len());
    for record in page {
        let (record, status) = current(&shared, record).await?;
        items.push(FileDetail::new(&shared, &record, &status));
    }
    Ok(Json(FileList { items, count }).into_response())
}

/// `GET /v2/files/{file_uuid}`.
pub(crate) async fn get_file(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    file_uuid: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    bump(&shared.counters.get_file_requests);
    authorize(&shared, &headers)?;
    let (record, status) = lookup(&shared, file_uuid).await?;
    Ok(Json(FileDetail::new(&shared, &record, &status)).into_response())
}

/// `GET /v2/files/{file_uuid}/status`.
pub(crate) async fn get_status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    file_uuid: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    bump(&shared.counters.status_requests);
    authorize(&shared, &headers)?;
    let (record, status) = lookup(&shared, file_uuid).await?;
    Ok(Json(FileStatus::new(&record, &status)).into_response())
}

/// `GET /v2/files/{file_uuid}/frames`: a completed video's frames. A file that is not a
/// video is 422 (asking again cannot help); a video still pending or processing is 409
/// `resource.conflict` (poll the status, then ask again); a failed one is 422 with why.
pub(crate) async fn get_frames(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    file_uuid: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    bump(&shared.counters.frames_requests);
    authorize(&shared, &headers)?;
    let (record, status) = lookup(&shared, file_uuid).await?;
    let file_type = record.file_type();
    if file_type != FileType::Video {
        return Err(Invalid::new(
            "file_uuid",
            format!(
                "file {} is not a video (file_type {}): only videos have frames",
                record.file_uuid,
                file_type.as_str()
            ),
        )
        .with("file_type", file_type.as_str())
        .into());
    }
    match &status.processing {
        ProcessingStatus::Completed => {}
        ProcessingStatus::Failed(message) => {
            return Err(Invalid::new(
                "file_uuid",
                format!("video {} has no frames: {message}", record.file_uuid),
            )
            .with("processing_status", "failed")
            .into());
        }
        other => {
            return Err(ApiError::Conflict {
                message: format!(
                    "video {} is {}, not completed: poll /v2/files/{}/status until completed",
                    record.file_uuid,
                    other.as_str(),
                    record.file_uuid
                ),
                details: json!({"processing_status": other.as_str()}),
            });
        }
    }
    store_frames(&shared, &record).await?;
    let frames =
        FileFrames::new(&shared, &record).map_err(|message| ApiError::Internal { message })?;
    Ok(Json(frames).into_response())
}

/// `DELETE /v2/files/{file_uuid}`: a soft delete. The record stays (its bytes too), but
/// every later call for it answers 404, its presigned URLs included, and it leaves lists.
pub(crate) async fn delete_file(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    file_uuid: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    bump(&shared.counters.delete_requests);
    authorize(&shared, &headers)?;
    let Ok(Path(file_uuid)) = file_uuid else {
        return Err(ApiError::no_file(""));
    };
    if !shared.db.run(|conn| conn.delete(&file_uuid))? {
        return Err(ApiError::no_file(&file_uuid));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A live file and its status now; 404 for anything else.
async fn lookup(
    shared: &Shared,
    file_uuid: Result<Path<String>, PathRejection>,
) -> Result<(FileRecord, Status), ApiError> {
    let Ok(Path(file_uuid)) = file_uuid else {
        return Err(ApiError::no_file(""));
    };
    let record = shared
        .db
        .live(&file_uuid)?
        .ok_or_else(|| ApiError::no_file(&file_uuid))?;
    current(shared, record).await
}

/// The record as it stands now, with its status. When fronting a store, a file still
/// waiting for its bytes asks the store with a signed `HEAD` whether they arrived; a store
/// that cannot answer leaves it pending (and is logged).
async fn current(
    shared: &Shared,
    mut record: FileRecord,
) -> Result<(FileRecord, Status), ApiError> {
    if let Some(external) = &shared.external
        && record.arrival.is_none()
        && record.failure.is_none()
    {
        match external.head(&shared.signer, &record.key).await {
            Ok(Some(size)) => {
                let arrival = Arrival {
                    size,
                    at: shared.clock.now(),
                };
                shared
                    .db
                    .run(|conn| conn.arrived(&record.file_uuid, arrival))?;
                record.arrival = Some(arrival);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "api: cannot ask the fronted store"),
        }
    }
    let status = record.status(shared.clock.now(), shared.video_processing);
    Ok((record, status))
}

/// When fronting a store, puts a completed video's frames there once, so the frame URLs
/// the store is presigned for serve something.
async fn store_frames(shared: &Shared, record: &FileRecord) -> Result<(), ApiError> {
    let Some(external) = &shared.external else {
        return Ok(());
    };
    if record.frames_stored {
        return Ok(());
    }
    for index in 1..=record.frame_count() {
        let key = frame_key(&shared.org_uuid, &record.file_uuid, index);
        let png = reqwest::Body::from(FRAME_PNG);
        external
            .put(
                &shared.signer,
                &key,
                "image/png",
                png,
                FRAME_PNG.len() as u64,
            )
            .await
            .map_err(|message| {
                tracing::warn!(error = %message, "api: cannot store frames in the fronted store");
                ApiError::Internal {
                    message: "the frames could not be stored in the S3 store".to_owned(),
                }
            })?;
    }
    shared
        .db
        .run(|conn| conn.frames_stored(&record.file_uuid))?;
    Ok(())
}
