//! The one error type users see, [`Error`], and what it carries.
//!
//! Every conversion from the HTTP stack and the generated client lives in `convert`; every
//! `Display` is one terminal-safe line (see [`crate::display`]). No variant ever contains
//! the API key or the query string of a presigned URL.

mod api;
mod convert;
mod errors;
mod hint;
mod storage;

pub use api::{ApiError, ApiErrorKind, ErrorCode};
#[cfg(test)]
pub(crate) use convert::from_api_response;
pub(crate) use convert::{from_generated, from_storage_response, from_transport};
pub use errors::{BoxError, Error, PlanError, PlanProblem};
pub use storage::StorageError;
