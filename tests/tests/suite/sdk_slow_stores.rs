//! Slow and weak stores, on tokio's paused clock: a PUT that is never answered is noticed
//! in seconds and retried, and lowers the level; a straggler is hedged and the first answer
//! wins; hedges stay few; a bandwidth limit holds the byte rate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara::{Error, ProgressEvent, UploadOptions};
use aymara_test_support::mock::{Canned, MockServer};
use aymara_test_support::write_file;
use tokio::time::Instant;

fn files(dir: &Path, count: usize, size: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| write_file(dir, format!("f{i:04}.bin"), &vec![i as u8; size]))
        .collect()
}

/// What an upload told its observer.
#[derive(Debug, Default)]
struct Heard {
    levels: Vec<usize>,
    retries: Vec<String>,
    hedged: usize,
}

fn listening() -> (UploadOptions, Arc<Mutex<Heard>>) {
    let heard = Arc::new(Mutex::new(Heard::default()));
    let log = heard.clone();
    let options = UploadOptions::new().observer(move |event: &ProgressEvent<'_>| {
        let mut heard = log.lock().unwrap();
        match event {
            ProgressEvent::Concurrency { transfers } => heard.levels.push(*transfers),
            ProgressEvent::Retrying { error, .. } => heard.retries.push(error.to_string()),
            ProgressEvent::Hedged { .. } => heard.hedged += 1,
            _ => {}
        }
    });
    (options, heard)
}

/// PUTs per file uuid, as the store received them.
fn puts_per_file(server: &MockServer) -> HashMap<String, usize> {
    let mut puts = HashMap::new();
    for put in server.puts() {
        *puts.entry(put.file_uuid).or_default() += 1;
    }
    puts
}

#[tokio::test(start_paused = true)]
async fn puts_that_are_never_answered_are_retried_in_seconds_and_lower_the_level() {
    let server = MockServer::start().await;
    // 40 answered at once, then one in ten hangs for ever.
    let script = (0..200).map(|i| {
        if i >= 40 && i % 10 == 0 {
            Canned::never()
        } else {
            Canned::stored()
        }
    });
    server.script_put(script);
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 150, 100);
    let (options, heard) = listening();
    let start = Instant::now();
    let report = server
        .client(5)
        .files()
        .upload(&paths, options.hedging(false))
        .await
        .unwrap();
    let elapsed = start.elapsed();

    assert_eq!(report.uploaded().count(), 150, "{report:?}");
    let heard = heard.lock().unwrap();
    assert!(!heard.retries.is_empty());
    for retry in &heard.retries {
        // The floor of 2 s (the store answers at once), and 100 bytes to drain for each
        // transfer in flight.
        assert!(retry.contains("timed out after 2.0"), "{retry}");
    }
    // Each stalled PUT was tried again, and only those.
    let puts = puts_per_file(&server);
    let again: usize = puts.values().map(|n| n - 1).sum();
    assert_eq!(again, heard.retries.len());
    assert_eq!(puts.len(), 150);
    // The first hang comes once the level has grown; it drops at once.
    let first = *heard.levels.first().unwrap();
    let peak = heard.levels.iter().copied().max().unwrap();
    let after_peak = heard.levels.iter().skip_while(|&&l| l < peak).copied();
    assert!(peak > first, "{:?}", heard.levels);
    assert!(after_peak.min().unwrap() <= peak / 2, "{:?}", heard.levels);
    // Stalls cost seconds each (2 s and a backoff), never the minute of the old limit.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn a_straggler_is_hedged_and_the_first_answer_wins() {
    let server = MockServer::start().await;
    // Forty answered at once, then one answers a minute late; everything after at once.
    let script = (0..41).map(|i| match i {
        40 => Canned::stored().after(Duration::from_secs(60)),
        _ => Canned::stored(),
    });
    server.script_put(script);
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 60, 100);
    let (options, heard) = listening();
    let start = Instant::now();
    let mut upload = server
        .client(0)
        .files()
        .upload(&paths, options.concurrency(4))
        .start();
    let control = upload.control();
    while let Some(outcome) = upload.next_outcome().await {
        assert!(outcome.uploaded().is_some(), "{outcome:?}");
    }
    upload.await.unwrap();

    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(heard.lock().unwrap().hedged, 1);
    assert_eq!(control.progress().hedges, 1);
    assert!(
        heard.lock().unwrap().retries.is_empty(),
        "a hedge is no retry"
    );
    let puts = puts_per_file(&server);
    assert_eq!(puts.values().filter(|&&n| n == 2).count(), 1, "{puts:?}");
    assert_eq!(puts.values().sum::<usize>(), 61);
}

