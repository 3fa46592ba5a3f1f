//! Hostile and crashing clients: slow headers, stalled bodies, too many connections,
//! leftovers of a killed emulator, objects seen before they are whole. Time-dependent
//! tests run on tokio's paused clock: no real time passes.

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig};
use aymara_test_support::files_under;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// Opens a connection and sends the start of a request whose headers never end.
async fn slow_headers(emulator: &Emulator) -> TcpStream {
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(b"POST /v2/files HTTP/1.1\r\nhost: x\r\nx-api-key: ")
        .await
        .unwrap();
    stream
}

/// Reads until the server closes (a reset counts as closed too), failing the test if it
/// has not within a minute on the paused clock.
async fn until_closed(mut stream: TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        let _ = stream.read_to_end(&mut answer).await;
    })
    .await
    .expect("the emulator closes the connection");
    answer
}

#[tokio::test(start_paused = true)]
async fn slow_header_connections_are_dropped_after_the_header_timeout() {
    let emulator = start(EmulatorConfig {
        header_read_timeout: Duration::from_secs(10),
        ..EmulatorConfig::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(slow_headers(&emulator).await);
    }
    let started = tokio::time::Instant::now();
    let closed = futures_util::future::join_all(slow.into_iter().map(until_closed));
    tokio::pin!(closed);
    assert!(
        tokio::time::timeout(Duration::from_secs(9), &mut closed)
            .await
            .is_err(),
        "connections are kept while their headers may still come"
    );
    closed.await;
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert_eq!(emulator.stats().header_timeouts, 200);

    // The emulator still serves.
    let (status, _, _, _) = presign_raw(&emulator, Some(KEY), &json!({"files": []})).await;
    assert_eq!(status, 200);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_put_body_is_cut_off_and_leaves_nothing() {
    let emulator = start(EmulatorConfig {
        body_idle_timeout: Duration::from_secs(30),
        ..EmulatorConfig::default()
    })
    .await;
    let items = presign(&emulator, &[("a.bin", None)]).await;
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\ncontent-length: 100\r\n\r\n",
        path_and_query(items[0]["file_url"].as_str().unwrap()),
        emulator.local_addr()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[1u8; 10]).await.unwrap();
    let started = tokio::time::Instant::now();
    let answer = String::from_utf8(until_closed(stream).await).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(30));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>RequestTimeout</Code>"), "{answer}");
    assert!(emulator.objects().is_empty());
    assert!(files_under(emulator.data_dir()).is_empty());
    assert_eq!(emulator.stats().body_timeouts, 1);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_api_body_is_cut_off_with_an_envelope() {
    let emulator = start(EmulatorConfig {
        body_idle_timeout: Duration::from_secs(30),
        ..EmulatorConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(
            b"POST /v2/files HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"files\"",
        )
        .await
        .unwrap();
    let answer = String::from_utf8(until_closed(stream).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("validation.invalid_format"), "{answer}");
    assert_eq!(emulator.stats().body_timeouts, 1);
}

#[tokio::test(start_paused = true)]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let emulator = start(EmulatorConfig {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(10),
        ..EmulatorConfig::default()
    })
    .await;
    let slow = [slow_headers(&emulator).await, slow_headers(&emulator).await];
    let body = json!({"files": []});
    let request = presign_raw(&emulator, Some(KEY), &body);
    tokio::pin!(request);
    assert!(
        tokio::time::timeout(Duration::from_secs(5), &mut request)
            .await
            .is_err(),
        "the third connection is not served while two are held"
    );
    // Once the slow ones time out, the waiting one is served.
    let (status, _, _, _) = tokio::time::timeout(Duration::from_secs(60), request)
        .await
        .expect("served once a slot is free");
    assert_eq!(status, 200);
    assert_eq!(emulator.stats().connections_accepted, 3);
    drop(slow);
}

#[tokio::test]
async fn parts_left_by_a_killed_emulator_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join(".parts");
    std::fs::create_dir_all(parts.join("nested")).unwrap();
    std::fs::write(parts.join("put-abc.part"), b"half an object").unwrap();
    std::fs::write(parts.join("nested/put-def.part"), b"more").unwrap();

    let emulator = start(EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..EmulatorConfig::default()
    })
    .await;
    assert!(parts.is_dir());
    assert_eq!(std::fs::read_dir(&parts).unwrap().count(), 0);
    assert!(emulator.objects().is_empty());
    emulator.shutdown().await;
    dir.close().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_object_is_invisible_until_its_last_byte_arrives() {
    let emulator = start_default().await;
    let items = presign(&emulator, &[("whole.bin", None)]).await;
    let file_uuid = items[0]["file_uuid"].as_str().unwrap();
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let head = format!(
        "PUT {} HTTP/1.1\r\nhost: {}\r\ncontent-length: 100\r\n\r\n",
        path_and_query(items[0]["file_url"].as_str().unwrap()),
        emulator.local_addr()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[5u8; 50]).await.unwrap();

    // Wait (on the paused clock) until the store has written the first half somewhere.
    let mut written = Vec::new();
    for _ in 0..10_000 {
        written = files_under(emulator.data_dir());
        if written
            .iter()
            .any(|f| std::fs::metadata(f).is_ok_and(|m| m.len() == 50))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].starts_with(emulator.data_dir().join(".parts")),
        "a partial body lives only among the parts: {written:?}"
    );
    assert!(emulator.object(file_uuid).is_none());

    stream.write_all(&[5u8; 50]).await.unwrap();
    let mut answer = vec![0u8; 12];
    stream.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let object = emulator.object(file_uuid).expect("stored once whole");
    assert_eq!(object.size, 100);
    assert_eq!(std::fs::read(&object.path).unwrap(), vec![5u8; 100]);
    assert_eq!(files_under(emulator.data_dir()), vec![object.path]);
}
