//! One module per command; what they share is here.

mod create;
mod delete;
mod dry_run;
mod get;
mod list;
mod status;
mod upload;
mod uuids;
mod wait;

pub use create::create;
pub use delete::delete;
pub use get::get;
pub use list::list;
pub use status::status;
pub use upload::upload;
pub use uuids::{call_each, check_uuids, failed_if_any, uuid_error_line};
pub use wait::wait;

use aymara::Client;

use crate::Failure;
use crate::cli::ApiArgs;
use crate::local::{self, Local};

/// The client, and the emulator behind it with `--local` (kept alive while in use).
pub struct Target {
    pub client: Client,
    pub local: Option<Local>,
}

impl Target {
    /// Builds the client: with `--local`, against an emulator started here; otherwise key
    /// from the environment only, base URL from the flag or the environment. Any problem is
    /// a configuration error (exit 2) before any network call.
    pub async fn new(api: &ApiArgs) -> Result<Self, Failure> {
        let builder = Client::builder().max_retries(api.max_retries);
        let (builder, local) = if api.local {
            let emulator = Local::start(&api.data_dir).await?;
            let builder = builder
                .api_key(local::LOCAL_KEY)
                .base_url(emulator.base_url());
            (builder, Some(emulator))
        } else {
            let builder = match &api.base_url {
                Some(url) => builder.base_url(url),
                None => builder,
            };
            (builder.with_env(), None)
        };
        let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
        Ok(Self { client, local })
    }

    /// The base URL a client for `api` would use, checked as a client checks it, without
    /// needing a key (a dry run sends nothing).
    pub fn base_url(api: &ApiArgs) -> Result<String, Failure> {
        let builder = Client::builder().api_key("not-used-by-a-dry-run");
        let builder = match &api.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        };
        let client = builder
            .with_env()
            .build()
            .map_err(|e| Failure::usage(e.to_string()))?;
        Ok(client.base_url().to_owned())
    }

    /// Stops the local emulator, if any, after letting in-flight requests finish.
    pub async fn finish(self) {
        if let Some(emulator) = self.local {
            emulator.shutdown().await;
        }
    }
}
