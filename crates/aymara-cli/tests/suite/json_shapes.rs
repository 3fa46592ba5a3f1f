//! The CLI owns its machine output: the shape of every `--json` document and `--ndjson`
//! record (keys and value types, not values) is pinned by a reviewed snapshot, so a new
//! field on an SDK type cannot change a documented output by accident. And a reader that
//! stops early (`| head -c 10`) ends the output quietly.

use std::path::Path;
use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::emulator::TestEmulator;
use serde_json::{Map, Value, json};

use crate::AYMARA;

const KEY: &str = "shape-key";

async fn aymara(emulator: &Emulator, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: emulator.base_url(),
            key: Some(KEY),
            dir,
            args,
            rust_log: None,
        })
        .await
}

/// The shape of a JSON value: each string, number, boolean and null replaced by its type,
/// each array by the merged shape of its items, object keys kept (sorted).
fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => {
            let mut merged = Map::new();
            let mut scalars = Vec::new();
            for item in items {
                match shape(item) {
                    Value::Object(fields) => {
                        for (key, field) in fields {
                            merged.entry(key).or_insert(field);
                        }
                    }
                    other if !scalars.contains(&other) => scalars.push(other),
                    _ => {}
                }
            }
            if !merged.is_empty() {
                scalars.push(Value::Object(merged));
            }
            Value::Array(scalars)
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, field)| (key.clone(), shape(field)))
                .collect(),
        ),
    }
}

/// One document's shape from a run that printed it.
fn document(run: &Run) -> Value {
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    shape(&value)
}

/// The shapes of an NDJSON run's records, one per kind of record (by `status`, the
/// summary, or any other record), in a stable order.
fn records(run: &Run) -> Value {
    let mut kinds = Map::new();
    for line in run.stdout.lines() {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let kind = match value["status"].as_str() {
            Some(status) => status.to_owned(),
            None if value.get("summary").is_some() => "summary".into(),
            None => "record".into(),
        };
        kinds.entry(kind).or_insert_with(|| shape(&value));
    }
    Value::Object(kinds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_machine_output_keeps_its_documented_shape() {
    let config = EmulatorConfig {
        video_processing: Duration::ZERO,
        ..EmulatorConfig::default()
    };
    let emulator = TestEmulator::start(KEY, config).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.csv"), "a\n").unwrap();
    std::fs::write(root.join("b.png"), [0x89, b'P', b'N', b'G']).unwrap();
    std::fs::write(root.join("c.mp4"), [7u8; 64]).unwrap();
    std::fs::write(root.join("d.txt"), "not sent yet\n").unwrap();
    // A FIFO: refused by planning, so the dry run has every kind of entry.
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("pipe.csv"))
        .status();
    assert!(fifo.unwrap().success());
    let mut shapes = Map::new();

    let first = aymara(
        &emulator,
        root,
        &["files", "upload", "--json", "--wait", "a.csv", "c.mp4"],
    )
    .await;
    shapes.insert("files upload --json --wait".into(), document(&first));
    let uploaded: Value = serde_json::from_str(&first.stdout).unwrap();
    let uuid = uploaded["files"][0]["file_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let video = uploaded["files"][1]["file_uuid"]
        .as_str()
        .unwrap()
        .to_owned();

    // a.csv is in the journal now (skipped); b.png is new; a refused content type fails.
    let again = aymara(
        &emulator,
        root,
        &["files", "upload", "--json", "a.csv", "b.png"],
    )
    .await;
    shapes.insert("files upload --json (skipped)".into(), document(&again));
    let failing = aymara(
        &emulator,
        root,
        &[
            "files",
            "upload",
            "--json",
            "--no-journal",
            "--max-retries",
            "0",
            "--workspace",
            "not-a-uuid",
            "b.png",
        ],
    )
    .await;
    assert_eq!((first.code, again.code, failing.code), (0, 0, 1));
    shapes.insert("files upload --json (failed)".into(), document(&failing));
    let streamed = aymara(
        &emulator,
        root,
        &["files", "upload", "--ndjson", "--force", "a.csv", "b.png"],
    )
    .await;
    shapes.insert("files upload --ndjson".into(), records(&streamed));
    let planned = aymara(
        &emulator,
        root,
        &[
            "files",
            "upload",
            "--dry-run",
            "--json",
            "a.csv",
            "c.mp4",
            "d.txt",
            "pipe.csv",
        ],
    )
    .await;
    shapes.insert("files upload --dry-run --json".into(), document(&planned));
    let created = aymara(&emulator, root, &["files", "create", "--json", "x.csv"]).await;
    shapes.insert("files create --json".into(), document(&created));
    let listed = aymara(&emulator, root, &["files", "list", "--json"]).await;
    shapes.insert("files list --json".into(), document(&listed));
    let listed = aymara(&emulator, root, &["files", "list", "--ndjson"]).await;
    shapes.insert("files list --ndjson".into(), records(&listed));
    let got = aymara(&emulator, root, &["files", "get", "--json", &uuid]).await;
    shapes.insert("files get --json".into(), document(&got));
    let status = aymara(
        &emulator,
        root,
        &[
            "files",
            "status",
            "--json",
            &uuid,
            "00000000-0000-4000-8000-000000000000",
        ],
    )
    .await;
    shapes.insert("files status --json".into(), document(&status));
    let waited = aymara(&emulator, root, &["files", "wait", "--json", &video]).await;
    shapes.insert("files wait --json".into(), document(&waited));
    let deleted = aymara(
        &emulator,
        root,
        &[
            "files",
            "delete",
            "--json",
            &uuid,
            "00000000-0000-4000-8000-000000000000",
        ],
    )
    .await;
    shapes.insert("files delete --json".into(), document(&deleted));

    insta::assert_json_snapshot!("cli_json_shapes", Value::Object(shapes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_early_ends_the_output_quietly() {
    let emulator = TestEmulator::start(KEY, EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    // Enough files that the --json document is larger than a pipe's buffer.
    for i in 0..1500 {
        std::fs::write(dir.path().join(format!("file-{i:04}.csv")), "x\n").unwrap();
    }
    let script = format!(
        "set -o pipefail; {} files upload --json --no-journal --base-url {} -r . | head -c 10",
        AYMARA.path().display(),
        emulator.base_url()
    );
    let output = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || {
            std::process::Command::new("bash")
                .arg("-c")
                .arg(script)
                .current_dir(dir)
                .env("AYMARA_AI_API_KEY", KEY)
                .env_remove("RUST_LOG")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(output.stdout.len(), 10);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "no 'cannot write'"
    );
    assert!(output.status.success(), "{:?}", output.status);
    assert_eq!(emulator.objects().len(), 1500, "the upload itself finished");
}
