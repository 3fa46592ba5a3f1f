//! The API's requests and answers, as this crate's own types.
//!
//! Requests are built with constructors and setters; answers are read through accessors.
//! So a new optional field in the API description is a new setter or accessor here, never a
//! breaking change for code that depends on this crate. The conversions from and to the
//! generated client's types live in this module only.

mod create;
mod detail;
mod frames;
mod from_generated;
mod page;
mod status;
mod timestamp;

pub use create::{CreateFile, CreateRequest, CreateResponse, FileUpload};
pub use detail::{FileDetail, FileType};
pub use frames::FileFrames;
pub(crate) use from_generated::FromGenerated;
pub use page::FilePage;
pub use status::{FileStatus, ProcessingStatus};

pub use crate::unknown::UnknownValue;
