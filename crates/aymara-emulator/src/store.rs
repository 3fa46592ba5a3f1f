//! The S3-like store: `PUT /store/{file_uuid}/{name}?<presigned query>`.
//!
//! Strict where real stores are strict, so a client that passes here passes there: the
//! signature and expiry are checked, the body must have a `Content-Length` and match it, a
//! bound content type must be sent back unchanged, and errors are S3's XML. Bodies are
//! streamed to a temporary file and renamed into `<data_dir>/<uuid>/<name>` only once
//! complete, so a reset or short upload never leaves a partial object.
//!
//! A body longer than its `Content-Length` never reaches the handler: HTTP/1.1 framing ends
//! the body at `Content-Length` bytes and hyper answers the surplus as a malformed next
//! request on that connection, as any HTTP/1.1 server would. The handler still refuses more
//! bytes than declared, should another transport deliver them.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::answer::StoreError;
use crate::body::{BodyError, IdleBody};
use crate::connection::ConnectionHandle;
use crate::faults::PutFault;
use crate::names::{is_canonical_uuid, is_safe_name};
use crate::objects::StoredObject;
use crate::signing::{self, Signed, binds_content_type};
use crate::state::{Shared, unix_now};
use crate::stats::bump;

/// S3's limit for one PUT; anything larger is refused before a byte is read.
const MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Recorded when a PUT sends no `Content-Type` and none was bound, as S3 would.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Everything under `/store/` that is not a PUT to `/store/<uuid>/<name>`: answered in the
/// store's XML, as a real store would, never with the API's JSON.
pub(crate) async fn store_other(method: Method) -> StoreError {
    if method == Method::PUT {
        StoreError::InvalidObjectName
    } else {
        StoreError::MethodNotAllowed
    }
}

/// The presigned query, parsed; `None` when a parameter is missing, repeated or not a number.
struct PresignedQuery {
    date: u64,
    expires: u64,
    signed_headers: String,
    signature: String,
}

fn parse_query(raw: Option<&str>) -> Option<PresignedQuery> {
    let mut algorithm = None;
    let mut date = None;
    let mut expires = None;
    let mut signed_headers = None;
    let mut signature = None;
    for (key, value) in url::form_urlencoded::parse(raw?.as_bytes()) {
        let slot = match key.as_ref() {
            signing::ALGORITHM => &mut algorithm,
            signing::DATE => &mut date,
            signing::EXPIRES => &mut expires,
            signing::SIGNED_HEADERS => &mut signed_headers,
            signing::SIGNATURE => &mut signature,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return None;
        }
    }
    if algorithm.as_deref() != Some(signing::ALGORITHM_NAME) {
        return None;
    }
    Some(PresignedQuery {
        date: date?.parse().ok()?,
        expires: expires?.parse().ok()?,
        signed_headers: signed_headers?,
        signature: signature?,
    })
}

/// The handler; see the module docs for the rules and [`put_checked`] for the body.
pub(crate) async fn put_object(
    State(shared): State<Arc<Shared>>,
    connection: Option<Extension<ConnectionHandle>>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, StoreError> {
    bump(&shared.counters.put_requests);

    // The name first: it becomes a path on disk, whatever the signature says.
    let Ok(Path((file_uuid, name))) = path else {
        return Err(StoreError::InvalidObjectName);
    };
    if !is_canonical_uuid(&file_uuid) || !is_safe_name(&name) {
        return Err(StoreError::InvalidObjectName);
    }

    // Framing next, before any byte of the body is read.
    // A chunked body, or none declared: S3 refuses both the same way.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .filter(|_| !headers.contains_key(header::TRANSFER_ENCODING));
    let Some(declared) = declared else {
        bump(&shared.counters.chunked_puts_refused);
        return Err(StoreError::MissingContentLength);
    };
    let content_length = match declared.to_str().ok().and_then(|s| s.parse::<u64>().ok()) {
        None => return Err(StoreError::InvalidContentLength),
        Some(n) if n > MAX_OBJECT_BYTES => return Err(StoreError::EntityTooLarge),
        Some(n) => n,
    };

    // Then the signature, then expiry: a tampered expiry is a bad signature, not "expired".
    let query = parse_query(query.as_deref()).ok_or(StoreError::SignatureDoesNotMatch)?;
    let sent_content_type = match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(v)) => Some(v.to_owned()),
        Some(Err(_)) => return Err(StoreError::SignatureDoesNotMatch),
    };
    let bound = binds_content_type(&query.signed_headers);
    let signed = Signed {
        file_uuid: &file_uuid,
        name: &name,
        date: query.date,
        expires: query.expires,
        signed_headers: &query.signed_headers,
        content_type: if bound {
            Some(sent_content_type.as_deref().unwrap_or(""))
        } else {
            None
        },
    };
    if !shared.signer.verify(&signed, &query.signature) {
        return Err(StoreError::SignatureDoesNotMatch);
    }
    if unix_now() >= query.date.saturating_add(query.expires) {
        return Err(StoreError::Expired);
    }

    let fault = shared.dice.put(&shared.faults);
    let upload = Upload {
        file_uuid,
        name,
        content_length,
        content_type: sent_content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
    };
    put_checked(&shared, connection, upload, fault, body).await
}

