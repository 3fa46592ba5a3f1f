//! Re-runs and resuming: the journal of stored files, skipping what it has, SHA-256 while
//! streaming, crashes and stops that lose nothing, and presigned URLs that expire mid-run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aymara::{
    Error, FileJournal, Journal, JournalQuery, OutcomeKind, PlanAction, ProgressEvent,
    UploadControl, UploadOptions, UploadPlan, UploadReport,
};
use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::mock::{Canned, MockServer};
use aymara_test_support::{blake3_file, blake3_hex, sha256_file, write_file};

fn files(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            write_file(
                dir,
                format!("f{i:03}.jsonl"),
                format!("{{\"i\": {i}}}\n").as_bytes(),
            )
        })
        .collect()
}

fn journal(dir: &Path) -> Arc<FileJournal> {
    Arc::new(FileJournal::open(dir.join(".aymara/journal.jsonl")).unwrap())
}

fn set_mtime(path: &Path, at: SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(at).unwrap();
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// The journal's entry for `path` as it is on disk now, if it matches.
fn recorded(journal: &dyn Journal, path: &Path) -> Option<aymara::JournalEntry> {
    let meta = std::fs::metadata(path).unwrap();
    let query =
        JournalQuery::new(path.to_str().unwrap(), meta.len()).with_modified(meta.modified().ok());
    journal.find(&query).unwrap()
}

fn uuids_by_path(report: &UploadReport) -> HashMap<String, String> {
    report
        .uploaded()
        .map(|f| (f.local_file_path().to_owned(), f.file_uuid().to_owned()))
        .chain(
            report
                .skipped()
                .map(|f| (f.local_file_path().to_owned(), f.file_uuid().to_owned())),
        )
        .collect()
}

#[tokio::test]
async fn a_rerun_skips_every_unchanged_file_with_no_request_and_reports_their_uuids() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 5);
    let journal = journal(dir.path());
    let options = || UploadOptions::new().journal(journal.clone());
    let first = server
        .client(0)
        .files()
        .upload(&paths, options())
        .await
        .unwrap();
    assert_eq!(first.uploaded().count(), 5);
    assert_eq!(journal.len(), 5);

    let (presigns, puts) = (server.presigns().len(), server.puts().len());
    let skipped = Arc::new(AtomicUsize::new(0));
    let seen = skipped.clone();
    let mut upload = server
        .client(0)
        .files()
        .upload(
            &paths,
            options().observer(move |event: &ProgressEvent<'_>| {
                if let ProgressEvent::Skipped { .. } = event {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            }),
        )
        .start();
    let control = upload.control();
    let mut streamed = 0;
    while let Some(outcome) = upload.next_outcome().await {
        assert!(outcome.skipped().is_some(), "{outcome:?}");
        streamed += 1;
    }
    let rest = upload.finish().await.unwrap();
    assert!(rest.outcomes().is_empty() && rest.is_success());
    assert_eq!(streamed, 5);
    assert_eq!(
        (server.presigns().len(), server.puts().len()),
        (presigns, puts),
        "no request at all"
    );
    let progress = control.progress();
    assert_eq!((progress.files_skipped, progress.files_total), (5, 0));
    assert_eq!(skipped.load(Ordering::Relaxed), 5);

    let again = server
        .client(0)
        .files()
        .upload(&paths, options())
        .await
        .unwrap();
    assert!(again.is_success());
    assert_eq!(uuids_by_path(&again), uuids_by_path(&first));
    let skipped = again.skipped().next().unwrap();
    assert!(skipped.remote_file_path().unwrap().ends_with("/f000.jsonl"));
    assert_eq!(skipped.size_bytes(), 9);
}

