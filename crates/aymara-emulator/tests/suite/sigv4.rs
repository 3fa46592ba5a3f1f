//! The store speaks S3: SigV4 query presigns, exact paths, the 5 GiB limit, `SlowDown`.

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig, Faults};
use aymara_test_support::files_under;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

#[tokio::test]
async fn presigned_urls_are_sigv4_query_presigns() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.csv", Some("text/csv")), ("b.bin", None)]).await;
    for (item, signed_headers) in items.iter().zip(["content-type;host", "host"]) {
        let url = url::Url::parse(&url_of(item)).unwrap();
        let param = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .unwrap_or_else(|| panic!("{key} in {url}"))
                .1
                .into_owned()
        };
        assert_eq!(param("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
        let date = param("X-Amz-Date");
        assert_eq!(date.len(), 16, "{date}");
        assert!(date.ends_with('Z') && &date[8..9] == "T", "{date}");
        let credential: Vec<String> = param("X-Amz-Credential")
            .split('/')
            .map(str::to_owned)
            .collect();
        assert_eq!(credential.len(), 5, "{credential:?}");
        assert_eq!(credential[1], date[..8]);
        assert_eq!(&credential[2..], ["us-east-1", "s3", "aws4_request"]);
        assert_eq!(param("X-Amz-Expires"), "900");
        assert_eq!(param("X-Amz-SignedHeaders"), signed_headers);
        let signature = param("X-Amz-Signature");
        assert_eq!(signature.len(), 64);
        assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    // Each emulator signs with its own credentials.
    let other = start_default().await;
    let theirs = presign(&other, &[("a.csv", None)]).await;
    let key_id = |url: &str| param(url, "X-Amz-Credential")[..20].to_owned();
    assert_ne!(key_id(&url_of(&items[0])), key_id(&url_of(&theirs[0])));
}

#[tokio::test]
async fn names_with_spaces_parentheses_plus_and_non_ascii_round_trip() {
    let emulator = start_default().await;
    let names = [
        ("dir/a b.csv", "a%20b.csv"),
        ("report (1).pdf", "report%20%281%29.pdf"),
        ("c++ notes.txt", "c%2B%2B%20notes.txt"),
        (
            "résumé 履歴.txt",
            "r%C3%A9sum%C3%A9%20%E5%B1%A5%E6%AD%B4.txt",
        ),
    ];
    let files: Vec<(&str, Option<&str>)> = names.iter().map(|(n, _)| (*n, None)).collect();
    let items = presign(&emulator, &files).await;
    for (item, (path, encoded)) in items.iter().zip(names) {
        let url = url_of(item);
        let file_uuid = item["file_uuid"].as_str().unwrap();
        let expected_path = format!(
            "{}/{}/{}/{file_uuid}/{encoded}?",
            emulator.base_url(),
            emulator.bucket(),
            emulator.organization_uuid()
        );
        assert!(url.starts_with(&expected_path), "{url}");
        let body = format!("bytes of {path}");
        let response = client().put(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let object = emulator.object(file_uuid).unwrap();
        assert_eq!(object.name, path.rsplit('/').next().unwrap());
        assert_eq!(std::fs::read(&object.path).unwrap(), body.as_bytes());
    }
}

#[tokio::test]
async fn a_path_decoded_or_re_encoded_by_the_client_is_refused() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("report (1)+x.pdf", None)]).await;
    let good = path_and_query(&url_of(&items[0]));
    for changed in [
        good.replace("%28", "(").replace("%29", ")"),
        good.replace("%2B", "+"),
        good.replace("%20", "+"),
        good.replace("%28", "%2528"),
    ] {
        assert_ne!(changed, good);
        let head = format!(
            "PUT {changed} HTTP/1.1\r\nhost: {}\r\ncontent-length: 4\r\n\r\n",
            emulator.local_addr()
        );
        let answer = raw_request(&emulator, &head, b"data").await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{changed}: {answer}");
        assert!(
            answer.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{answer}"
        );
    }
    // The same request with the path exactly as received is stored.
    let head = format!(
        "PUT {good} HTTP/1.1\r\nhost: {}\r\ncontent-length: 4\r\n\r\n",
        emulator.local_addr()
    );
    let answer = raw_request(&emulator, &head, b"data").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(emulator.objects().len(), 1);
}

