//! What the commands that take file uuids share: checking them, calling a few at once, and
//! one line per uuid that failed.

use std::future::Future;

use aymara::Error;
use futures_util::StreamExt;

use crate::{Failure, output};

/// Calls made at once by the commands that take several uuids.
const CALLS_AT_ONCE: usize = 8;

/// Uuids given on the command line, checked before any call: an empty one is a usage error.
pub fn check_uuids(uuids: &[String]) -> Result<(), Failure> {
    if uuids.iter().any(|uuid| uuid.trim().is_empty()) {
        return Err(Failure::usage("a file uuid is empty".to_owned()));
    }
    Ok(())
}

/// `call` for each uuid, a few at once; the results in input order.
pub async fn for_each_uuid<T, Fut>(
    uuids: &[String],
    call: impl Fn(String) -> Fut,
) -> Vec<Result<T, Error>>
where
    Fut: Future<Output = Result<T, Error>>,
{
    futures_util::stream::iter(uuids.iter().cloned())
        .map(call)
        .buffered(CALLS_AT_ONCE)
        .collect()
        .await
}

/// `error: UUID: what: cause`, for a uuid a command could not handle.
pub fn uuid_error_line(uuid: &str, why: &str) -> String {
    format!("error: {}: {why}", output::text(uuid))
}

/// Exit 0 when nothing failed, else 1 with these lines.
pub fn failed_if_any(lines: Vec<String>) -> Result<(), Failure> {
    if lines.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(lines))
    }
}
