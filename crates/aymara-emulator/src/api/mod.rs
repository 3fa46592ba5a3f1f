//! The Files API: `/v2/files` and below. Every call checks `x-api-key` first and answers
//! errors in the spec's envelope.

mod create;
mod files;
mod remote;
mod upload;
mod views;

use axum::http::HeaderMap;

pub(crate) use create::{RequestedFile, new_record, post_files};
pub(crate) use files::{delete_file, get_file, get_frames, get_status, list_files};
pub(crate) use upload::upload_file;

use crate::answer::ApiError;
use crate::state::Shared;

/// An empty key is never accepted; an empty allow-list accepts any other.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.trim().is_empty())
        .ok_or(ApiError::InvalidKey)?;
    if shared.api_keys.is_empty() || shared.api_keys.iter().any(|k| k == key) {
        Ok(())
    } else {
        Err(ApiError::InvalidKey)
    }
}
