//! The workspace's tests, one module per subject, linked into one binary (one link, one
//! process, instead of one per file). `blocking_main.rs` beside this directory is the only
//! other: it needs a plain `fn main()`.
//!
//! Tests here share a process: none may set process-wide state (environment variables, the
//! current directory, a global `tracing` subscriber); a subscriber is set per test with
//! `tracing::subscriber::set_default`. Helpers live in `aymara-test-support`.

mod codegen_drift;
mod contract_client;
mod contract_emulator;
mod contract_generated;
mod e2e_s3;
mod e2e_sdk;
mod examples;
mod hostile;
mod json_schemas;
mod public_surface;
mod python_sdk;
mod release;
mod sdk_concurrency;
mod sdk_errors;
mod sdk_files;
mod sdk_leaks;
mod sdk_rerun;
mod sdk_retries;
mod sdk_slow_stores;
mod sdk_upload;
mod semver_fields;
mod spec_diff;
mod spec_update;