#[tokio::test]
async fn a_signed_host_must_be_the_one_sent() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("a.txt", None)]).await;
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: other.example:9000\r\ncontent-length: 4\r\n\r\n",
        path_and_query(&url_of(&items[0]))
    );
    let answer = raw_request(&emulator, &head, b"data").await;
    assert!(
        answer.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{answer}"
    );
    assert!(emulator.objects().is_empty());
}

#[tokio::test]
async fn a_put_over_5_gib_is_refused_before_its_body() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("huge.bin", None)]).await;
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n\r\n",
        path_and_query(&url_of(&items[0])),
        emulator.local_addr(),
        5 * 1024 * 1024 * 1024u64 + 1
    );
    // No body is sent: the answer must not wait for one.
    let answer = raw_request(&emulator, &head, b"").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>EntityTooLarge</Code>"), "{answer}");
}

#[tokio::test]
async fn the_bucket_is_configurable_and_checked() {
    let emulator = start(EmulatorConfig {
        bucket: "team-uploads".into(),
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.txt", None)]).await;
    let url = url_of(&items[0]);
    assert!(
        url.starts_with(&format!("{}/team-uploads/", emulator.base_url())),
        "{url}"
    );
    assert_eq!(
        client().put(&url).body("x").send().await.unwrap().status(),
        200
    );
    assert!(
        emulator.objects()[0]
            .path
            .starts_with(emulator.data_dir().join("team-uploads"))
    );

    let error = Emulator::start(EmulatorConfig {
        bucket: "Bad_Bucket".into(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap_err();
    assert!(error.to_string().contains("Bad_Bucket"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn puts_over_the_cap_are_answered_slow_down_at_once() {
    let emulator = start(EmulatorConfig {
        max_puts_in_flight: Some(1),
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.bin", None), ("b.bin", None)]).await;

    // The first PUT stays in flight: half its body sent.
    let mut first = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\ncontent-length: 8\r\n\r\n",
        path_and_query(&url_of(&items[0])),
        emulator.local_addr()
    );
    first.write_all(head.as_bytes()).await.unwrap();
    first.write_all(b"half").await.unwrap();
    for _ in 0..10_000 {
        if !files_under(emulator.data_dir()).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        files_under(emulator.data_dir()).len(),
        1,
        "the first PUT is receiving"
    );

    let second = client()
        .put(url_of(&items[1]))
        .body("second")
        .send()
        .await
        .unwrap();
    let (status, code, message) = s3_error(second).await;
    assert_eq!((status, code.as_str()), (503, "SlowDown"));
    assert_eq!(message, "Please reduce your request rate.");
    assert_eq!(emulator.stats().puts_slowed_down, 1);

    first.write_all(b"done").await.unwrap();
    let mut status_line = [0u8; 12];
    first.read_exact(&mut status_line).await.unwrap();
    assert_eq!(&status_line, b"HTTP/1.1 200");
    // The slot is free again.
    let third = client()
        .put(url_of(&items[1]))
        .body("second")
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 200);
    assert_eq!(emulator.objects().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_put_stays_in_flight_while_its_answer_waits_out_the_latency() {
    let emulator = start(EmulatorConfig {
        max_puts_in_flight: Some(1),
        faults: Faults {
            store_latency: Duration::from_secs(1),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.bin", None), ("b.bin", None)]).await;
    let first = tokio::spawn(client().put(url_of(&items[0])).body("first").send());
    // Stored, its answer not sent yet: the store's latency is 1 s.
    for _ in 0..500 {
        if emulator.stats().objects_stored == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(emulator.stats().objects_stored, 1);
    assert!(!first.is_finished());

    let second = client()
        .put(url_of(&items[1]))
        .body("second")
        .send()
        .await
        .unwrap();
    assert_eq!(s3_error(second).await.1, "SlowDown");
    assert_eq!(first.await.unwrap().unwrap().status(), 200);
    // Answered: the slot is free again.
    let third = client()
        .put(url_of(&items[1]))
        .body("second")
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 200);
}
