//! Support for the workspace-level tests in `tests/`: a scripted mock of the Files API and
//! its object store. The tests themselves live in `tests/tests/`.

pub mod mock;
pub mod prism;
pub mod scripted;