#[tokio::test(start_paused = true)]
async fn hedges_stay_at_one_in_twenty_attempts_when_many_puts_straggle() {
    let server = MockServer::start().await;
    // After 20 quick answers, one PUT in ten answers a minute late: while they wait, only
    // quick answers are known, so every one of them is a straggler.
    let late = |i| match i {
        20.. if i % 10 == 0 => Canned::stored().after(Duration::from_secs(60)),
        _ => Canned::stored(),
    };
    server.script_put((0..400).map(late));
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 200, 10);
    let (options, heard) = listening();
    let report = server
        .client(5)
        .files()
        .upload(&paths, options.concurrency(8))
        .await
        .unwrap();
    assert_eq!(report.uploaded().count(), 200);
    // Those not hedged time out as stalled, and are tried again.
    let heard = heard.lock().unwrap();
    let attempts = 200 + heard.retries.len();
    assert!(heard.hedged >= 1, "stragglers are hedged");
    assert!(
        heard.hedged * 20 <= attempts,
        "{} hedges, {attempts} attempts",
        heard.hedged
    );
    assert_eq!(server.puts().len(), attempts + heard.hedged);
}

#[tokio::test(start_paused = true)]
async fn a_bandwidth_limit_holds_the_byte_rate_across_transfers() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // 40 files of 100 kB, eight at a time, under 1 MB/s together: 4 s.
    let paths = files(dir.path(), 40, 100_000);
    let rate = 1_000_000;
    let start = Instant::now();
    let report = server
        .client(0)
        .files()
        .upload(
            &paths,
            UploadOptions::new().concurrency(8).bandwidth_limit(rate),
        )
        .await
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(report.uploaded().count(), 40);
    let expected = (40 * 100_000) as f64 / rate as f64;
    assert!(
        (elapsed - expected).abs() <= expected * 0.04,
        "{elapsed} s for {expected} s"
    );
    // Without the limit, the same upload takes no time on this clock.
    let start = Instant::now();
    server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new().concurrency(8))
        .await
        .unwrap();
    assert!(start.elapsed() < Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn a_stall_in_every_attempt_fails_the_file_with_a_timeout_after_the_retries() {
    let server = MockServer::start().await;
    server.script_put((0..3).map(|_| Canned::never()));
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 1, 5);
    let start = Instant::now();
    let report = server
        .client(2)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().expect("it fails");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    // Three attempts of 5 s (nothing is known of the store yet) and two backoffs of at
    // most 0.5 s and 1 s.
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(15_800) && elapsed <= Duration::from_millis(16_600),
        "{elapsed:?}"
    );
    assert_eq!(server.puts().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_late_answer_to_an_empty_file_is_a_straggler_not_congestion() {
    let server = MockServer::start().await;
    // An empty body is never asked for by the HTTP stack: the request is all there is, so
    // a late answer is a slow answer, not a connection that could not get through.
    let script = (0..31).map(|i| match i {
        30 => Canned::stored().after(Duration::from_secs(1)),
        _ => Canned::stored(),
    });
    server.script_put(script);
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 60, 0);
    let (options, heard) = listening();
    let report = server
        .client(0)
        .files()
        .upload(&paths, options)
        .await
        .unwrap();
    assert_eq!(report.uploaded().count(), 60);
    let heard = heard.lock().unwrap();
    assert_eq!(heard.hedged, 1, "the late one is hedged");
    assert!(
        heard.levels.windows(2).all(|w| w[1] >= w[0]),
        "the level never drops: {:?}",
        heard.levels
    );
}
