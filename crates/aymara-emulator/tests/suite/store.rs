//! The presigned store: round trips, signature and expiry checks, framing, faults.

use std::time::Duration;

use aymara_emulator::{EmulatorConfig, Faults, LOCK_FILE, STATE_FILE};
use aymara_test_support::{files_under, sha256_hex};

use crate::common::*;

async fn put(url: &str, content_type: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = client().put(url).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    request.send().await.expect("the store answers")
}

#[tokio::test]
async fn put_round_trip_stores_identical_bytes() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("data/report.csv", Some("text/csv"))]).await;
    let file_uuid = items[0]["file_uuid"].as_str().unwrap();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();

    let response = put(&url_of(&items[0]), Some("text/csv"), bytes.clone()).await;
    assert_eq!(response.status(), 200);
    let sha = sha256_hex(&bytes);
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", &sha[..32])
    );
    assert!(response.headers().contains_key("x-request-id"));

    let object = emulator.object(file_uuid).expect("stored");
    assert_eq!(object.file_uuid, file_uuid);
    assert_eq!(object.name, "report.csv");
    assert_eq!(object.remote_file_path, items[0]["remote_file_path"]);
    assert_eq!(
        object.remote_file_path,
        format!("{}/{file_uuid}/report.csv", emulator.organization_uuid())
    );
    assert_eq!(object.size, bytes.len() as u64);
    assert_eq!(object.sha256, sha);
    assert_eq!(object.content_type, "text/csv");
    assert_eq!(object.puts, 1);
    assert_eq!(
        object.path,
        emulator
            .data_dir()
            .join(emulator.bucket())
            .join(&object.remote_file_path)
    );
    assert_eq!(std::fs::read(&object.path).unwrap(), bytes);
    assert_eq!(emulator.objects(), vec![object]);

    // A second PUT to the same URL replaces the object.
    let response = put(&url_of(&items[0]), Some("text/csv"), b"second".to_vec()).await;
    assert_eq!(response.status(), 200);
    let object = emulator.object(file_uuid).unwrap();
    assert_eq!(object.puts, 2);
    assert_eq!(object.size, 6);
    assert_eq!(std::fs::read(&object.path).unwrap(), b"second");
    let stats = emulator.stats();
    assert_eq!((stats.put_requests, stats.objects_stored), (2, 2));
}

#[tokio::test]
async fn objects_are_listed_sorted_by_uuid() {
    let emulator = start_default().await;
    let items = presign(
        &emulator,
        &[("a.txt", None), ("b.txt", None), ("c.txt", None)],
    )
    .await;
    for item in &items {
        assert_eq!(put(&url_of(item), None, b"x".to_vec()).await.status(), 200);
    }
    let listed: Vec<String> = emulator
        .objects()
        .into_iter()
        .map(|o| o.file_uuid)
        .collect();
    let mut expected: Vec<String> = items
        .iter()
        .map(|i| i["file_uuid"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn unbound_content_type_is_recorded_as_sent() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.bin", None), ("b.bin", None)]).await;
    let response = put(
        &url_of(&items[0]),
        Some("application/x-thing"),
        b"a".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = put(&url_of(&items[1]), None, b"b".to_vec()).await;
    assert_eq!(response.status(), 200);
    let uuid = |i: usize| items[i]["file_uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        emulator.object(&uuid(0)).unwrap().content_type,
        "application/x-thing"
    );
    assert_eq!(
        emulator.object(&uuid(1)).unwrap().content_type,
        "application/octet-stream"
    );
}

#[tokio::test]
async fn bound_content_type_must_match() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", Some("text/csv"))]).await;
    for sent in [Some("text/plain"), None] {
        let response = put(&url_of(&items[0]), sent, b"a,b".to_vec()).await;
        let (status, code, _) = s3_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "SignatureDoesNotMatch"),
            "{sent:?}"
        );
    }
    // Dropping the binding from the URL does not free the content type either.
    let unbound = url_of(&items[0]).replace("content-type%3Bhost", "host");
    assert_ne!(unbound, url_of(&items[0]));
    let (status, code, _) =
        s3_error(put(&unbound, Some("text/plain"), b"a,b".to_vec()).await).await;
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));
    assert!(emulator.objects().is_empty());
}

