//! The SDK against stores that speak S3: the emulator's own SigV4 store, and a real S3
//! server (moto, installed by `cargo xtask tools`) that the emulator fronts. Names with
//! spaces, parentheses, `+`, `%` and non-ASCII characters go through presigning and the
//! PUT exactly as signed, with the default (adaptive) concurrency, and come back byte for
//! byte.

use std::path::PathBuf;

use aymara::{Client, UploadOptions};
use aymara_emulator::{Emulator, EmulatorConfig, ExternalStore};
use aymara_test_support::moto::{self, Moto};
use aymara_test_support::sha256_hex;
use serde_json::Value;

const KEY: &str = "s3-key";
const BUCKET: &str = "sdk-uploads";

const NAMES: [&str; 6] = [
    "a b.csv",
    "report (1).pdf",
    "c++ notes.txt",
    "résumé 履歴.txt",
    "50% off+more.json",
    "plain.png",
];

/// Writes one file per name, each with different bytes; returns their paths.
fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let path = dir.join(name);
            std::fs::write(
                &path,
                format!("{i}: bytes of {name}\n").repeat(300 * (i + 1)),
            )
            .unwrap();
            path
        })
        .collect()
}

fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(emulator.base_url())
        .build()
        .unwrap()
}

async fn upload(emulator: &Emulator, paths: &[PathBuf]) -> aymara::UploadReport {
    let report = client(emulator)
        .files()
        .upload(paths, UploadOptions::new())
        .await
        .unwrap();
    let failed: Vec<_> = report.failed().map(|(p, e)| (p, e.to_string())).collect();
    assert!(failed.is_empty(), "{failed:?}");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_names_reach_the_emulators_sigv4_store_intact() {
    let emulator = Emulator::start(EmulatorConfig {
        api_keys: vec![KEY.into()],
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path());
    let report = upload(&emulator, &paths).await;

    let objects = emulator.objects();
    assert_eq!(objects.len(), NAMES.len());
    for (file, path) in report.uploaded().zip(&paths) {
        let object = objects
            .iter()
            .find(|o| o.file_uuid == file.file_uuid())
            .unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(object.name, name);
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(object.sha256, sha256_hex(&bytes), "{name}");
        assert_eq!(object.puts, 1, "{name}");
    }
    let stats = emulator.stats();
    assert_eq!(stats.presign_requests, 1);
    assert_eq!(stats.put_requests, NAMES.len() as u64, "no PUT was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_names_reach_a_real_s3_server_intact() {
    let moto = Moto::start();
    moto.create_bucket(BUCKET).await;
    let emulator = Emulator::start(EmulatorConfig {
        api_keys: vec![KEY.into()],
        external_store: Some(ExternalStore {
            endpoint: moto.endpoint().to_owned(),
            bucket: BUCKET.to_owned(),
            region: moto::REGION.to_owned(),
            access_key_id: moto::ACCESS_KEY_ID.to_owned(),
            secret_access_key: moto::SECRET_ACCESS_KEY.to_owned(),
            session_token: None,
        }),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path());
    let report = upload(&emulator, &paths).await;
    assert!(emulator.objects().is_empty(), "the bytes went to moto");

    let http = reqwest::Client::new();
    for (file, path) in report.uploaded().zip(&paths) {
        let name = path.file_name().unwrap().to_str().unwrap();
        // The emulator asks moto (a signed HEAD) whether the object arrived, and hands out
        // a presigned download URL to it.
        let detail: Value = http
            .get(format!(
                "{}/v2/files/{}",
                emulator.base_url(),
                file.file_uuid()
            ))
            .header("x-api-key", KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = detail["file_url"].as_str().unwrap();
        assert!(url.starts_with(moto.endpoint()), "{name}: {url}");
        assert!(
            detail["remote_file_path"].as_str().unwrap().ends_with(name),
            "{name}: {detail}"
        );
        let back = http.get(url).send().await.unwrap();
        assert_eq!(back.status(), 200, "{name}");
        assert_eq!(back.bytes().await.unwrap(), std::fs::read(path).unwrap());
    }
}
