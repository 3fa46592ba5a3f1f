//! The retry policy against a scripted server, under tokio's paused clock: the delays
//! between attempts are asserted from the server's side.

use std::time::Duration;

use aymara::Error;
use aymara_test_support::mock::{Canned, MockServer, one_file_request};

/// Gaps between consecutive presign calls.
fn gaps(server: &MockServer) -> Vec<Duration> {
    let calls = server.presigns();
    calls.windows(2).map(|w| w[1].at - w[0].at).collect()
}

fn unavailable() -> Canned {
    Canned::envelope(503, "server.internal_error", "req-503")
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_and_milliseconds_are_honoured() {
    let server = MockServer::start().await;
    server.script_presign([
        unavailable().header("retry-after", "3"),
        Canned::envelope(429, "quota.limit_exceeded", "r").header("retry-after-ms", "1500"),
    ]);
    let response = server
        .client(2)
        .files()
        .create(&one_file_request())
        .await
        .unwrap();
    assert_eq!(response.body().files().len(), 1);
    assert_eq!(
        gaps(&server),
        [Duration::from_secs(3), Duration::from_millis(1500)]
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = std::time::SystemTime::now() + Duration::from_secs(10);
    server.script_presign([unavailable().header("retry-after", &httpdate::fmt_http_date(at))]);
    server
        .client(1)
        .files()
        .create(&one_file_request())
        .await
        .unwrap();
    let gap = gaps(&server)[0];
    // An HTTP date has whole-second precision, and wall time moves on while we test.
    assert!(
        gap > Duration::from_secs(8) && gap <= Duration::from_secs(10),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_hint_the_backoff_grows_from_half_a_second_with_jitter() {
    let server = MockServer::start().await;
    server.script_presign([unavailable(), unavailable(), unavailable()]);
    server
        .client(3)
        .files()
        .create(&one_file_request())
        .await
        .unwrap();
    let gaps = gaps(&server);
    assert_eq!(gaps.len(), 3);
    for (gap, full) in gaps.iter().zip([500u64, 1000, 2000]) {
        let full = Duration::from_millis(full);
        assert!(
            *gap <= full && *gap >= full.mul_f64(0.75),
            "{gap:?} vs {full:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn x_should_retry_overrides_the_status_both_ways() {
    let server = MockServer::start().await;
    server.script_presign([Canned::envelope(400, "validation.invalid_request", "r")
        .header("x-should-retry", "true")
        .header("retry-after", "1")]);
    server
        .client(2)
        .files()
        .create(&one_file_request())
        .await
        .unwrap();
    assert_eq!(server.presigns().len(), 2);

    let server = MockServer::start().await;
    server.script_presign([unavailable().header("x-should-retry", "false")]);
    let error = server
        .client(2)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.presigns().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn exhaustion_returns_the_last_error_after_max_retries_plus_one_attempts() {
    let server = MockServer::start().await;
    server.script_presign((0..5).map(|i| {
        Canned::envelope(429, "quota.limit_exceeded", &format!("req-{i}"))
            .header("retry-after", "2")
    }));
    let error = server
        .client(2)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert_eq!(server.presigns().len(), 3);
    assert_eq!(error.request_id(), Some("req-2"));
    assert_eq!(
        gaps(&server),
        [Duration::from_secs(2), Duration::from_secs(2)]
    );

    let server = MockServer::start().await;
    server.script_presign([unavailable()]);
    let error = server
        .client(0)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)));
    assert_eq!(
        server.presigns().len(),
        1,
        "max_retries(0) disables retries"
    );
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_is_not_retried() {
    let server = MockServer::start().await;
    server.script_presign([Canned::envelope(422, "validation.invalid_request", "r")]);
    server
        .client(5)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert_eq!(server.presigns().len(), 1);
}
