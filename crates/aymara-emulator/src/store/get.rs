//! `GET` and `HEAD`: an object's bytes back, through a presigned URL.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::put::etag;
use super::verify;
use crate::answer::StoreError;
use crate::keys::Key;
use crate::signing::StoreMethod;
use crate::state::Shared;
use crate::stats::bump;

pub(super) async fn get(
    shared: &Shared,
    head: bool,
    key: &str,
    parsed: Key,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, StoreError> {
    bump(&shared.counters.get_requests);
    let method = if head {
        StoreMethod::Head
    } else {
        StoreMethod::Get
    };
    verify(shared, method, key, uri, headers)?;
    match parsed {
        Key::Object { file_uuid, .. } => {
            let object = shared
                .objects
                .get(&file_uuid)
                .filter(|o| o.remote_file_path == key)
                .ok_or(StoreError::NoSuchKey)?;
            if shared.discard_bodies {
                return Err(StoreError::NotImplemented);
            }
            let file = tokio::fs::File::open(&object.path).await.map_err(|e| {
                tracing::warn!(error = %e, "store: cannot open a stored object");
                StoreError::Internal
            })?;
            let body = if head {
                Body::empty()
            } else {
                Body::from_stream(tokio_util::io::ReaderStream::new(file))
            };
            Ok(answer(
                body,
                object.size,
                &object.content_type,
                &etag(&object.sha256),
            ))
        }
        Key::Frame { .. } => Err(StoreError::NoSuchKey),
    }
}

/// 200 with the object's length, type and ETag.
fn answer(body: Body, size: u64, content_type: &str, etag: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    for (name, value) in [(header::CONTENT_TYPE, content_type), (header::ETAG, etag)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}
