//! The credential the generated client sends as `x-api-key`.

use std::fmt;

use reqwest::header::{HeaderValue, InvalidHeaderValue};

/// An Aymara API key, sent as the `x-api-key` header on API calls only.
///
/// Its `Debug` output never shows the key, and the header value is marked sensitive so
/// reqwest keeps it out of its own debug output too.
#[derive(Clone)]
pub struct ApiKey(HeaderValue);

impl ApiKey {
    /// Wraps a key. Fails (without echoing the key) if it is not a valid header value.
    pub fn new(key: &str) -> Result<Self, InvalidHeaderValue> {
        let mut value = HeaderValue::from_str(key)?;
        value.set_sensitive(true);
        Ok(Self(value))
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("sk-sentinel-123").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert!(key.header_value().is_sensitive());
    }

    #[test]
    fn a_key_that_cannot_be_a_header_is_refused_without_echoing_it() {
        let err = ApiKey::new("bad\nkey-secret").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
