//! `aymara::blocking` from a plain `fn main()` with no async runtime anywhere on its thread
//! (this test has no harness): uploads to the emulator, presigns, refuses to run inside a
//! runtime, and drops cleanly inside one.

use std::sync::mpsc;

use aymara::types::{CreateFile, CreateRequest, ProcessingStatus};
use aymara::{ApiErrorKind, Error, ListOptions, UploadOptions, WaitOptions, WaitOutcome};
use aymara_emulator::{Emulator, EmulatorConfig};

/// An emulator served by a runtime of its own (its worker threads, not this one).
fn emulator() -> (Emulator, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(Emulator::start(EmulatorConfig::default()))
        .unwrap();
    (emulator, runtime)
}

fn main() {
    let (emulator, server_runtime) = emulator();
    assert!(
        tokio::runtime::Handle::try_current().is_err(),
        "no runtime on this thread"
    );
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("{i}.csv"));
            std::fs::write(&path, format!("row {i}\n")).unwrap();
            path
        })
        .collect();

    let client = aymara::blocking::Client::new(
        aymara::Client::builder()
            .api_key("blocking-key")
            .base_url(emulator.base_url()),
    )
    .unwrap();
    let report = client.files().upload(&paths, UploadOptions::new()).unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.uploaded().count(), 3);
    for file in report.uploaded() {
        let stored = emulator.object(file.file_uuid()).expect("stored");
        assert_eq!(stored.size, file.size_bytes());
    }

    let answer = client
        .files()
        .create(&CreateRequest::new().file(CreateFile::local("x.csv")))
        .unwrap();
    assert_eq!(answer.body().files().len(), 1);

    // The rest of the Files resource: list every page, get, status, wait, delete, direct.
    let listed: Vec<String> = client
        .files()
        .list(ListOptions::new().page_size(2))
        .map(|file| file.unwrap().file_uuid().to_owned())
        .collect();
    assert_eq!(listed.len(), 4, "three uploads and one presign: {listed:?}");
    let first = report.uploaded().next().unwrap().file_uuid().to_owned();
    assert_eq!(
        client.files().get(&first).unwrap().body().file_uuid(),
        first
    );
    let status = client.files().status(&first).unwrap().into_inner();
    assert_eq!(status.processing_status(), &ProcessingStatus::Completed);
    let waited = client
        .files()
        .wait_for_processing(&first, WaitOptions::new())
        .unwrap();
    assert!(matches!(waited, WaitOutcome::Completed(_)), "{waited}");
    client.files().delete(&first).unwrap();
    let gone = client.files().get(&first).unwrap_err();
    assert!(
        matches!(&gone, Error::Api(api) if api.kind() == ApiErrorKind::NotFound),
        "{gone:?}"
    );
    let direct = client
        .files()
        .upload_direct(&paths[0])
        .content_type("text/csv")
        .send()
        .unwrap()
        .into_inner();
    assert!(emulator.object(direct.file_uuid().unwrap()).is_some());

    // Bad input is a plan error, as in the async API.
    let missing = client
        .files()
        .upload([dir.path().join("missing.csv")], UploadOptions::new())
        .unwrap_err();
    assert!(matches!(missing, Error::Plan(_)), "{missing:?}");

    // Inside a runtime a blocking call says so instead of stalling it, and dropping the
    // client there does not panic.
    let (sent, received) = mpsc::channel();
    let inside = client.clone();
    server_runtime.block_on(async move {
        let refused = inside.files().create(&CreateRequest::new());
        sent.send(matches!(refused, Err(Error::Config(_)))).unwrap();
        drop(inside);
    });
    assert!(received.recv().unwrap(), "refused inside a runtime");
    drop(client);
    drop(emulator);
    println!("blocking_main: ok");
}