/// `url` with query parameter `key` replaced by `value` (or removed), the rest kept as sent.
fn with_param(url: &str, key: &str, value: Option<&str>) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| p.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    if let Some(value) = value {
        parts.push(format!("{key}={value}"));
    }
    format!("{base}?{}", parts.join("&"))
}

#[tokio::test]
async fn tampered_urls_are_403_signature_does_not_match() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let good = url_of(&items[0]);
    let file_uuid = items[0]["file_uuid"].as_str().unwrap();

    let mut flipped = param(&good, "X-Amz-Signature").into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    let date = param(&good, "X-Amz-Date");
    let later = date.replace(
        &date[13..15],
        if &date[13..15] == "59" { "58" } else { "59" },
    );
    assert_ne!(later, date);
    let credential = param(&good, "X-Amz-Credential");
    let other_region = credential
        .replace("us-east-1", "eu-west-1")
        .replace('/', "%2F");

    let tampered = [
        (
            "flipped signature",
            with_param(&good, "X-Amz-Signature", Some(&flipped)),
        ),
        (
            "missing signature",
            with_param(&good, "X-Amz-Signature", None),
        ),
        (
            "non-hex signature",
            with_param(&good, "X-Amz-Signature", Some("zz")),
        ),
        (
            "longer expiry",
            with_param(&good, "X-Amz-Expires", Some("1000")),
        ),
        ("later date", with_param(&good, "X-Amz-Date", Some(&later))),
        (
            "other region",
            with_param(&good, "X-Amz-Credential", Some(&other_region)),
        ),
        (
            "binding added",
            with_param(&good, "X-Amz-SignedHeaders", Some("content-type%3Bhost")),
        ),
        ("unsigned parameter added", format!("{good}&x-id=PutObject")),
        ("renamed object", good.replace("/a.csv?", "/b.csv?")),
        (
            "other uuid",
            good.replace(file_uuid, &uuid::Uuid::new_v4().to_string()),
        ),
        ("no query", good.split('?').next().unwrap().to_owned()),
    ];
    for (what, url) in tampered {
        assert_ne!(url, good, "{what}");
        let response = put(&url, None, b"data".to_vec()).await;
        let (status, code, _) = s3_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "SignatureDoesNotMatch"),
            "{what}"
        );
    }

    let other_key = with_param(
        &good,
        "X-Amz-Credential",
        Some(&credential.replacen("AKEMU", "AKIAX", 1).replace('/', "%2F")),
    );
    let (status, code, _) = s3_error(put(&other_key, None, b"data".to_vec()).await).await;
    assert_eq!((status, code.as_str()), (403, "InvalidAccessKeyId"));
    let too_long = with_param(&good, "X-Amz-Expires", Some("604801"));
    let (status, code, _) = s3_error(put(&too_long, None, b"data".to_vec()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "AuthorizationQueryParametersError")
    );

    assert!(emulator.objects().is_empty());
    // The untampered URL still works.
    assert_eq!(put(&good, None, b"data".to_vec()).await.status(), 200);
}

#[tokio::test]
async fn expired_url_is_403_access_denied() {
    let emulator = start(EmulatorConfig {
        url_ttl: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let response = put(&url_of(&items[0]), None, b"data".to_vec()).await;
    let (status, code, message) = s3_error(response).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));
    assert_eq!(message, "Request has expired");
    assert!(emulator.objects().is_empty());
}

#[tokio::test]
async fn chunked_body_is_411_before_reading() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::from_static(b"abc")),
        Ok(bytes::Bytes::from_static(b"def")),
    ];
    let response = client()
        .put(url_of(&items[0]))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    let (status, code, _) = s3_error(response).await;
    assert_eq!((status, code.as_str()), (411, "MissingContentLength"));
    assert_eq!(emulator.stats().chunked_puts_refused, 1);
    assert!(emulator.objects().is_empty());
}

