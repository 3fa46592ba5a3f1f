//! URL rules: where the SDK is willing to send a key or file bytes.

use std::net::IpAddr;

use url::{Host, Url};

/// Whether the URL points at this machine (`localhost`, `127.0.0.0/8`, `[::1]`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Parses `text` and requires https, or http to a loopback host. `what` names the URL in
/// the error ("base URL from AYMARA_AI_BASE_URL", "presigned file_url for a.csv").
pub(crate) fn parse_secure(text: &str, what: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{what} is not a valid URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "{what} must use https (plain http is allowed only to localhost): {}",
            aymara_text::redact_url(&url)
        )),
        other => Err(format!(
            "{what} has unsupported scheme {other:?}: {}",
            aymara_text::redact_url(&url)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_allowed() {
        for ok in [
            "https://api.aymara.ai",
            "http://localhost:8000",
            "http://127.0.0.1:9",
            "http://127.8.9.10",
            "http://[::1]:80/x",
            "http://LOCALHOST",
        ] {
            assert!(parse_secure(ok, "base URL").is_ok(), "{ok}");
        }
    }

    #[test]
    fn other_http_and_schemes_are_refused_with_a_line_naming_the_url() {
        let err = parse_secure("http://api.aymara.ai/v2", "base URL").unwrap_err();
        assert_eq!(
            err,
            "base URL must use https (plain http is allowed only to localhost): http://api.aymara.ai/v2"
        );
        for bad in [
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://localhost",
            "nope",
        ] {
            assert!(parse_secure(bad, "base URL").is_err(), "{bad}");
        }
    }
}
