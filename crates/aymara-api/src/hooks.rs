//! The hand-written `ClientHooks` for the generated client.
//!
//! - The client's [`ApiKey`] is added as `x-api-key` to each API request. It is not a
//!   default header of the `reqwest::Client`, so requests to other hosts made with the same
//!   connection pool (the presigned PUTs) never carry it.
//! - progenitor adds an `api-version` header carrying the spec's `info.version`. That is the
//!   version of our description document, not a header the service defines or negotiates,
//!   so it is removed before the request leaves.
//! - Every response body is read here, with a limit ([`API_BODY_LIMIT`] for a success,
//!   [`ERROR_BODY_LIMIT`] for anything else), before the generated code decodes it: a
//!   server cannot make the client buffer without bound. A body over the limit is cut there
//!   and [`ResponseMeta::truncated`] says so; it then fails to decode.
//! - Any copy of the key (of 8 bytes or more) in an error answer's body is replaced by
//!   `<redacted>` before anything else sees the body: a server that echoes the key cannot
//!   get it into an error message.
//! - When a response body cannot be decoded (an HTML page from a proxy, an empty, cut or
//!   truncated body), the generated error keeps only the bytes. [`capture_response_meta`]
//!   keeps the status and headers of the response as well, so callers can still say which
//!   status the server answered and with which request id.

use std::cell::RefCell;
use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::{ApiKey, Client, Error};

/// Most bytes of a successful API answer read: a 100-file presign answer or a 100-item
/// list page is a few hundred KiB at most, and nothing near this.
pub const API_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Most bytes of an error answer read: enough for any error envelope or XML error, small
/// enough that a huge error page costs nothing.
pub const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The status line and headers of the last HTTP response an operation received.
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    /// The HTTP status the server answered.
    pub status: StatusCode,
    /// The response headers (for example `x-request-id`, `retry-after`, `location`).
    pub headers: HeaderMap,
    /// Whether the body was longer than its limit and was cut there.
    pub truncated: bool,
}

tokio::task_local! {
    static LAST_RESPONSE: RefCell<Option<ResponseMeta>>;
}

/// Runs `operation` (a `send()` of this crate's client) and returns its result together with
/// the status and headers of the HTTP response it received, if any was received.
pub async fn capture_response_meta<F: Future>(operation: F) -> (F::Output, Option<ResponseMeta>) {
    LAST_RESPONSE
        .scope(RefCell::new(None), async {
            let output = operation.await;
            let meta = LAST_RESPONSE.with(|cell| cell.borrow_mut().take());
            (output, meta)
        })
        .await
}

/// Reads at most `limit` bytes of `response`'s body. Returns the bytes and whether more
/// were sent; bytes past the limit are never read.
pub async fn read_body_bounded(
    response: &mut reqwest::Response,
    limit: usize,
) -> reqwest::Result<(Vec<u8>, bool)> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// What stands in for the key when a server echoes it back.
const REDACTED: &[u8] = b"<redacted>";

/// Shorter keys are not looked for: they could match ordinary text of an answer, and they
/// are test and emulator keys, not real ones.
const SHORTEST_REDACTED_KEY: usize = 8;

/// `body` with every copy of `secret` replaced by [`REDACTED`]: a server or proxy that
/// echoes the key ("invalid key sk-…", a page listing the request headers) must not get it
/// into an error message, a log line or a terminal.
fn without_secret(body: Vec<u8>, secret: &[u8]) -> Vec<u8> {
    let found = |from: usize| {
        body.get(from..)?
            .windows(secret.len())
            .position(|w| w == secret)
            .map(|at| from + at)
    };
    if secret.len() < SHORTEST_REDACTED_KEY || found(0).is_none() {
        return body;
    }
    let mut clean = Vec::with_capacity(body.len());
    let mut from = 0;
    while let Some(at) = found(from) {
        clean.extend_from_slice(&body[from..at]);
        clean.extend_from_slice(REDACTED);
        from = at + secret.len();
    }
    clean.extend_from_slice(&body[from..]);
    clean
}

impl ClientHooks<ApiKey> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert("x-api-key", self.inner().header_value().clone());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let mut response = self.client().execute(request).await?;
        let status = response.status();
        let limit = if status.is_success() {
            API_BODY_LIMIT
        } else {
            ERROR_BODY_LIMIT
        };
        let (body, truncated) = read_body_bounded(&mut response, limit).await?;
        // Only error answers are shown to people; a success is data and is left as sent.
        let body = if status.is_success() {
            body
        } else {
            without_secret(body, self.inner().header_value().as_bytes())
        };
        let meta = ResponseMeta {
            status,
            headers: response.headers().clone(),
            truncated,
        };
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = response.version();
        *rebuilt.headers_mut() = meta.headers.clone();
        // Outside `capture_response_meta` there is nobody to tell; that is fine.
        let _ = LAST_RESPONSE.try_with(|cell| *cell.borrow_mut() = Some(meta));
        Ok(reqwest::Response::from(rebuilt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_copy_of_the_key_in_a_body_is_redacted() {
        let clean = |body: &str, key: &str| {
            String::from_utf8(without_secret(body.into(), key.as_bytes())).unwrap()
        };
        let key = "sk-12345";
        assert_eq!(
            clean("bad key sk-12345, sk-12345!", key),
            "bad key <redacted>, <redacted>!"
        );
        assert_eq!(clean("sk-12345", key), "<redacted>");
        assert_eq!(clean("sk-1234", key), "sk-1234");
        // A short key could be any word: it is left alone.
        assert_eq!(clean("auth.invalid_key", "k"), "auth.invalid_key");
    }

    #[test]
    fn the_key_header_is_sensitive_so_no_debug_output_shows_it() {
        let key = ApiKey::new("sk-sentinel-9").unwrap();
        let client =
            Client::new_with_client("http://127.0.0.1:9", reqwest::Client::new(), key.clone());
        let mut request = reqwest::Client::new()
            .post("http://127.0.0.1:9/v2/files")
            .build()
            .unwrap();
        let info = OperationInfo {
            operation_id: "post_files",
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(client.pre::<()>(&mut request, &info))
            .unwrap();
        assert!(request.headers()["x-api-key"].is_sensitive());
        for shown in [
            format!("{request:?}"),
            format!("{client:?}"),
            format!("{key:?}"),
        ] {
            assert!(!shown.contains("sk-sentinel-9"), "{shown}");
        }
        assert!(format!("{request:?}").contains("Sensitive"));
    }
}
