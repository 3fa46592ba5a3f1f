//! Presigned URLs: what is signed, and how a PUT is checked against it.
//!
//! The shape follows S3's query-string authentication closely enough that clients treat
//! the URL as opaque, as they must with a real store: `X-Amz-Date` (unix seconds at
//! signing), `X-Amz-Expires` (lifetime in seconds), `X-Amz-SignedHeaders` (`host`, or
//! `content-type;host` when the content type is bound) and `X-Amz-Signature`, the hex
//! HMAC-SHA256 of the object's uuid and name, those three values and, when bound, the
//! content type, under a random secret that lives only as long as the emulator.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Query parameter names, in the order they are written.
pub(crate) const ALGORITHM: &str = "X-Amz-Algorithm";
pub(crate) const DATE: &str = "X-Amz-Date";
pub(crate) const EXPIRES: &str = "X-Amz-Expires";
pub(crate) const SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
pub(crate) const SIGNATURE: &str = "X-Amz-Signature";
/// Names the scheme so nobody mistakes it for real SigV4.
pub(crate) const ALGORITHM_NAME: &str = "AYMARA-EMULATOR-HMAC-SHA256";

/// Everything a signature covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signed<'a> {
    pub(crate) file_uuid: &'a str,
    pub(crate) name: &'a str,
    pub(crate) date: u64,
    pub(crate) expires: u64,
    pub(crate) signed_headers: &'a str,
    /// The content type the PUT must carry; `Some` exactly when `signed_headers` names it.
    pub(crate) content_type: Option<&'a str>,
}

/// Whether a `X-Amz-SignedHeaders` value binds the content type.
pub(crate) fn binds_content_type(signed_headers: &str) -> bool {
    signed_headers
        .split(';')
        .any(|h| h.eq_ignore_ascii_case("content-type"))
}

/// Holds the keyed MAC, so the secret itself is kept in one place and never printed.
pub(crate) struct Signer {
    keyed: Hmac<Sha256>,
}

impl Signer {
    /// A fresh random secret: URLs from one emulator are worthless to another.
    pub(crate) fn random() -> std::io::Result<Self> {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let keyed = Hmac::<Sha256>::new_from_slice(&key)
            .map_err(|e| std::io::Error::other(format!("cannot key HMAC-SHA256: {e}")))?;
        Ok(Signer { keyed })
    }

    /// Hex signature for `signed`.
    pub(crate) fn sign(&self, signed: &Signed<'_>) -> String {
        hex::encode(self.mac(signed).finalize().into_bytes())
    }

    /// Constant-time check of a hex signature, so timing reveals nothing about the secret.
    pub(crate) fn verify(&self, signed: &Signed<'_>, signature_hex: &str) -> bool {
        match hex::decode(signature_hex) {
            Ok(bytes) => self.mac(signed).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, signed: &Signed<'_>) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        // Length-prefixed fields: no two different inputs share a byte string.
        let date = signed.date.to_string();
        let expires = signed.expires.to_string();
        let fields: [&str; 7] = [
            "PUT",
            signed.file_uuid,
            signed.name,
            &date,
            &expires,
            signed.signed_headers,
            signed.content_type.unwrap_or(""),
        ];
        for field in fields {
            mac.update(field.len().to_string().as_bytes());
            mac.update(b":");
            mac.update(field.as_bytes());
            mac.update(b"\n");
        }
        mac
    }
}