/// A PUT that passed every check before its body.
struct Upload {
    file_uuid: String,
    name: String,
    content_length: u64,
    content_type: String,
}

/// Logs what failed on the emulator's side; the client gets S3's opaque 500.
fn internal(what: &str, e: std::io::Error) -> StoreError {
    tracing::warn!(error = %e, "store: {what}");
    StoreError::Internal
}

/// Streams the body to a temporary file, hashing as it goes, then applies the fault or
/// renames the file into place.
async fn put_checked(
    shared: &Shared,
    connection: Option<Extension<ConnectionHandle>>,
    upload: Upload,
    fault: PutFault,
    body: Body,
) -> Result<Response, StoreError> {
    // Dropping `temp` (on any early return, or when the connection task drops this future
    // after a reset) deletes the partial file. With `discard_bodies` there is no file.
    let mut part = if shared.discard_bodies {
        None
    } else {
        let temp = tempfile::Builder::new()
            .prefix("put-")
            .suffix(".part")
            .tempfile_in(&shared.parts_dir)
            .map_err(|e| internal("cannot create a temporary file", e))?;
        let (file, temp) = temp.into_parts();
        Some((tokio::fs::File::from_std(file), temp))
    };

    let reset_at = match fault {
        PutFault::Reset => Some(upload.content_length / 2),
        _ => None,
    };
    let incomplete = |received| StoreError::IncompleteBody {
        received,
        expected: upload.content_length,
    };
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut body = IdleBody::new(body, shared.body_idle_timeout);
    loop {
        if reset_at.is_some_and(|at| received >= at) {
            bump(&shared.counters.put_reset);
            drop(part);
            return Ok(reset(connection).await);
        }
        let Some(chunk) = body.next().await else {
            break;
        };
        let chunk = chunk.map_err(|e| match e {
            BodyError::Stalled => {
                bump(&shared.counters.body_timeouts);
                StoreError::RequestTimeout
            }
            BodyError::Read | BodyError::TooLarge => incomplete(received),
        })?;
        received += chunk.len() as u64;
        if received > upload.content_length {
            return Err(incomplete(received));
        }
        hasher.update(&chunk);
        if let Some((file, _)) = part.as_mut() {
            file.write_all(&chunk)
                .await
                .map_err(|e| internal("cannot write the temporary file", e))?;
        }
    }
    if received != upload.content_length {
        return Err(incomplete(received));
    }
    let temp = match part {
        Some((mut file, temp)) => {
            file.flush()
                .await
                .map_err(|e| internal("cannot flush the temporary file", e))?;
            drop(file);
            Some(temp)
        }
        None => None,
    };

    if fault == PutFault::InternalError {
        bump(&shared.counters.put_500);
        return Err(StoreError::Internal);
    }

    let sha256 = hex::encode(hasher.finalize());
    let path = match &temp {
        Some(_) => {
            let dir = shared.data_dir.join(&upload.file_uuid);
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|e| internal("cannot create the object directory", e))?;
            dir.join(&upload.name)
        }
        None => PathBuf::new(),
    };
    {
        // Rename and record under one lock, so the table always describes the file on disk
        // even when two PUTs to one URL race.
        let mut objects = shared.objects.lock();
        if let Some(temp) = temp {
            temp.persist(&path)
                .map_err(|e| internal("cannot move the object into place", e.error))?;
        }
        let puts = objects.get(&upload.file_uuid).map_or(0, |o| o.puts);
        objects.insert(
            upload.file_uuid.clone(),
            StoredObject {
                remote_file_path: format!("files/{}/{}", upload.file_uuid, upload.name),
                file_uuid: upload.file_uuid,
                name: upload.name,
                size: received,
                sha256: sha256.clone(),
                content_type: upload.content_type,
                puts: puts.saturating_add(1),
                path,
            },
        );
    }
    bump(&shared.counters.objects_stored);

    let etag = format!("\"{}\"", &sha256[..32]);
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// Asks the connection task to reset the connection, then waits to be dropped with it, so
/// the client never gets a response.
async fn reset(connection: Option<Extension<ConnectionHandle>>) -> Response {
    match connection {
        Some(Extension(handle)) => {
            handle.reset();
            std::future::pending::<Response>().await
        }
        // Only reachable if the router is served by something other than this crate's
        // accept loop; closing without a response is the nearest thing to a reset.
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONNECTION, "close")],
        )
            .into_response(),
    }
}
