//! The emulator's tests, one module per subject, linked into one binary: its API, the Files
//! resource, SigV4 presigns, the store, hardening, and fronting a real S3 store (moto).
//! They share a process: none may set process-wide state (environment variables, the
//! current directory, a global `tracing` subscriber).
//!
//! Shared helpers come from `aymara-test-support` without its `emulator` feature (which
//! would link a second copy of this crate) and from `common`.

mod api;
mod common;
mod files;
mod fronting;
mod hardening;
mod persistence;
mod sigv4;
mod store;
