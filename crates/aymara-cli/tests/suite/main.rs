//! The `aymara` binary's tests, one module per subject, linked into one binary. They share a
//! process: none may set process-wide state (environment variables, the current directory);
//! each run of the binary gets its own. Helpers live in `aymara-test-support`.

use std::path::Path;

use aymara_test_support::cli::Binary;
use aymara_test_support::write_file;
use serde_json::Value;

mod cli;
mod emulator;
mod files;
mod hostile;
mod json_shapes;
mod rerun;
mod restart;
mod serve_s3;
mod serving;
mod shards;
mod shell;

/// The binary under test.
const AYMARA: Binary = Binary::new(env!("CARGO_BIN_EXE_aymara"));

/// `count` JSON Lines files `set/item-NNNN.jsonl` under `dir`, of 1 to 7 lines; returns
/// their paths relative to `dir`, as arguments.
fn many_files(dir: &Path, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let name = format!("set/item-{i:04}.jsonl");
            let lines = format!("{{\"id\": {i}}}\n").repeat(i % 7 + 1);
            write_file(dir, &name, lines.as_bytes());
            name
        })
        .collect()
}

/// The `local_file_path` of each file in a `--json` list.
fn paths_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["local_file_path"].as_str().unwrap().to_owned())
        .collect()
}
