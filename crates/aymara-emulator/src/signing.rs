//! AWS Signature Version 4 query presigns, made and checked with `rusty-s3`, so the URLs
//! the API hands out are the ones a real S3-compatible store would accept, and the store
//! checks them the way S3 does.
//!
//! Path style, `<endpoint>/<bucket>/<key>`, the key percent-encoded segment by segment
//! (a space is `%20`, `(` is `%28`, `+` is `%2B`, non-ASCII is UTF-8 percent-encoded). A
//! presign binds `host` and, when the file has a content type, `content-type`. A check
//! recomputes the URL with the same library from what the request carries (method, `Host`,
//! key, date, lifetime, the values of the signed headers) and compares signatures in
//! constant time. The path must be exactly the canonical one: a client that decodes and
//! re-encodes it differently fails, as it can with S3.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use jiff::Timestamp;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use subtle::ConstantTimeEq;
use url::Url;

use crate::answer::StoreError;

/// The longest lifetime SigV4 allows a presigned URL: one week.
pub(crate) const MAX_EXPIRES_SECS: u64 = 604_800;

/// The region the emulator's own store claims.
pub(crate) const EMULATOR_REGION: &str = "us-east-1";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// `X-Amz-Date`'s format: ISO 8601 basic, UTC.
const AMZ_DATE: &str = "%Y%m%dT%H%M%SZ";

/// What a presigned URL lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreMethod {
    Put,
    Get,
    Head,
}

/// Credentials and the bucket they sign for. The secret never leaves this struct, and
/// `Debug` shows only the key id.
pub(crate) struct Signer {
    credentials: Credentials,
    region: String,
    bucket: String,
    /// The store's endpoint (scheme, host, port), without the bucket.
    endpoint: Url,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.credentials.key())
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Signs for `bucket` at `endpoint` with the given credentials.
    ///
    /// # Errors
    /// When `endpoint` is not an http(s) URL with a host.
    pub(crate) fn new(
        credentials: Credentials,
        region: &str,
        bucket: &str,
        endpoint: &str,
    ) -> Result<Signer, String> {
        let endpoint = Url::parse(endpoint).map_err(|e| format!("{endpoint}: {e}"))?;
        let signer = Signer {
            credentials,
            region: region.to_owned(),
            bucket: bucket.to_owned(),
            endpoint,
        };
        signer.bucket_at(&signer.endpoint)?;
        Ok(signer)
    }

    pub(crate) fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A presigned URL for `method` on `key`, valid `ttl` from `now`, binding
    /// `content_type` when given.
    pub(crate) fn presign(
        &self,
        method: StoreMethod,
        key: &str,
        content_type: Option<&str>,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<String, String> {
        let bucket = self.bucket_at(&self.endpoint)?;
        // SigV4 dates have whole seconds: truncate, so a URL is never dated in the future.
        let time = Timestamp::try_from(now)
            .and_then(|t| Timestamp::from_second(t.as_second()))
            .map_err(|e| format!("the clock is out of range: {e}"))?;
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| ("content-type", ct))
            .into_iter()
            .collect();
        let url = sign(
            &bucket,
            &self.credentials,
            method,
            key,
            &[],
            &headers,
            Duration::from_secs(expires_secs(ttl)),
            &time,
        );
        Ok(url.into())
    }

    /// Checks a request against its presigned query: `Ok` when the signature is one this
    /// signer made for exactly this request and it has not expired.
    pub(crate) fn verify(
        &self,
        request: &SignedRequest<'_>,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let query = PresignedQuery::parse(request.query)?;
        let time = jiff::civil::DateTime::strptime(AMZ_DATE, &query.date)
            .ok()
            .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|zoned| zoned.timestamp())
            .ok_or(StoreError::SignatureDoesNotMatch)?;
        let expires: u64 = query
            .expires
            .parse()
            .map_err(|_| StoreError::SignatureDoesNotMatch)?;
        if expires > MAX_EXPIRES_SECS {
            return Err(StoreError::ExpiresTooLong);
        }
        if query.credential.split('/').next() != Some(self.credentials.key()) {
            return Err(StoreError::InvalidAccessKeyId);
        }

        // Each signed header's value as sent; one that was not sent cannot match.
        let mut headers = Vec::new();
        for name in query.signed_headers.split(';') {
            if name == "host" {
                continue;
            }
            let value = request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(StoreError::SignatureDoesNotMatch)?;
            headers.push((name, value));
        }
        let endpoint = Url::parse(&format!("{}://{}/", self.endpoint.scheme(), request.host))
            .map_err(|_| StoreError::SignatureDoesNotMatch)?;
        let bucket = self
            .bucket_at(&endpoint)
            .map_err(|_| StoreError::SignatureDoesNotMatch)?;
        let extra: Vec<(&str, &str)> = query
            .extra
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        let expected = sign(
            &bucket,
            &self.credentials,
            request.method,
            request.key,
            &extra,
            &headers,
            Duration::from_secs(expires),
            &time,
        );

        let expected_params: Vec<(Cow<'_, str>, Cow<'_, str>)> = expected.query_pairs().collect();
        let param = |name: &str| {
            expected_params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_ref())
                .unwrap_or("")
        };
        let same_request = expected.path() == request.raw_path
            && param("X-Amz-Credential") == query.credential
            && param("X-Amz-SignedHeaders") == query.signed_headers
            && param("X-Amz-Security-Token") == query.token.as_deref().unwrap_or("");
        let same_signature: bool = param("X-Amz-Signature")
            .as_bytes()
            .ct_eq(query.signature.as_bytes())
            .into();
        if !(same_request && same_signature) {
            return Err(StoreError::SignatureDoesNotMatch);
        }

        let now = Timestamp::try_from(now).map_err(|_| StoreError::Expired)?;
        let expires_at = time.as_second().saturating_add_unsigned(expires);
        if now.as_second() >= expires_at {
            return Err(StoreError::Expired);
        }
        Ok(())
    }

    fn bucket_at(&self, endpoint: &Url) -> Result<Bucket, String> {
        Bucket::new(
            endpoint.clone(),
            UrlStyle::Path,
            self.bucket.clone(),
            self.region.clone(),
        )
        .map_err(|e| format!("{endpoint} cannot serve bucket {}: {e:?}", self.bucket))
    }
}