#[tokio::test]
async fn a_touched_file_is_sent_again_and_force_sends_everything() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 3);
    let journal = journal(dir.path());
    let options = || UploadOptions::new().journal(journal.clone());
    server
        .client(0)
        .files()
        .upload(&paths, options())
        .await
        .unwrap();
    let before = server.puts().len();

    set_mtime(&paths[1], mtime(&paths[1]) + Duration::from_secs(1));
    let report = server
        .client(0)
        .files()
        .upload(&paths, options())
        .await
        .unwrap();
    let sent: Vec<&str> = report.uploaded().map(|f| f.local_file_path()).collect();
    assert_eq!(sent, [paths[1].to_str().unwrap()]);
    assert_eq!(report.skipped().count(), 2);
    assert_eq!(server.puts().len(), before + 1);
    let entry = recorded(&*journal, &paths[1]).expect("the new entry");
    assert_eq!(
        entry.file_uuid(),
        report.uploaded().next().unwrap().file_uuid()
    );

    let forced = server
        .client(0)
        .files()
        .upload(&paths, options().force(true))
        .await
        .unwrap();
    assert_eq!(forced.uploaded().count(), 3);
    assert_eq!(server.puts().len(), before + 4);
}

#[tokio::test]
async fn with_checksum_a_change_that_kept_size_and_mtime_is_caught() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "prompts.csv", b"a,b\n1,2\n");
    let journal = journal(dir.path());
    let options = || UploadOptions::new().journal(journal.clone());
    let first = server
        .client(0)
        .files()
        .upload([&file], options())
        .await
        .unwrap();
    let stored = first.uploaded().next().unwrap().clone();

    let at = mtime(&file);
    std::fs::write(&file, b"a,b\n3,4\n").unwrap();
    set_mtime(&file, at);
    let by_time = server
        .client(0)
        .files()
        .upload([&file], options())
        .await
        .unwrap();
    assert_eq!(by_time.skipped().count(), 1, "size and mtime cannot see it");

    let by_content = server
        .client(0)
        .files()
        .upload([&file], options().checksum(true))
        .await
        .unwrap();
    let sent = by_content.uploaded().next().expect("sent again");
    let new_hash = blake3_hex(b"a,b\n3,4\n");
    assert_eq!(sent.blake3(), Some(new_hash.as_str()));
    assert_ne!(sent.blake3(), stored.blake3());

    let unchanged = server
        .client(0)
        .files()
        .upload([&file], options().checksum(true))
        .await
        .unwrap();
    assert_eq!(
        unchanged.skipped().next().unwrap().file_uuid(),
        sent.file_uuid()
    );
}

#[tokio::test]
async fn without_a_journal_no_content_hash_is_computed() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..1024 * 1024 + 3).map(|i| (i % 253) as u8).collect();
    let paths = [
        write_file(dir.path(), "big.bin", &big),
        write_file(dir.path(), "small.txt", b"hello\n"),
    ];
    let report = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.uploaded().count(), 2);
    assert!(
        report.uploaded().all(|f| f.blake3().is_none()),
        "{report:?}"
    );
}

#[tokio::test]
async fn the_content_hash_is_computed_while_streaming_and_recorded() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..3 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    let paths = [
        write_file(dir.path(), "big.bin", &big),
        write_file(dir.path(), "small.txt", b"hello\n"),
        write_file(dir.path(), "empty.txt", b""),
    ];
    let journal = journal(dir.path());
    let report = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new().journal(journal.clone()))
        .await
        .unwrap();
    let sent: HashMap<String, String> = server
        .puts()
        .into_iter()
        .map(|p| (p.file_uuid, p.sha256))
        .collect();
    for (file, path) in report.uploaded().zip(&paths) {
        let local = blake3_file(path);
        assert_eq!(file.blake3(), Some(local.as_str()), "{path:?}");
        assert_eq!(
            sent[file.file_uuid()],
            sha256_file(path),
            "the store got these bytes"
        );
        let entry = recorded(&*journal, path).unwrap();
        assert_eq!(entry.blake3(), Some(local.as_str()));
        assert_eq!(entry.modified(), Some(mtime(path)));
        assert_eq!(
            entry.base_url(),
            Some(format!("{}/", server.url()).as_str())
        );
    }
}

/// Emulator objects per stored name, and how many were sent more than once.
fn stored_names(emulator: &Emulator) -> (HashMap<String, usize>, usize) {
    let mut names: HashMap<String, usize> = HashMap::new();
    for object in emulator.objects() {
        *names.entry(object.name).or_default() += 1;
    }
    let twice = names.values().map(|n| n - 1).sum();
    (names, twice)
}

