//! Terminal-safe text for the Aymara SDK (`aymara`) and its command line: what reaches a
//! person is escaped so it cannot drive a terminal, folded onto one line, and bounded.
//!
//! File names and anything a server sends are untrusted: a newline would split a line of
//! output, and escape codes would reach the terminal. Every error's `Display` in `aymara`
//! goes through here, and the `aymara` command line uses the same functions for everything
//! it prints, so the two never disagree on what is safe.
//!
//! ```
//! assert_eq!(aymara_text::escape("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
//! assert_eq!(aymara_text::url("https://s3.example/a?X-Amz-Signature=x"), "https://s3.example/a?<redacted>");
//! ```
#![deny(missing_docs)]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use url::Url;

/// Longest piece of server-supplied text (an error message, a body snippet) shown in an
/// error's `Display`, in bytes, before it is cut with a marker.
pub const MESSAGE_DISPLAY_LIMIT: usize = 300;

/// Whether `c` must not reach a terminal as is: control characters (C0, DEL, C1), and the
/// line separators and bidirectional overrides that reorder or split what a reader sees.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every control character shown escaped (`\n`, `\t`, `\u{1b}`), so it stays
/// on one line and cannot send escape codes to a terminal. Borrowed when nothing needed it.
///
/// ```
/// assert_eq!(aymara_text::escape("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
/// assert_eq!(aymara_text::escape("plain.csv"), "plain.csv");
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as one escaped line. A name that is not UTF-8 shows its undecodable bytes as
/// `\xNN`, so two different names never look the same.
///
/// ```
/// let shown = aymara_text::path(std::path::Path::new("data/a\nb.csv"));
/// assert_eq!(shown, "data/a\\nb.csv");
/// ```
pub fn path(path: &Path) -> Cow<'_, str> {
    match path.to_str() {
        Some(text) => escape(text),
        None => Cow::Owned(escape_bytes(path.as_os_str().as_encoded_bytes())),
    }
}

/// Escapes valid UTF-8 runs as [`escape`] does and every other byte as `\xNN`.
fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// The URL with credentials dropped and its query string (where presigned URLs keep their
/// signature) replaced, safe for errors and logs.
///
/// ```
/// let url = url::Url::parse("https://user:pw@s3.example/a.csv?X-Amz-Signature=abc#f").unwrap();
/// assert_eq!(aymara_text::redact_url(&url), "https://s3.example/a.csv?<redacted>");
/// ```
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    let had_query = shown.query().is_some();
    shown.set_query(None);
    let mut text = shown.to_string();
    if had_query {
        text.push_str("?<redacted>");
    }
    text
}

/// A URL made fit to show: credentials dropped and the query string, where presigned URLs
/// keep their signature, replaced; escaped when it is not a URL.
///
/// ```
/// let shown = aymara_text::url("https://s3.example/a.mp4?X-Amz-Signature=abc");
/// assert_eq!(shown, "https://s3.example/a.mp4?<redacted>");
/// ```
pub fn url(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact_url(&url),
        // Not an absolute URL: only what comes before any `?`, escaped.
        Err(_) => {
            let (before, after) = text.split_once('?').unwrap_or((text, ""));
            let mut shown = message(before);
            if !after.is_empty() {
                shown.push_str("?<redacted>");
            }
            shown
        }
    }
}

/// Server-supplied text made fit for one line of an error message: whitespace runs folded
/// to one space, control characters escaped, and cut at [`MESSAGE_DISPLAY_LIMIT`] bytes with
/// a marker saying how much was left out.
///
/// ```
/// let long = "x".repeat(1000);
/// let shown = aymara_text::message(&long);
/// assert!(shown.len() < 400 && shown.ends_with("[700 more bytes]"));
/// ```
pub fn message(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (kept, cut) = cut_at(&folded, MESSAGE_DISPLAY_LIMIT);
    let mut out = escape(kept).into_owned();
    if cut > 0 {
        let _ = write!(out, "… [{cut} more bytes]");
    }
    out
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a character
/// boundary, and how many bytes were left out.
pub fn cut_at(text: &str, limit: usize) -> (&str, usize) {
    if text.len() <= limit {
        return (text, 0);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_escaped() {
        assert_eq!(escape("a\tb\r\n"), "a\\tb\\r\\n");
        assert_eq!(escape("\u{7f}\u{9b}"), "\\u{7f}\\u{9b}");
        assert_eq!(escape("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert!(matches!(escape("é ünïcode"), Cow::Borrowed(_)));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_show_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad\xff\n.csv");
        assert_eq!(path(Path::new(name)), "bad\\xff\\n.csv");
    }

    #[test]
    fn messages_are_folded_escaped_and_cut_on_a_char_boundary() {
        assert_eq!(message("two\n\nlines  here\u{1b}"), "two lines here\\u{1b}");
        let long = "é".repeat(200); // 400 bytes
        let shown = message(&long);
        let kept = shown.split('…').next().unwrap();
        assert_eq!(kept.len(), 300);
        assert!(shown.ends_with("[100 more bytes]"), "{shown}");
    }

    #[test]
    fn urls_given_as_text_lose_their_query_whether_they_parse_or_not() {
        assert_eq!(
            url("/elsewhere?X-Amz-Signature=abc\n"),
            "/elsewhere?<redacted>"
        );
        assert_eq!(
            url("https://evil.example/x?sig=1"),
            "https://evil.example/x?<redacted>"
        );
    }
}
