//! The emulator fronting a real S3-compatible store (moto's server): its API presigns for
//! that store, clients send bytes there exactly as they would to S3, and the emulator
//! learns they arrived with a signed `HEAD`. One moto serves the one test that needs it.

use std::time::Duration;

use aymara_emulator::{EmulatorConfig, ExternalStore};
use aymara_test_support::moto::{self, Moto};
use aymara_test_support::multipart;
use serde_json::Value;

use crate::common::*;

const BUCKET: &str = "fronted-uploads";

fn store(endpoint: &str) -> ExternalStore {
    ExternalStore {
        endpoint: endpoint.to_owned(),
        bucket: BUCKET.to_owned(),
        region: moto::REGION.to_owned(),
        access_key_id: moto::ACCESS_KEY_ID.to_owned(),
        secret_access_key: moto::SECRET_ACCESS_KEY.to_owned(),
        session_token: None,
    }
}

async fn get(emulator: &aymara_emulator::Emulator, path: &str) -> Value {
    let response = client()
        .get(format!("{}{path}", emulator.base_url()))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn fronting_moto_uploads_and_reads_back_awkward_names() {
    let moto = Moto::start();
    moto.create_bucket(BUCKET).await;
    let emulator = start(EmulatorConfig {
        external_store: Some(store(moto.endpoint())),
        video_processing: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await;
    assert_eq!(emulator.bucket(), BUCKET);

    let names = [
        ("a b.csv", Some("text/csv")),
        ("report (1).pdf", None),
        ("c++ notes.txt", Some("text/plain")),
        ("résumé 履歴.txt", None),
        ("clip.mp4", None),
    ];
    let files: Vec<(&str, Option<&str>)> = names.to_vec();
    let items = presign(&emulator, &files).await;
    for (item, (name, content_type)) in items.iter().zip(names) {
        let file_uuid = item["file_uuid"].as_str().unwrap();
        let url = item["file_url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!(
                "{}/{BUCKET}/{}/",
                moto.endpoint(),
                emulator.organization_uuid()
            )),
            "{url}"
        );
        let status_path = format!("/v2/files/{file_uuid}/status");
        assert_eq!(
            get(&emulator, &status_path).await["processing_status"],
            "pending"
        );

        // Exactly as a client would: the URL as received, the bound content type if any.
        let body: Vec<u8> = format!("bytes of {name}").repeat(50).into_bytes();
        let mut put = client().put(url).body(body.clone());
        if let Some(ct) = content_type {
            put = put.header("content-type", ct);
        }
        let response = put.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );

        let status = get(&emulator, &status_path).await;
        assert_eq!(status["processing_status"], "completed", "{name}: {status}");
        assert_eq!(status["remote_file_path"], item["remote_file_path"]);
        let detail = get(&emulator, &format!("/v2/files/{file_uuid}")).await;
        assert_eq!(detail["file_size_bytes"], body.len(), "{name}");
        let download = detail["file_url"].as_str().unwrap();
        assert!(download.starts_with(moto.endpoint()), "{download}");
        let back = client().get(download).send().await.unwrap();
        assert_eq!(back.status(), 200, "{name}");
        assert_eq!(back.bytes().await.unwrap(), body, "{name}");
    }
    // The emulator's own store holds nothing: the bytes went to moto.
    assert!(emulator.objects().is_empty());

    // A processed video's frames are put in the fronted store, and served from there.
    let video = items[4]["file_uuid"].as_str().unwrap();
    let frames = get(&emulator, &format!("/v2/files/{video}/frames")).await;
    let frame_url = frames["frame_urls"][0].as_str().unwrap();
    assert!(frame_url.starts_with(moto.endpoint()), "{frame_url}");
    let frame = client().get(frame_url).send().await.unwrap();
    assert_eq!(frame.status(), 200);
    assert!(frame.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // A direct upload goes to the fronted store too.
    let bytes = b"sent straight to the API".repeat(100);
    let (content_type, body) =
        multipart(&[("file", Some("x (2)+é.txt"), Some("text/plain"), &bytes)]);
    let response = client()
        .post(format!("{}/v2/files/-/uploads", emulator.base_url()))
        .header("x-api-key", KEY)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["processing_status"], "completed");
    let detail = get(
        &emulator,
        &format!("/v2/files/{}", answer["file_uuid"].as_str().unwrap()),
    )
    .await;
    let back = client()
        .get(detail["file_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(back.bytes().await.unwrap(), bytes);

    // A file whose bytes never came stays pending; the emulator asked moto, not guessed.
    let never = presign(&emulator, &[("never.txt", None)]).await;
    let status = get(
        &emulator,
        &format!(
            "/v2/files/{}/status",
            never[0]["file_uuid"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status["processing_status"], "pending");
    let list = get(&emulator, "/v2/files?limit=100").await;
    assert_eq!(list["count"], 7);
}

#[test]
fn credentials_come_from_the_aws_variables_and_missing_ones_are_named() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let error = ExternalStore::from_lookup("http://s3", BUCKET, env(&[])).unwrap_err();
    assert!(error.starts_with("AWS_ACCESS_KEY_ID is not set"), "{error}");
    assert_eq!(error.lines().count(), 1);
    let error =
        ExternalStore::from_lookup("http://s3", BUCKET, env(&[("AWS_ACCESS_KEY_ID", "AKID")]))
            .unwrap_err();
    assert!(
        error.starts_with("AWS_SECRET_ACCESS_KEY is not set"),
        "{error}"
    );

    let full = ExternalStore::from_lookup(
        "http://s3",
        BUCKET,
        env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "top-secret-value"),
            ("AWS_SESSION_TOKEN", "token-value"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
        ]),
    )
    .unwrap();
    assert_eq!(full.region, "eu-west-3");
    assert_eq!(full.session_token.as_deref(), Some("token-value"));
    let shown = format!("{full:?}");
    assert!(
        !shown.contains("top-secret-value") && !shown.contains("token-value"),
        "{shown}"
    );
    let regional = ExternalStore::from_lookup(
        "http://s3",
        BUCKET,
        env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "ap-south-1"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
        ]),
    )
    .unwrap();
    assert_eq!(regional.region, "ap-south-1");
    let default = ExternalStore::from_lookup(
        "http://s3",
        BUCKET,
        env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ]),
    )
    .unwrap();
    assert_eq!(
        (default.region.as_str(), default.session_token),
        ("us-east-1", None)
    );
}

#[tokio::test]
async fn a_bad_endpoint_or_bucket_is_refused_at_start() {
    for (endpoint, bucket, named) in [
        ("not a url", BUCKET, "not a url"),
        ("http://127.0.0.1:9", "Bad_Bucket", "Bad_Bucket"),
    ] {
        let mut external = store(endpoint);
        external.bucket = bucket.to_owned();
        let error = aymara_emulator::Emulator::start(EmulatorConfig {
            external_store: Some(external),
            ..EmulatorConfig::default()
        })
        .await
        .unwrap_err();
        assert!(error.to_string().contains(named), "{error}");
    }
}
