//! The one path every API call takes, and the Files resource's calls made through it
//! ([`call`]); the answer they give ([`response`]).

mod call;
mod response;

pub(crate) use call::{Api, Inner, Operation};
pub use response::Response;
