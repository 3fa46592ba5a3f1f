//! One module per command; what they share is here.

mod create;
mod delete;
mod get;
mod list;
mod status;
mod upload;
mod wait;

pub use create::create;
pub use delete::delete;
pub use get::get;
pub use list::list;
pub use status::status;
pub use upload::upload;
pub use wait::wait;

use std::future::Future;

use aymara::{Client, Error};
use aymara_emulator::Emulator;
use futures_util::StreamExt;

use crate::cli::ApiArgs;
use crate::{Failure, local, output};

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

/// The client, and the emulator behind it with `--local` (kept alive while in use).
pub struct Target {
    pub client: Client,
    pub local: Option<Emulator>,
}

impl Target {
    /// Builds the client: with `--local`, against an emulator started here; otherwise key
    /// from the environment only, base URL from the flag or the environment. Any problem is
    /// a configuration error (exit 2) before any network call.
    pub async fn new(api: &ApiArgs) -> Result<Self, Failure> {
        let builder = Client::builder().max_retries(api.max_retries);
        let (builder, local) = if api.local {
            let emulator = local::start_for_command(&api.data_dir).await?;
            let builder = builder
                .api_key(local::LOCAL_KEY)
                .base_url(emulator.base_url());
            (builder, Some(emulator))
        } else {
            let builder = match &api.base_url {
                Some(url) => builder.base_url(url),
                None => builder,
            };
            (builder.from_env(), None)
        };
        let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
        Ok(Self { client, local })
    }

    /// Stops the local emulator, if any, after letting in-flight requests finish.
    pub async fn finish(self) {
        if let Some(emulator) = self.local {
            emulator.shutdown().await;
        }
    }
}