#[tokio::test]
async fn short_body_is_400_incomplete_and_nothing_is_stored() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\ncontent-length: 100\r\n\r\n",
        path_and_query(&url_of(&items[0])),
        emulator.local_addr()
    );
    let answer = raw_request(&emulator, &head, &[b'x'; 40]).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>IncompleteBody</Code>"), "{answer}");
    assert!(emulator.objects().is_empty());
    assert_eq!(
        files_under(emulator.data_dir()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[tokio::test]
async fn missing_content_length_is_411() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\n\r\n",
        path_and_query(&url_of(&items[0])),
        emulator.local_addr()
    );
    let answer = raw_request(&emulator, &head, b"").await;
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(
        answer.contains("<Code>MissingContentLength</Code>"),
        "{answer}"
    );
    assert!(emulator.objects().is_empty());
}

#[tokio::test]
async fn names_that_escape_the_data_dir_are_refused() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");
    let emulator = start(EmulatorConfig {
        data_dir: Some(data_dir.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let good = url_of(&items[0]);
    let file_uuid = items[0]["file_uuid"].as_str().unwrap();
    let org = emulator.organization_uuid();
    let query = good.split_once('?').unwrap().1;
    let base = format!("{}/{}", emulator.base_url(), emulator.bucket());
    for key in [
        format!("{org}/{file_uuid}/..%2F..%2Fescaped"),
        format!("{org}/{file_uuid}/..%5Cescaped"),
        format!("{org}/{file_uuid}/a%00b"),
        format!("{org}/..%2F..%2Fx/escaped"),
        format!("{org}/{}/a.csv", file_uuid.to_uppercase()),
        format!("{file_uuid}/a.csv"),
        format!("{org}/{file_uuid}/frames/000001.png"),
        "only-one-segment".to_owned(),
    ] {
        let response = put(&format!("{base}/{key}?{query}"), None, b"evil".to_vec()).await;
        let (status, code, _) = s3_error(response).await;
        assert!(
            [(400, "InvalidObjectName"), (405, "MethodNotAllowed")]
                .contains(&(status, code.as_str())),
            "{key}: {status} {code}"
        );
    }
    // URL parsers resolve `%2E%2E` as `..` before sending, so only a raw client can ask.
    let head = format!(
        "PUT /{}/{org}/{file_uuid}/%2E%2E?{query} HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\n",
        emulator.bucket()
    );
    let answer = raw_request(&emulator, &head, b"evil").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("<Code>InvalidObjectName</Code>"),
        "{answer}"
    );
    // A URL signed for PUT does not GET, and the store serves no other method.
    let (status, code, _) = s3_error(client().get(&good).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));
    let (status, code, _) = s3_error(client().delete(&good).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (405, "MethodNotAllowed"));

    assert!(emulator.objects().is_empty());
    // Nothing was written anywhere but the emulator's own state.
    let state = [
        STATE_FILE.to_owned(),
        format!("{STATE_FILE}-wal"),
        format!("{STATE_FILE}-shm"),
        LOCK_FILE.to_owned(),
    ]
    .map(|name| data_dir.join(name));
    let written: Vec<_> = files_under(parent.path())
        .into_iter()
        .filter(|path| !state.contains(path))
        .collect();
    assert_eq!(written, Vec::<std::path::PathBuf>::new());
    emulator.shutdown().await;
    parent.close().unwrap();
}

#[tokio::test]
async fn a_given_data_dir_is_kept_after_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = start(EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("keep.txt", None)]).await;
    assert_eq!(
        put(&url_of(&items[0]), None, b"kept".to_vec())
            .await
            .status(),
        200
    );
    let path = emulator.objects()[0].path.clone();
    emulator.shutdown().await;
    assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    dir.close().unwrap();
}

