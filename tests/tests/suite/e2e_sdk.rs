//! The SDK against the emulator, end to end: what the store holds is byte for byte what
//! was on disk, each file stored once, in batches of at most 100, never chunked.

use std::collections::HashMap;
use std::path::PathBuf;

use aymara::{Client, UploadOptions};
use aymara_emulator::EmulatorConfig;
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::sha256_hex;

const KEY: &str = "e2e-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_fifty_files_an_empty_one_and_64_mib_arrive_intact() {
    let emulator = TestEmulator::start(KEY, EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut paths: Vec<PathBuf> = (0..250)
        .map(|i| {
            let path = dir.path().join(format!("prompt-{i:03}.csv"));
            std::fs::write(&path, format!("id,text\n{i},prompt number {i}\n")).unwrap();
            path
        })
        .collect();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let big = dir.path().join("video.mp4");
    std::fs::write(
        &big,
        (0..64 * 1024 * 1024u32)
            .map(|i| (i % 253) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    paths.extend([empty, big]);

    let report = emulator
        .client()
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert!(
        report.is_success(),
        "{:?}",
        report.failed().collect::<Vec<_>>()
    );

    let stats = emulator.stats();
    assert_eq!(stats.presign_requests, 3);
    assert!(stats.max_files_in_one_request <= 100);
    assert_eq!(stats.chunked_puts_refused, 0);
    assert_eq!(stats.put_requests, 252);
    let stored: HashMap<String, _> = emulator
        .objects()
        .into_iter()
        .map(|o| (o.file_uuid.clone(), o))
        .collect();
    assert_eq!(stored.len(), 252);
    for (file, path) in report.uploaded().zip(&paths) {
        let object = &stored[file.file_uuid()];
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(object.sha256, sha256_hex(&bytes), "{}", path.display());
        assert_eq!((object.size, object.puts), (bytes.len() as u64, 1));
        assert_eq!(object.content_type, file.content_type());
        assert_eq!(
            Some(object.remote_file_path.as_str()),
            file.remote_file_path()
        );
    }
}

#[tokio::test]
async fn the_emulator_refuses_a_wrong_key_and_an_expired_url() {
    let emulator = TestEmulator::start(KEY, EmulatorConfig::default()).await;
    let wrong = Client::builder()
        .api_key("nope")
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let error = wrong
        .files()
        .upload(["Cargo.toml"], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = error.failed().next().unwrap();
    assert!(error.to_string().contains("auth.invalid_key"), "{error}");
    assert!(error.request_id().is_some());

    let expiring = TestEmulator::start(
        KEY,
        EmulatorConfig {
            url_ttl: std::time::Duration::ZERO,
            ..EmulatorConfig::default()
        },
    )
    .await;
    let report = expiring
        .client()
        .files()
        .upload(["Cargo.toml"], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().unwrap();
    let aymara::Error::Storage(storage) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (storage.status().as_u16(), storage.code()),
        (403, Some("AccessDenied"))
    );
    assert!(expiring.objects().is_empty());
}