/// What a check needs from a request, exactly as it arrived.
#[derive(Debug)]
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: StoreMethod,
    /// The `Host` header.
    pub(crate) host: &'a str,
    /// The path as sent, still percent-encoded.
    pub(crate) raw_path: &'a str,
    /// The object key, decoded from `raw_path`.
    pub(crate) key: &'a str,
    /// The query as sent.
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
}

/// The `X-Amz-*` parameters of a presigned query, and any others (which are signed too).
struct PresignedQuery {
    credential: String,
    date: String,
    expires: String,
    signed_headers: String,
    signature: String,
    token: Option<String>,
    extra: Vec<(String, String)>,
}

impl PresignedQuery {
    /// Every parameter at most once; the algorithm must be SigV4's.
    fn parse(raw: Option<&str>) -> Result<Self, StoreError> {
        let mismatch = StoreError::SignatureDoesNotMatch;
        let mut algorithm = None;
        let mut credential = None;
        let mut date = None;
        let mut expires = None;
        let mut signed_headers = None;
        let mut signature = None;
        let mut token = None;
        let mut extra = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.ok_or(mismatch.clone())?.as_bytes()) {
            let slot = match key.as_ref() {
                "X-Amz-Algorithm" => &mut algorithm,
                "X-Amz-Credential" => &mut credential,
                "X-Amz-Date" => &mut date,
                "X-Amz-Expires" => &mut expires,
                "X-Amz-SignedHeaders" => &mut signed_headers,
                "X-Amz-Signature" => &mut signature,
                "X-Amz-Security-Token" => &mut token,
                _ => {
                    extra.push((key.into_owned(), value.into_owned()));
                    continue;
                }
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(mismatch);
            }
        }
        if algorithm.as_deref() != Some(ALGORITHM) {
            return Err(mismatch);
        }
        let signed_headers = signed_headers.ok_or(mismatch.clone())?;
        if !signed_headers.split(';').any(|h| h == "host") {
            return Err(mismatch);
        }
        Ok(PresignedQuery {
            credential: credential.ok_or(mismatch.clone())?,
            date: date.ok_or(mismatch.clone())?,
            expires: expires.ok_or(mismatch.clone())?,
            signed_headers,
            signature: signature.ok_or(mismatch)?,
            token,
            extra,
        })
    }
}

/// Whole seconds, at least one for a non-zero lifetime (so it does not become "expired"),
/// at most a week.
fn expires_secs(ttl: Duration) -> u64 {
    let secs = match ttl.as_secs() {
        0 if !ttl.is_zero() => 1,
        secs => secs,
    };
    secs.min(MAX_EXPIRES_SECS)
}

/// The one call into the signer, for presigning and checking alike.
#[allow(clippy::too_many_arguments)]
fn sign(
    bucket: &Bucket,
    credentials: &Credentials,
    method: StoreMethod,
    key: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    expires: Duration,
    time: &Timestamp,
) -> Url {
    fn fill<'a>(
        action: &mut impl S3Action<'a>,
        query: &[(&'a str, &'a str)],
        headers: &[(&'a str, &'a str)],
    ) {
        for (k, v) in query {
            action.query_mut().insert(*k, *v);
        }
        for (k, v) in headers {
            action.headers_mut().insert(*k, *v);
        }
    }
    match method {
        StoreMethod::Put => {
            let mut action = bucket.put_object(Some(credentials), key);
            fill(&mut action, query, headers);
            action.sign_with_time(expires, time)
        }
        StoreMethod::Get => {
            let mut action = bucket.get_object(Some(credentials), key);
            fill(&mut action, query, headers);
            action.sign_with_time(expires, time)
        }
        StoreMethod::Head => {
            let mut action = bucket.head_object(Some(credentials), key);
            fill(&mut action, query, headers);
            action.sign_with_time(expires, time)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMIEXAMPLEKEY"),
            "us-east-1",
            "bucket",
            "http://127.0.0.1:9000",
        )
        .unwrap()
    }

    #[test]
    fn keys_are_encoded_segment_by_segment() {
        let url = signer()
            .presign(
                StoreMethod::Put,
                "org/uuid/a b(1)+é.csv",
                Some("text/csv"),
                Duration::from_secs(60),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            )
            .unwrap();
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(
            path,
            "http://127.0.0.1:9000/bucket/org/uuid/a%20b%281%29%2B%C3%A9.csv"
        );
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F20270115%2Fus-east-1%2Fs3%2Faws4_request",
            "X-Amz-Date=20270115T080000Z",
            "X-Amz-Expires=60",
            "X-Amz-SignedHeaders=content-type%3Bhost",
        ] {
            assert!(query.split('&').any(|p| p == part), "{part} in {query}");
        }
    }

    #[test]
    fn lifetimes_are_whole_seconds_up_to_a_week() {
        assert_eq!(expires_secs(Duration::from_millis(10)), 1);
        assert_eq!(expires_secs(Duration::ZERO), 0);
        assert_eq!(expires_secs(Duration::from_secs(10 * 604_800)), 604_800);
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", signer());
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMIEXAMPLEKEY"), "{shown}");
    }
}
