//! `files upload --shard K/N`: N runs over one tree upload every file exactly once, each
//! with a journal of its own; the dry run splits the same way from any root; a bad `K/N`
//! is one line, exit 2, before any request.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aymara_test_support::cli::{Invocation, Run};
use aymara_test_support::mock::MockServer;
use aymara_test_support::{files_under, sha256_file, write_file};
use serde_json::Value;

use crate::{AYMARA, many_files, paths_of};

async fn aymara(base_url: &str, key: Option<&str>, dir: &Path, args: &[&str]) -> Run {
    AYMARA.run(Invocation::new(base_url, key, dir, args)).await
}

/// `shard 2/4: 251 of 1000 files` → 251.
fn taken(line: &str, shard: &str, total: usize) -> usize {
    let rest = line
        .strip_prefix(&format!("shard {shard}: "))
        .and_then(|rest| rest.strip_suffix(&format!(" of {total} files")))
        .unwrap_or_else(|| panic!("not the shard line of {shard}: {line}"));
    rest.parse().unwrap()
}

fn local_file_paths(list: &Value) -> BTreeSet<String> {
    paths_of(list).into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_shards_upload_a_thousand_files_exactly_once_and_split_the_same_way_again() {
    const FILES: usize = 1000;
    let dir = tempfile::tempdir().unwrap();
    let names: BTreeSet<String> = many_files(dir.path(), FILES).into_iter().collect();
    let shards = ["1/4", "2/4", "3/4", "4/4"];

    // Four workers sharing one directory, as a cluster's would.
    let mut counts = Vec::new();
    for shard in shards {
        let args = ["files", "upload", "--local", "-r", "set", "--shard", shard];
        let run = aymara("https://unreachable.invalid", None, dir.path(), &args).await;
        assert_eq!(run.code, 0, "{shard}: {}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        let count = taken(lines[0], shard, FILES);
        let uploaded = format!("Uploaded {count} of {count} files ");
        assert!(lines[1].starts_with(&uploaded), "{shard}: {}", run.stdout);
        counts.push(count);
    }
    assert_eq!(counts.iter().sum::<usize>(), FILES, "{counts:?}");
    let (least, most) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(*least > 0 && *most <= 2 * least, "uneven split: {counts:?}");

    // The store holds each file once, with its bytes.
    let store = dir.path().join(".aymara/local");
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for object in files_under(&store) {
        // The emulator's own state sits at the top of its directory, objects below it.
        let state = object.parent() == Some(store.as_path());
        if state || object.components().any(|part| part.as_os_str() == ".parts") {
            continue;
        }
        let name = format!("set/{}", object.file_name().unwrap().to_str().unwrap());
        assert_eq!(sha256_file(&object), sha256_file(dir.path().join(&name)));
        *stored.entry(name).or_default() += 1;
    }
    assert_eq!(stored.keys().cloned().collect::<BTreeSet<_>>(), names);
    assert!(stored.values().all(|&n| n == 1), "stored twice: {stored:?}");

    // One journal per shard: run again, each shard skips exactly what it uploaded.
    let mut journals: Vec<String> = std::fs::read_dir(dir.path().join(".aymara/journal"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    journals.sort();
    assert_eq!(journals.len(), 4, "{journals:?}");
    for (journal, k) in journals.iter().zip(1..) {
        assert!(
            journal.ends_with(&format!("-shard-{k}-of-4.jsonl")),
            "{journal}"
        );
    }
    let mut split = Vec::new();
    for (shard, count) in shards.into_iter().zip(&counts) {
        let args = [
            "files",
            "upload",
            "--local",
            "-r",
            "set",
            "--dry-run",
            "--json",
        ];
        let run = aymara(
            "",
            None,
            dir.path(),
            &[&args[..], &["--shard", shard]].concat(),
        )
        .await;
        assert_eq!(run.code, 0, "{shard}: {}", run.stderr);
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(plan["upload"], serde_json::json!([]), "{shard}");
        let skipped = local_file_paths(&plan["skip"]);
        assert_eq!(skipped.len(), *count, "{shard}");
        split.push(skipped);
    }
    let mut all = BTreeSet::new();
    for skipped in &split {
        assert!(skipped.is_disjoint(&all), "a file in two shards");
        all.extend(skipped.iter().cloned());
    }
    assert_eq!(all, names);

    // Elsewhere, the same tree under another path splits the same way.
    let elsewhere = tempfile::tempdir().unwrap();
    let root = elsewhere.path().join("mnt/data");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::rename(dir.path().join("set"), root.join("set")).unwrap();
    let set = root.join("set");
    for (shard, skipped) in shards.into_iter().zip(&split) {
        let args = ["files", "upload", "--dry-run", "--no-journal", "-r"];
        let args = [&args[..], &[set.to_str().unwrap(), "--shard", shard]].concat();
        let run = aymara("https://api.aymara.ai", None, elsewhere.path(), &args).await;
        assert_eq!(run.code, 0, "{shard}: {}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        let (summary, plan) = lines[lines.len() - 2..].split_first().unwrap();
        assert_eq!(taken(summary, shard, FILES), skipped.len());
        assert!(plan[0].starts_with("Dry run: "), "{}", run.stdout);
        let planned: BTreeSet<String> = lines[..lines.len() - 2]
            .iter()
            .map(|line| {
                let path = line.strip_prefix("upload  ").unwrap().split(" (").next();
                let path = Path::new(path.unwrap()).strip_prefix(&root).unwrap();
                path.to_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(&planned, skipped, "{shard}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_shard_is_one_line_exit_2_and_no_request() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "a.csv", b"x\n");
    for (shard, why) in [
        ("0/4", "shard 0/4 is out of range: K must be from 1 to 4"),
        ("5/4", "shard 5/4 is out of range: K must be from 1 to 4"),
        ("1/0", "shard count must be at least 1"),
        (
            "x",
            "shard \"x\" is not K/N (two whole numbers, such as 2/4)",
        ),
    ] {
        for dry_run in [&[][..], &["--dry-run"]] {
            let args = [&["files", "upload", "--shard", shard, "a.csv"][..], dry_run].concat();
            let run = aymara(server.url(), Some("k"), dir.path(), &args).await;
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert_eq!(
                run.stderr,
                format!("error: invalid value '{shard}' for '--shard <K/N>': {why}\n")
            );
            assert_eq!(run.stdout, "");
        }
    }
    assert!(server.presigns().is_empty() && server.puts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_with_no_file_of_the_tree_is_no_error_and_sends_nothing() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "data/a.csv", b"x\n");
    let home = aymara::Shard::new(1, 2).unwrap().of("a.csv");
    let other = format!("{}/2", home % 2 + 1);
    let args = ["files", "upload", "-r", "data", "--shard", &other];
    let run = aymara(server.url(), Some("k"), dir.path(), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("shard {other}: 0 of 1 files"));
    assert!(
        lines[1].starts_with("Uploaded 0 of 0 files"),
        "{}",
        run.stdout
    );
    assert!(server.presigns().is_empty() && server.puts().is_empty());

    let mine = format!("{home}/2");
    let args = ["files", "upload", "-r", "data", "--shard", &mine, "--json"];
    let run = aymara(server.url(), Some("k"), dir.path(), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        local_file_paths(&json["files"]),
        ["data/a.csv".to_owned()].into()
    );
}