async fn reopen(path: &Path) -> FileJournal {
    // The aborted task lets go of its journal (and lock) when the runtime drops it.
    for _ in 0..100_000 {
        match FileJournal::open(path) {
            Ok(journal) => return journal,
            Err(_) => tokio::task::yield_now().await,
        }
    }
    panic!("the crashed upload never let go of the journal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_mid_run_a_rerun_stores_every_file_sending_at_most_concurrency_twice() {
    let emulator = TestEmulator::start("k", EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 60);
    let path = dir.path().join(".aymara/journal.jsonl");
    let concurrency = 4;
    let options = |journal: FileJournal| {
        UploadOptions::new()
            .concurrency(concurrency)
            .batch_size(10)
            .journal(journal)
    };

    let mut upload = emulator
        .client()
        .files()
        .upload(&paths, options(FileJournal::open(&path).unwrap()))
        .start();
    let mut reported = 0;
    while reported < 10 {
        let outcome = upload.next_outcome().await.expect("more outcomes");
        assert!(outcome.uploaded().is_some(), "{outcome:?}");
        reported += 1;
    }
    drop(upload); // the crash: the upload's task is dropped wherever it is

    let journal = reopen(&path).await;
    let recorded = journal.len();
    assert!(recorded >= 10, "{recorded}");
    let (names, _) = stored_names(&emulator);
    assert!(
        names.len() <= recorded + concurrency,
        "{} stored",
        names.len()
    );

    let report = emulator
        .client()
        .files()
        .upload(&paths, options(journal))
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.skipped().count(), recorded);
    assert_eq!(report.uploaded().count(), 60 - recorded);
    let (names, twice) = stored_names(&emulator);
    assert_eq!(names.len(), 60, "every file is stored");
    assert!(twice <= concurrency, "{twice} files sent twice");
    let objects: HashMap<String, String> = emulator
        .objects()
        .into_iter()
        .map(|o| (o.file_uuid, o.sha256))
        .collect();
    for (path, uuid) in uuids_by_path(&report) {
        let local = sha256_file(&path);
        assert_eq!(objects[&uuid], local, "{path}");
    }
}

/// An upload of `paths` whose observer stops it (with `stop`) when `after` files are done.
async fn stopped_after(
    server: &MockServer,
    paths: &[PathBuf],
    journal: Arc<FileJournal>,
    after: usize,
    stop: fn(&UploadControl),
) -> UploadReport {
    let control: Arc<OnceLock<UploadControl>> = Arc::default();
    let done = AtomicUsize::new(0);
    let watch = control.clone();
    let options = UploadOptions::new()
        .concurrency(2)
        .journal(journal)
        .observer(move |event: &ProgressEvent<'_>| {
            if let ProgressEvent::Done { .. } = event
                && done.fetch_add(1, Ordering::Relaxed) + 1 == after
            {
                stop(watch.get().expect("set before any transfer"));
            }
        });
    let upload = server.client(0).files().upload(paths, options).start();
    control.set(upload.control()).unwrap();
    upload.finish().await.unwrap()
}

#[tokio::test]
async fn ctrl_c_graceful_lets_transfers_in_flight_finish_and_journals_every_stored_file() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 20);
    let journal = journal(dir.path());
    let report = stopped_after(&server, &paths, journal.clone(), 3, UploadControl::cancel).await;
    let uploaded = report.uploaded().count();
    let cancelled = report.cancelled().count();
    assert!((3..=5).contains(&uploaded), "{uploaded}");
    assert_eq!(uploaded + cancelled, 20);
    assert_eq!(
        server.puts().len(),
        uploaded,
        "in-flight transfers finished"
    );
    for outcome in report.outcomes() {
        let path = outcome.path();
        assert_eq!(
            recorded(&*journal, path).is_some(),
            outcome.uploaded().is_some()
        );
    }

    let puts = server.puts().len();
    let rerun = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new().journal(journal.clone()))
        .await
        .unwrap();
    assert!(rerun.is_success());
    assert_eq!(rerun.skipped().count(), uploaded);
    assert_eq!(server.puts().len() - puts, cancelled);
}

#[tokio::test]
async fn a_hard_stop_journals_every_file_it_reports_uploaded() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 20);
    let journal = journal(dir.path());
    let report = stopped_after(&server, &paths, journal.clone(), 3, UploadControl::stop).await;
    let uploaded = report.uploaded().count();
    assert!(
        uploaded >= 3 && report.cancelled().count() > 0,
        "{report:?}"
    );
    for outcome in report.outcomes() {
        let path = outcome.path();
        assert_eq!(
            recorded(&*journal, path).is_some(),
            outcome.uploaded().is_some()
        );
    }
    assert!(
        server.puts().len() <= uploaded + 2,
        "at most concurrency unrecorded"
    );
}

