//! Fronting an external S3-compatible store ([`crate::ExternalStore`]): the API presigns
//! for it, and asks it with signed requests whether bytes arrived (`HEAD`) or to take bytes
//! the emulator received itself (direct uploads, frames).

use std::time::{Duration, SystemTime};

use crate::signing::{Signer, StoreMethod};

/// Signed requests to the external store live this long: they are sent at once.
const REQUEST_TTL: Duration = Duration::from_secs(5 * 60);

/// The client for the external store; every call has a deadline.
pub(crate) struct External {
    client: reqwest::Client,
}

impl External {
    pub(crate) fn new() -> std::io::Result<External> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| std::io::Error::other(format!("cannot build an HTTP client: {e}")))?;
        Ok(External { client })
    }

    /// The object's size if the store has it, `None` if it answers 404.
    pub(crate) async fn head(&self, signer: &Signer, key: &str) -> Result<Option<u64>, String> {
        let url = signer.presign(StoreMethod::Head, key, None, REQUEST_TTL, SystemTime::now())?;
        let response = self
            .client
            .head(&url)
            .send()
            .await
            .map_err(|e| format!("HEAD {}: {}", redacted(&url), e.without_url()))?;
        match response.status().as_u16() {
            200 => Ok(Some(
                response
                    .headers()
                    .get(reqwest::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(0),
            )),
            404 => Ok(None),
            status => Err(format!("HEAD {}: status {status}", redacted(&url))),
        }
    }

    /// Sends `body` (`len` bytes) to `key`.
    pub(crate) async fn put(
        &self,
        signer: &Signer,
        key: &str,
        content_type: &str,
        body: reqwest::Body,
        len: u64,
    ) -> Result<(), String> {
        let url = signer.presign(
            StoreMethod::Put,
            key,
            Some(content_type),
            REQUEST_TTL,
            SystemTime::now(),
        )?;
        let response = self
            .client
            .put(&url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("PUT {}: {}", redacted(&url), e.without_url()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "PUT {}: status {}",
                redacted(&url),
                response.status()
            ))
        }
    }
}

/// A presigned URL without its query, which holds the signature.
fn redacted(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?<redacted>"),
        None => url.to_owned(),
    }
}
