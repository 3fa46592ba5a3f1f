//! `GET` and `HEAD`: an object's bytes, or a processed video's frame, through a presigned
//! URL.

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::verify;
use crate::answer::StoreError;
use crate::files::{FileType, ProcessingStatus};
use crate::keys::Key;
use crate::objects::StoredObject;
use crate::signing::StoreMethod;
use crate::state::Shared;
use crate::stats::bump;

/// Every frame is this 1×1 grey PNG: the emulator extracts nothing from videos.
pub(crate) const FRAME_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0x77, 0xcd, 0x72, 0xb6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

pub(super) async fn get(
    shared: &Shared,
    head: bool,
    key: &str,
    parsed: Key,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, StoreError> {
    bump(&shared.counters.store_get_requests);
    let method = if head {
        StoreMethod::Head
    } else {
        StoreMethod::Get
    };
    verify(shared, method, key, uri, headers)?;
    match parsed {
        Key::Object { file_uuid, .. } => {
            let record = shared
                .db
                .live(&file_uuid)?
                .filter(|record| record.key == key)
                .ok_or(StoreError::NoSuchKey)?;
            let (object, arrival) = StoredObject::of(&record, &shared.objects_dir, false)
                .zip(record.arrival)
                .ok_or(StoreError::NoSuchKey)?;
            if shared.discard_bodies {
                return Err(StoreError::NotImplemented);
            }
            let body = if head {
                Body::empty()
            } else {
                let file = tokio::fs::File::open(&object.path).await.map_err(|e| {
                    tracing::warn!(error = %e, "store: cannot open a stored object");
                    StoreError::Internal
                })?;
                Body::from_stream(tokio_util::io::ReaderStream::new(file))
            };
            Ok(answer(
                body,
                object.size,
                &object.content_type,
                &object.etag(),
                arrival.at,
            ))
        }
        Key::Frame {
            org,
            file_uuid,
            index,
        } => {
            let record = shared
                .db
                .live(&file_uuid)?
                .filter(|r| org == shared.org_uuid && r.file_type() == FileType::Video)
                .ok_or(StoreError::NoSuchKey)?;
            let status = record.status(shared.clock.now(), shared.video_processing);
            if status.processing != ProcessingStatus::Completed
                || index == 0
                || index > record.frame_count()
            {
                return Err(StoreError::NoSuchKey);
            }
            let body = if head {
                Body::empty()
            } else {
                Body::from(FRAME_PNG)
            };
            let etag = format!("\"frame-{index}\"");
            Ok(answer(
                body,
                FRAME_PNG.len() as u64,
                "image/png",
                &etag,
                status.updated_at,
            ))
        }
    }
}

/// 200 with the object's length, type, ETag and `Last-Modified`.
fn answer(body: Body, size: u64, content_type: &str, etag: &str, modified: SystemTime) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    let modified = crate::clock::http_date(modified);
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::ETAG, etag),
        (header::LAST_MODIFIED, modified.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}
