//! `PUT`: one object, whole or not at all.
//!
//! A body longer than its `Content-Length` never reaches the handler: HTTP/1.1 framing ends
//! the body at `Content-Length` bytes and hyper answers the surplus as a malformed next
//! request on that connection, as any HTTP/1.1 server would. The handler still refuses more
//! bytes than declared, should another transport deliver them.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::OwnedSemaphorePermit;

use super::{DEFAULT_CONTENT_TYPE, verify};
use crate::answer::StoreError;
use crate::body::{BodyError, IdleBody};
use crate::connection::ConnectionHandle;
use crate::faults::PutFault;
use crate::keys::Key;
use crate::part::{ObjectMeta, Part, commit};
use crate::signing::StoreMethod;
use crate::state::Shared;
use crate::stats::bump;

/// S3's limit for one PUT; anything larger is refused before a byte is read.
pub(crate) const MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Order: the key (it becomes a path on disk, whatever the signature says), the cap on
/// PUTs in flight, framing, the signature, then the body.
pub(super) async fn put(
    shared: &Shared,
    connection: Option<Extension<ConnectionHandle>>,
    key: Result<(String, Key), StoreError>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, StoreError> {
    bump(&shared.counters.put_requests);
    let (
        key,
        Key::Object {
            file_uuid, name, ..
        },
    ) = key?
    else {
        return Err(StoreError::MethodNotAllowed);
    };

    // Held until the body is refused, or, once stored, until the answer leaves (after the
    // store's latency): a PUT is in flight for as long as its client waits for it.
    let slot = match &shared.put_slots {
        Some(slots) => match slots.clone().try_acquire_owned() {
            Ok(permit) => Some(PutSlot {
                _permit: Arc::new(permit),
            }),
            Err(_) => {
                bump(&shared.counters.puts_slowed_down);
                return Err(StoreError::SlowDown);
            }
        },
        None => None,
    };

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

    verify(shared, StoreMethod::Put, &key, uri, headers)?;
    // A deleted file's URL no longer stores anything.
    if shared.db.live(&file_uuid)?.is_none() {
        return Err(StoreError::NoSuchKey);
    }

    let content_type = match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        Some(Ok(v)) => v.to_owned(),
        _ => DEFAULT_CONTENT_TYPE.to_owned(),
    };
    let fault = shared.dice.put(&shared.faults);
    let upload = Upload {
        key,
        file_uuid,
        name,
        content_length,
        content_type,
    };
    let mut response = put_checked(shared, connection, upload, fault, body).await?;
    if let Some(slot) = slot {
        response.extensions_mut().insert(slot);
    }
    Ok(response)
}

/// A place under [`EmulatorConfig::max_puts_in_flight`](crate::EmulatorConfig), carried by
/// the answer so that it is given back when the answer is sent.
#[derive(Clone)]
struct PutSlot {
    _permit: Arc<OwnedSemaphorePermit>,
}

/// A PUT that passed every check before its body.
struct Upload {
    key: String,
    file_uuid: String,
    name: String,
    content_length: u64,
    content_type: String,
}

/// Logs what failed on the emulator's side; the client gets S3's opaque 500.
fn internal(what: &str, e: impl std::fmt::Display) -> StoreError {
    tracing::warn!(error = %e, "store: {what}");
    StoreError::Internal
}

/// Streams the body to a part, then applies the fault or commits the part as the object.
async fn put_checked(
    shared: &Shared,
    connection: Option<Extension<ConnectionHandle>>,
    upload: Upload,
    fault: PutFault,
    body: Body,
) -> Result<Response, StoreError> {
    // Dropping the part (on any early return, or when the connection task drops this
    // future after a reset) deletes its file.
    let mut part = Part::new(shared, shared.discard_bodies)
        .map_err(|e| internal("cannot create a temporary file", e))?;
    let reset_at = match fault {
        PutFault::Reset => Some(upload.content_length / 2),
        _ => None,
    };
    let incomplete = |received| StoreError::IncompleteBody {
        received,
        expected: upload.content_length,
    };
    let mut body = IdleBody::new(body, shared.body_idle_timeout);
    loop {
        if reset_at.is_some_and(|at| part.size() >= at) {
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
            BodyError::Read | BodyError::TooLarge => incomplete(part.size()),
        })?;
        if part.size() + chunk.len() as u64 > upload.content_length {
            return Err(incomplete(part.size() + chunk.len() as u64));
        }
        part.write(&chunk)
            .await
            .map_err(|e| internal("cannot write the temporary file", e))?;
    }
    if part.size() != upload.content_length {
        return Err(incomplete(part.size()));
    }
    let received = part
        .finish()
        .await
        .map_err(|e| internal("cannot flush the temporary file", e))?;

    match fault {
        PutFault::InternalError => {
            bump(&shared.counters.put_500);
            return Err(StoreError::Internal);
        }
        PutFault::Stall => {
            bump(&shared.counters.put_stalled);
            drop(received);
            // Dropped with the connection, like a reset.
            return Ok(std::future::pending::<Response>().await);
        }
        _ => {}
    }

    let object = commit(
        shared,
        received,
        ObjectMeta {
            key: upload.key,
            file_uuid: upload.file_uuid,
            name: upload.name,
            content_type: upload.content_type,
            by_put: true,
        },
    )
    .await
    .map_err(|e| internal("cannot move the object into place", e))?;
    bump(&shared.counters.objects_stored);
    if fault == PutFault::Straggle {
        bump(&shared.counters.put_straggled);
        tokio::time::sleep(shared.faults.put_straggler_delay).await;
    }

    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&object.etag()) {
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
