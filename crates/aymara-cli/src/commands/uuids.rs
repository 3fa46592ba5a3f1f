//! What the commands that take file uuids share: checking them, calling a few at once, and
//! one line per uuid that failed.

use std::future::Future;

use aymara::{Error, Files};
use futures_util::StreamExt;

use crate::Failure;
use crate::cli::ApiArgs;
use crate::commands::Target;
use crate::output::{self, UuidFailedJson};

/// Calls made at once by the commands that take several uuids.
const CALLS_AT_ONCE: usize = 8;

/// Uuids given on the command line, checked before any call: an empty one is a usage error.
pub fn check_uuids(uuids: &[String]) -> Result<(), Failure> {
    if uuids.iter().any(|uuid| uuid.trim().is_empty()) {
        return Err(Failure::usage("a file uuid is empty".to_owned()));
    }
    Ok(())
}

/// What a command that takes several uuids got back: the successes in input order, and for
/// each failure its `error:` line and its `--json` entry.
pub struct PerUuid<T> {
    pub done: Vec<(String, T)>,
    pub failed: Vec<UuidFailedJson>,
    pub lines: Vec<String>,
}

/// The whole round of such a command: checks the uuids, builds the client, runs `call` for
/// each uuid a few at once, and sorts the results.
pub async fn call_each<T, Fut>(
    api: &ApiArgs,
    uuids: &[String],
    call: impl Fn(Files, String) -> Fut,
) -> Result<PerUuid<T>, Failure>
where
    Fut: Future<Output = Result<T, Error>>,
{
    check_uuids(uuids)?;
    let target = Target::new(api).await?;
    let files = target.client.files();
    let results = for_each_uuid(uuids, |uuid| call(files.clone(), uuid)).await;
    target.finish().await;
    let mut sorted = PerUuid {
        done: Vec::new(),
        failed: Vec::new(),
        lines: Vec::new(),
    };
    for (uuid, result) in uuids.iter().zip(results) {
        match result {
            Ok(value) => sorted.done.push((uuid.clone(), value)),
            Err(error) => {
                let why = output::describe(&error);
                sorted.lines.push(uuid_error_line(uuid, &why));
                sorted.failed.push(UuidFailedJson {
                    file_uuid: uuid.clone(),
                    error: why,
                });
            }
        }
    }
    Ok(sorted)
}

/// `call` for each uuid, a few at once; the results in input order.
async fn for_each_uuid<T, Fut>(
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
