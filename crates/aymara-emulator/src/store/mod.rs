//! The S3-compatible store: `PUT`, `GET` and `HEAD` on `/<bucket>/<key>?<SigV4 presign>`.
//!
//! Strict where real stores are strict, so a client that passes here passes there: the
//! signature (over method, host, the exact path, the presign's parameters and the signed
//! headers) and expiry are checked, a PUT body must have a `Content-Length` and match it, a
//! bound content type must be sent back unchanged, and errors are S3's XML. Bodies are
//! streamed to a temporary file and renamed into `<data_dir>/<bucket>/<key>` only once
//! complete, so a reset, short or stalled upload never leaves a partial object, and no
//! listing shows an object before its last byte.

mod get;
mod put;

pub(crate) use get::FRAME_PNG;
pub(crate) use put::MAX_OBJECT_BYTES;

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::answer::StoreError;
use crate::connection::ConnectionHandle;
use crate::keys::Key;
use crate::signing::{SignedRequest, StoreMethod};
use crate::state::Shared;

/// Recorded when a PUT sends no `Content-Type` and none was bound, as S3 would.
pub(crate) const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Every request under `/<bucket>/`: the key is decoded from the raw path (never through a
/// router that could normalize it), checked, then the method decides.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    connection: Option<Extension<ConnectionHandle>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = match (method.clone(), parse_key(&shared, uri.path())) {
        (Method::PUT, key) => put::put(&shared, connection, key, &uri, &headers, body).await,
        (Method::GET | Method::HEAD, Ok((raw, key))) => {
            get::get(&shared, method == Method::HEAD, &raw, key, &uri, &headers).await
        }
        (Method::GET | Method::HEAD, Err(e)) => Err(e),
        _ => Err(StoreError::MethodNotAllowed),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The decoded key and its parsed form, from a path that starts with `/<bucket>/`.
fn parse_key(shared: &Shared, path: &str) -> Result<(String, Key), StoreError> {
    let raw = path
        .strip_prefix(&shared.store_prefix)
        .ok_or(StoreError::InvalidObjectName)?;
    let key = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| StoreError::InvalidObjectName)?;
    let parsed = Key::parse(&key).ok_or(StoreError::InvalidObjectName)?;
    Ok((key.into_owned(), parsed))
}

/// Checks the request's presign for `method` on `key`.
fn verify(
    shared: &Shared,
    method: StoreMethod,
    key: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), StoreError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or(StoreError::SignatureDoesNotMatch)?;
    shared.signer.verify(
        &SignedRequest {
            method,
            host,
            raw_path: uri.path(),
            key,
            query: uri.query(),
            headers,
        },
        std::time::SystemTime::now(),
    )
}
