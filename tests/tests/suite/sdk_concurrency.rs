//! The default (adaptive) concurrency, end to end and on tokio's paused clock: it climbs
//! when the store's latency, not its capacity, sets the pace; it halves when the store says
//! `SlowDown`; it never passes its cap; and no file is lost on the way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara::{MAX_CONCURRENCY, ProgressEvent, UploadOptions, UploadProgress};

/// Where the adaptive level starts, as documented: the fixed default of earlier versions.
const INITIAL_CONCURRENCY: usize = 8;
use aymara_emulator::{Emulator, EmulatorConfig, Faults};
use aymara_test_support::mock::{Canned, MockServer};

fn files(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("f{i:04}.csv"));
            std::fs::write(&path, format!("{i}\n").repeat(100)).unwrap();
            path
        })
        .collect()
}

/// Options that record every level the upload announces.
fn recording() -> (UploadOptions, Arc<Mutex<Vec<usize>>>) {
    let levels = Arc::new(Mutex::new(Vec::new()));
    let seen = levels.clone();
    let options = UploadOptions::new().observer(move |event: &ProgressEvent<'_>| {
        if let ProgressEvent::Concurrency { transfers } = event {
            seen.lock().unwrap().push(*transfers);
        }
    });
    (options, levels)
}

#[tokio::test(start_paused = true)]
async fn it_climbs_when_latency_sets_the_pace_and_stays_under_the_cap() {
    let emulator = Emulator::start(EmulatorConfig {
        faults: Faults {
            api_latency: Duration::from_millis(150),
            store_latency: Duration::from_millis(30),
            ..Faults::default()
        },
        discard_bodies: true,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 1500);
    let client = aymara::Client::builder()
        .api_key("k")
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let (options, levels) = recording();
    let mut upload = client.files().upload(&paths, options).start();
    let control = upload.control();
    let mut most = 0;
    while let Some(outcome) = upload.next_outcome().await {
        assert!(outcome.uploaded().is_some(), "{outcome:?}");
        let UploadProgress { in_flight, .. } = control.progress();
        assert!(in_flight <= MAX_CONCURRENCY as u64);
        most = most.max(in_flight);
    }
    upload.await.unwrap();

    let levels = levels.lock().unwrap().clone();
    assert_eq!(levels[0], INITIAL_CONCURRENCY, "{levels:?}");
    assert!(levels.iter().all(|&l| l <= MAX_CONCURRENCY), "{levels:?}");
    // 30 ms per PUT whatever the level: slow start doubles it round trip by round trip.
    assert!(levels.len() >= 5, "{levels:?}");
    assert!(
        levels.windows(2).take(4).all(|w| w[1] == 2 * w[0]),
        "{levels:?}"
    );
    assert!(levels.iter().any(|&l| l > 64), "{levels:?}");
    // Seen when an outcome arrives, so a lower bound of the most at once; how many are
    // presigned ahead also bounds it.
    let old_default = 8;
    assert!(most > 4 * old_default, "{most} at once at most; {levels:?}");
    assert_eq!(emulator.stats().objects_stored, 1500);
}

#[tokio::test(start_paused = true)]
async fn slow_down_halves_it_and_every_file_still_arrives() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path(), 60);
    // The first eight PUTs, all sent at once, are told to slow down.
    server.script_put((0..8).map(|_| Canned::s3_error(503, "SlowDown")));
    let (options, levels) = recording();
    let report = server
        .client(3)
        .files()
        .upload(&paths, options)
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(
        server.puts().len(),
        68,
        "each refused PUT was sent again once"
    );
    let levels = levels.lock().unwrap().clone();
    // One halving for the whole burst, not eight.
    assert_eq!(
        levels[..2],
        [INITIAL_CONCURRENCY, INITIAL_CONCURRENCY / 2],
        "{levels:?}"
    );
    assert!(
        levels.iter().all(|&l| l >= INITIAL_CONCURRENCY / 2),
        "{levels:?}"
    );
}