#[tokio::test]
async fn reset_fault_kills_the_connection_and_stores_nothing() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            put_reset_rate: 1.0,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("big.bin", None)]).await;
    let result = client()
        .put(url_of(&items[0]))
        .body(vec![7u8; 4 * 1024 * 1024])
        .send()
        .await;
    let error = result.expect_err("the connection dies instead of answering");
    assert!(error.status().is_none(), "no HTTP status: {error:?}");
    assert!(emulator.objects().is_empty());
    let stats = emulator.stats();
    assert_eq!(stats.faults.put_reset, 1);
    assert_eq!(stats.objects_stored, 0);
    // The partial body is gone too; give the dropped handler's cleanup no excuse.
    assert_eq!(
        files_under(emulator.data_dir()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[tokio::test]
async fn injected_500_is_s3_xml_and_stores_nothing() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            put_500_rate: 1.0,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let response = put(&url_of(&items[0]), None, b"data".to_vec()).await;
    let (status, code, _) = s3_error(response).await;
    assert_eq!((status, code.as_str()), (500, "InternalError"));
    assert!(emulator.objects().is_empty());
    assert_eq!(emulator.stats().faults.put_500, 1);
    assert_eq!(
        files_under(emulator.data_dir()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[tokio::test(start_paused = true)]
async fn a_stalled_put_is_never_answered_and_the_next_is_stored() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            put_stalls: 1,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let url = url_of(&items[0]);
    let first = put(&url, None, b"data".to_vec());
    let waited = tokio::time::timeout(Duration::from_secs(3600), first).await;
    assert!(waited.is_err(), "no answer in an hour");
    assert!(emulator.objects().is_empty());
    let second = put(&url, None, b"data".to_vec()).await;
    assert_eq!(second.status(), 200);
    assert_eq!(emulator.objects().len(), 1);
    assert_eq!(emulator.stats().faults.put_stalled, 1);
}

#[tokio::test(start_paused = true)]
async fn a_straggler_is_stored_at_once_and_answered_late() {
    let emulator = start(EmulatorConfig {
        faults: Faults {
            put_straggler_rate: 1.0,
            put_straggler_delay: Duration::from_secs(3),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.csv", None)]).await;
    let start = tokio::time::Instant::now();
    let response = put(&url_of(&items[0]), None, b"data".to_vec()).await;
    assert_eq!(response.status(), 200);
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(emulator.stats().faults.put_straggled, 1);
    assert_eq!(emulator.objects().len(), 1);
}

#[tokio::test]
async fn put_faults_are_deterministic_per_seed() {
    async fn outcomes(seed: u64) -> Vec<String> {
        let emulator = start(EmulatorConfig {
            faults: Faults {
                seed,
                put_500_rate: 0.3,
                put_reset_rate: 0.3,
                ..Faults::default()
            },
            ..EmulatorConfig::default()
        })
        .await;
        let paths: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let files: Vec<(&str, Option<&str>)> = paths.iter().map(|p| (p.as_str(), None)).collect();
        let items = presign(&emulator, &files).await;
        let client = client();
        let mut out = Vec::new();
        for item in &items {
            match client.put(url_of(item)).body(vec![1u8; 1024]).send().await {
                Ok(response) => out.push(response.status().as_u16().to_string()),
                Err(_) => out.push("reset".to_owned()),
            }
        }
        let stats = emulator.stats();
        let count = |s: &str| out.iter().filter(|o| *o == s).count() as u64;
        assert_eq!(stats.faults.put_500, count("500"));
        assert_eq!(stats.faults.put_reset, count("reset"));
        assert_eq!(emulator.objects().len() as u64, count("200"));
        out
    }
    let first = outcomes(11).await;
    assert_eq!(first, outcomes(11).await);
    for outcome in ["200", "500", "reset"] {
        assert!(first.iter().any(|o| o == outcome), "{outcome} in {first:?}");
    }
}

#[tokio::test]
async fn discarding_bodies_still_checks_and_records_them_but_writes_nothing() {
    let emulator = start(EmulatorConfig {
        discard_bodies: true,
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("big.bin", None), ("short.bin", None)]).await;
    let bytes = vec![9u8; 200_000];
    let response = put(&url_of(&items[0]), None, bytes.clone()).await;
    assert_eq!(response.status(), 200);
    let object = emulator
        .object(items[0]["file_uuid"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (object.size, object.sha256.as_str()),
        (200_000, sha256_hex(&bytes).as_str())
    );
    assert_eq!(object.path, std::path::PathBuf::new());
    assert!(files_under(emulator.data_dir()).is_empty());

    // The checks still apply: a chunked body is refused before anything is recorded.
    let chunked = client()
        .put(url_of(&items[1]))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter([
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x")),
        ])))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 411);
    assert_eq!(emulator.objects().len(), 1);
}
