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
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::faults::PutFault;
use crate::names::{is_canonical_uuid, is_safe_name};
use crate::server::ConnectionHandle;
use crate::signing::{self, Signed, binds_content_type};
use crate::state::{RequestId, Shared, unix_now};
use crate::stats::bump;

/// S3's limit for one PUT; anything larger is refused before a byte is read.
const MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Recorded when a PUT sends no `Content-Type` and none was bound, as S3 would.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// An object the store holds: what tests inspect after an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The uuid the presign answer gave.
    pub file_uuid: String,
    /// The object name: the base name of the client's `local_file_path`, sanitized.
    pub name: String,
    /// What the presign answer called `remote_file_path`: `files/<file_uuid>/<name>`.
    pub remote_file_path: String,
    /// Bytes stored.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes, to compare with the local file.
    pub sha256: String,
    /// The bound content type, else the one the PUT sent, else `application/octet-stream`.
    pub content_type: String,
    /// Successful PUTs to this object; more than one means the client re-sent it.
    pub puts: u32,
    /// Where the bytes are on disk; empty when the emulator discards bodies
    /// ([`EmulatorConfig::discard_bodies`](crate::EmulatorConfig::discard_bodies)).
    pub path: PathBuf,
}

/// S3's XML error document, with `Connection: close` because the body may be unread and
/// the connection's framing can no longer be trusted.
fn s3_error(status: StatusCode, code: &str, message: &str, request_id: &RequestId) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
        xml_escape(code),
        xml_escape(message),
        xml_escape(&request_id.0)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "application/xml"),
            (header::CONNECTION, "close"),
        ],
        body,
    )
        .into_response()
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn signature_mismatch(request_id: &RequestId) -> Response {
    s3_error(
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
        request_id,
    )
}

/// Everything under `/store/` that is not a PUT to `/store/<uuid>/<name>`: answered in the
/// store's XML, as a real store would, never with the API's JSON.
pub(crate) async fn store_other(
    Extension(request_id): Extension<RequestId>,
    method: axum::http::Method,
) -> Response {
    if method == axum::http::Method::PUT {
        s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidObjectName",
            "The object key must be one safe path component under a file uuid.",
            &request_id,
        )
    } else {
        s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            &request_id,
        )
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
    Extension(request_id): Extension<RequestId>,
    connection: Option<Extension<ConnectionHandle>>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    bump(&shared.counters.put_requests);

    // The name first: it becomes a path on disk, whatever the signature says.
    let Ok(Path((file_uuid, name))) = path else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidObjectName",
            "The object key is not valid.",
            &request_id,
        );
    };
    if !is_canonical_uuid(&file_uuid) || !is_safe_name(&name) {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidObjectName",
            "The object key must be one safe path component under a file uuid.",
            &request_id,
        );
    }

    // Framing next, before any byte of the body is read.
    // A chunked body, or none declared: S3 refuses both the same way.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .filter(|_| !headers.contains_key(header::TRANSFER_ENCODING));
    let Some(declared) = declared else {
        bump(&shared.counters.chunked_puts_refused);
        return s3_error(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
            &request_id,
        );
    };
    let content_length = match declared.to_str().ok().and_then(|s| s.parse::<u64>().ok()) {
        None => {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "The Content-Length header is not a number.",
                &request_id,
            );
        }
        Some(n) if n > MAX_OBJECT_BYTES => {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size.",
                &request_id,
            );
        }
        Some(n) => n,
    };

    // Then the signature, then expiry: a tampered expiry is a bad signature, not "expired".
    let Some(query) = parse_query(query.as_deref()) else {
        return signature_mismatch(&request_id);
    };
    let sent_content_type = match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(v)) => Some(v.to_owned()),
        Some(Err(_)) => return signature_mismatch(&request_id),
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
        return signature_mismatch(&request_id);
    }
    if unix_now() >= query.date.saturating_add(query.expires) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
            &request_id,
        );
    }

    let fault = shared.dice.put(&shared.faults);
    let upload = Upload {
        file_uuid,
        name,
        content_length,
        content_type: sent_content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
    };
    put_checked(&shared, &request_id, connection, upload, fault, body).await
}

/// A PUT that passed every check before its body.
struct Upload {
    file_uuid: String,
    name: String,
    content_length: u64,
    content_type: String,
}

/// Streams the body to a temporary file, hashing as it goes, then applies the fault or
/// renames the file into place.
async fn put_checked(
    shared: &Shared,
    request_id: &RequestId,
    connection: Option<Extension<ConnectionHandle>>,
    upload: Upload,
    fault: PutFault,
    body: Body,
) -> Response {
    let internal = |what: &str, e: std::io::Error| {
        tracing::warn!(error = %e, "store: {what}");
        s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
            request_id,
        )
    };

    // Dropping `temp` (on any early return, or when the connection task drops this future
    // after a reset) deletes the partial file. With `discard_bodies` there is no file.
    let mut part = if shared.discard_bodies {
        None
    } else {
        match tempfile::Builder::new()
            .prefix("put-")
            .suffix(".part")
            .tempfile_in(&shared.parts_dir)
        {
            Ok(temp) => {
                let (file, temp) = temp.into_parts();
                Some((tokio::fs::File::from_std(file), temp))
            }
            Err(e) => return internal("cannot create a temporary file", e),
        }
    };

    let reset_at = match fault {
        PutFault::Reset => Some(upload.content_length / 2),
        _ => None,
    };
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut stream = body.into_data_stream();
    loop {
        if reset_at.is_some_and(|at| received >= at) {
            bump(&shared.counters.put_reset);
            drop(part);
            return reset(connection).await;
        }
        let Some(chunk) = stream.next().await else {
            break;
        };
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(_) => return incomplete(request_id, received, upload.content_length),
        };
        received += chunk.len() as u64;
        if received > upload.content_length {
            return incomplete(request_id, received, upload.content_length);
        }
        hasher.update(&chunk);
        if let Some((file, _)) = part.as_mut()
            && let Err(e) = file.write_all(&chunk).await
        {
            return internal("cannot write the temporary file", e);
        }
    }
    if received != upload.content_length {
        return incomplete(request_id, received, upload.content_length);
    }
    let temp = match part {
        Some((mut file, temp)) => {
            if let Err(e) = file.flush().await {
                return internal("cannot flush the temporary file", e);
            }
            drop(file);
            Some(temp)
        }
        None => None,
    };

    if fault == PutFault::InternalError {
        bump(&shared.counters.put_500);
        return s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
            request_id,
        );
    }

    let sha256 = hex::encode(hasher.finalize());
    let path = match &temp {
        Some(_) => {
            let dir = shared.data_dir.join(&upload.file_uuid);
            if let Err(e) = tokio::fs::create_dir_all(&dir).await {
                return internal("cannot create the object directory", e);
            }
            dir.join(&upload.name)
        }
        None => PathBuf::new(),
    };
    {
        // Rename and record under one lock, so the table always describes the file on disk
        // even when two PUTs to one URL race.
        let mut objects = shared.object_table();
        if let Some(temp) = temp
            && let Err(e) = temp.persist(&path)
        {
            drop(objects);
            return internal("cannot move the object into place", e.error);
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
    response
}

fn incomplete(request_id: &RequestId, received: u64, expected: u64) -> Response {
    s3_error(
        StatusCode::BAD_REQUEST,
        "IncompleteBody",
        &format!(
            "You did not provide the number of bytes specified by the Content-Length HTTP header (got {received} of {expected})."
        ),
        request_id,
    )
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