#[tokio::test]
async fn a_torn_journal_line_is_ignored_with_a_warning_and_its_file_sent_again() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 3);
    let path = dir.path().join(".aymara/journal.jsonl");
    let options = |journal| UploadOptions::new().journal(journal);
    // One transfer at a time, so the journal's lines are in the files' order: the last
    // one, torn below, is the third file's.
    let one_at_a_time = options(FileJournal::open(&path).unwrap()).concurrency(1);
    server
        .client(0)
        .files()
        .upload(&paths, one_at_a_time)
        .await
        .unwrap();
    // A crash while writing the last line: half of it made it to disk.
    let text = std::fs::read(&path).unwrap();
    let last_start = text[..text.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    let cut = last_start + (text.len() - last_start) / 2;
    std::fs::write(&path, &text[..cut]).unwrap();

    let journal = FileJournal::open(&path).unwrap();
    assert_eq!(journal.warnings().len(), 1);
    assert!(
        journal.warnings()[0].contains("line 3 is incomplete"),
        "{:?}",
        journal.warnings()
    );
    let report = server
        .client(0)
        .files()
        .upload(&paths, options(journal))
        .await
        .unwrap();
    let sent: Vec<&str> = report.uploaded().map(|f| f.local_file_path()).collect();
    assert_eq!(sent, [paths[2].to_str().unwrap()]);
    assert_eq!(report.skipped().count(), 2);
}

#[tokio::test]
async fn a_dry_run_plans_skips_and_refuses_without_a_client() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 2);
    let journal = journal(dir.path());
    server
        .client(0)
        .files()
        .upload(&paths[..1], UploadOptions::new().journal(journal.clone()))
        .await
        .unwrap();
    let (presigns, puts) = (server.presigns().len(), server.puts().len());
    let missing = dir.path().join("missing.csv");
    let all = [paths[0].clone(), paths[1].clone(), missing.clone()];
    let plan = UploadPlan::build(&all, &UploadOptions::new().journal(journal.clone()))
        .await
        .unwrap();
    let entries = plan.entries();
    assert!(matches!(entries[0].action(), PlanAction::Skip(s) if s.size_bytes() == 9));
    assert!(matches!(
        entries[1].action(),
        PlanAction::Upload { size_bytes: 9, .. }
    ));
    let PlanAction::Refuse(error) = entries[2].action() else {
        panic!("{:?}", entries[2])
    };
    assert!(error.to_string().contains("missing.csv"), "{error}");
    assert_eq!(entries[2].path(), missing);
    assert_eq!(
        (server.presigns().len(), server.puts().len()),
        (presigns, puts)
    );
}

// Presigned URLs that expire during the run.

const EXPIRED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"#;

fn presigned_files(server: &MockServer) -> Vec<Vec<String>> {
    server
        .presigns()
        .iter()
        .map(|call| {
            call.body["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    f["local_file_path"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        })
        .collect()
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[tokio::test(start_paused = true)]
async fn a_403_for_an_expired_url_is_retried_at_once_on_a_new_presign() {
    let server = MockServer::start().await;
    server.script_put([Canned::raw(403, "application/xml", EXPIRED)]);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"x\n");
    let journal = journal(dir.path());
    let mut upload = server
        .client(2)
        .files()
        .upload([&file], UploadOptions::new().journal(journal.clone()))
        .start();
    let control = upload.control();
    let outcome = upload.next_outcome().await.unwrap();
    let stored = outcome.uploaded().expect("stored on the second URL");
    assert_eq!(stored.file_uuid(), uuid(2));
    assert_eq!(presigned_files(&server), [["a.csv"], ["a.csv"]]);
    let puts: Vec<String> = server.puts().into_iter().map(|p| p.file_uuid).collect();
    assert_eq!(puts, [uuid(1), uuid(2)]);
    assert_eq!(control.progress().retries, 1);
    assert_eq!(recorded(&*journal, &file).unwrap().file_uuid(), uuid(2));

    // Without retries left, the 403 is the file's outcome.
    server.script_put([Canned::raw(403, "application/xml", EXPIRED)]);
    let report = server
        .client(0)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().unwrap();
    assert!(
        matches!(error, Error::Storage(s) if s.is_expired_url()),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_url_near_its_end_when_the_transfer_starts_is_presigned_again_first() {
    let server = MockServer::start().await;
    server.on_answer(|answer| {
        for file in answer["files"].as_array_mut().unwrap() {
            let url = file["file_url"].as_str().unwrap();
            file["file_url"] = url.replace("X-Amz-Expires=900", "X-Amz-Expires=200").into();
        }
    });
    // a and b take 180 s each (three 503s, each asking for 60 s); with one transfer at
    // once, c starts only after them, when its URL has 20 s left, under its 30 s margin.
    let slow_down = || Canned::s3_error(503, "SlowDown").header("retry-after", "60");
    server.script_put(std::iter::repeat_with(slow_down).take(6));
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        write_file(dir.path(), "a.csv", b"a\n"),
        write_file(dir.path(), "b.csv", b"b\n"),
        write_file(dir.path(), "c.csv", b"c\n"),
    ];
    let start = tokio::time::Instant::now();
    let report = server
        .client(3)
        .files()
        .upload(&paths, UploadOptions::new().concurrency(1))
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    // a's and b's fourth attempts start at 180 s too: all three are presigned again, one
    // file each, and stored under their new file_uuids.
    let mut presigned = presigned_files(&server);
    assert_eq!(presigned.remove(0), ["a.csv", "b.csv", "c.csv"]);
    presigned.sort();
    assert_eq!(presigned, [vec!["a.csv"], vec!["b.csv"], vec!["c.csv"]]);
    let mut uuids: Vec<&str> = report.uploaded().map(|f| f.file_uuid()).collect();
    uuids.sort();
    assert_eq!(uuids, [uuid(4), uuid(5), uuid(6)]);
    let c = report.uploaded().nth(2).unwrap().file_uuid();
    let puts: Vec<(String, Duration)> = server
        .puts()
        .into_iter()
        .map(|p| (p.file_uuid, p.at - start))
        .collect();
    let to_c: Vec<_> = puts.iter().filter(|(uuid, _)| uuid.as_str() == c).collect();
    assert_eq!(
        to_c.len(),
        1,
        "c was sent once, never to its first URL: {puts:?}"
    );
    assert!(to_c[0].1 >= Duration::from_secs(180), "{puts:?}");
    assert!(!puts.iter().any(|(sent, _)| *sent == uuid(3)), "{puts:?}");
}

#[tokio::test]
async fn a_url_signed_long_ago_is_presigned_again_before_its_first_byte() {
    let server = MockServer::start().await;
    let first = AtomicBool::new(true);
    server.on_answer(move |answer| {
        if first.swap(false, Ordering::Relaxed) {
            let file = &mut answer["files"][0];
            let url = file["file_url"].as_str().unwrap();
            let old = url.replace("X-Amz-Expires", "X-Amz-Date=20200101T000000Z&X-Amz-Expires");
            file["file_url"] = old.into();
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"a\n");
    let report = server
        .client(0)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.uploaded().next().unwrap().file_uuid(), uuid(2));
    let puts: Vec<String> = server.puts().into_iter().map(|p| p.file_uuid).collect();
    assert_eq!(puts, [uuid(2)]);
}

#[tokio::test]
async fn against_the_emulator_an_expired_sigv4_url_is_presigned_again_on_every_attempt() {
    // A lifetime of zero: every URL the emulator signs has expired when it arrives.
    let emulator = Emulator::start(EmulatorConfig {
        url_ttl: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let client = aymara::Client::builder()
        .api_key("k")
        .base_url(emulator.base_url())
        .max_retries(2)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"a\n");
    let report = client
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().expect("it cannot succeed");
    assert!(
        matches!(error, Error::Storage(s) if s.is_expired_url()),
        "{error:?}"
    );
    let stats = emulator.stats();
    // The batch, then a fresh URL before each of the three attempts.
    assert_eq!((stats.presign_requests, stats.put_requests), (4, 3));
    assert!(matches!(
        report.outcomes()[0].kind(),
        OutcomeKind::Failed(_)
    ));
}
