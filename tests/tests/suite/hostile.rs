//! The hostile-server suite: what a broken or malicious API or object store can make the
//! SDK do. Each test names the finding of the issue it guards against. Everything runs in
//! process; where time matters it is tokio's paused clock, so every duration asserted is
//! virtual time that elapsed, and nothing sleeps. Every test runs under a TRACE subscriber
//! that checks each log line for the key and signatures (see `logs`).
//!
//! Servers: [`MockServer`] (scripted API and store), [`MockServer::start_elsewhere`] (another
//! host, counting whatever reaches it), [`Canned::huge`] (a body of any size, made as it is
//! sent), [`SlowServer`] (silent, dripping, or reading at a set rate).
//!
//! The command line's side (exit codes, stderr lines) is in
//! `crates/aymara-cli/tests/suite/hostile.rs`; the emulator's (header and body timeouts,
//! connection cap, stale parts) in `crates/aymara-emulator/tests/suite/hardening.rs`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aymara::{
    Client, DEFAULT_TIMEOUT, Error, ProgressEvent, UploadControl, UploadOptions, UploadReport,
    WaitOptions, WaitOutcome,
};
use aymara_emulator::EmulatorConfig;
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::mock::{Canned, MockServer, SlowServer, one_file_request};
use aymara_test_support::write_file;
use serde_json::json;
use tokio::time::Instant;

// The limits and the retry budget, as the README documents them (they are not public
// constants: a promise each, and nothing a caller can set).
/// A successful API answer is read up to this many bytes.
const API_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// An error answer, of the API or the store, is read up to this many bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// A body that is not the error envelope keeps at most this many bytes.
const BODY_SNIPPET_LIMIT: usize = 512;
/// Tokens in a client's retry budget, and what one retry costs.
const RETRY_BUDGET: u32 = 500;
const RETRY_COST: u32 = 5;

/// The API key every client here uses: it must show up nowhere but in `x-api-key` to the API.
const KEY: &str = "sk-KEY-SENTINEL-7731";
/// A signature planted in redirect targets; the mock's own presigned URLs carry `…secret`.
const SIGNATURE: &str = "SIGNATURE-SENTINEL";
const GIB: u64 = 1 << 30;
/// What loopback socket buffers can hold beyond what a client read before it hung up.
const SOCKET_SLACK: u64 = 16 << 20;
/// The command line's retries per call (`aymara files upload --max-retries`, default 5).
const CLI_MAX_RETRIES: u32 = 5;
/// The longest the backoff before those 5 retries can add up to: 0.5 + 1 + 2 + 4 + 8 s
/// (jitter only shortens it).
const CLI_BACKOFF: Duration = Duration::from_millis(15_500);

fn client(base_url: &str, max_retries: u32) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .max_retries(max_retries)
        .build()
        .unwrap()
}

fn small_files(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| write_file(dir, format!("f{i:04}.csv"), b"a,b\n"))
        .collect()
}

/// A loopback URL nothing listens on: connections are refused.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// How many different error values the failed files of `report` hold: files failed by one
/// cause share one `Arc<Error>`, so this counts causes, not files.
fn distinct_errors(report: &UploadReport) -> usize {
    report
        .failed()
        .map(|(_, error)| error as *const Error)
        .collect::<HashSet<_>>()
        .len()
}

/// The first secret `text` shows, if any.
fn secret_in(text: &str) -> Option<&'static str> {
    [KEY, SIGNATURE, "secret", "X-Amz-Signature="]
        .into_iter()
        .find(|secret| text.contains(secret))
}

/// Checks that `text` shows no secret.
fn assert_no_secret(what: &str, text: &str) {
    if let Some(secret) = secret_in(text) {
        panic!("{what} shows {secret}:\n{text}");
    }
}

/// Every test here runs under a TRACE subscriber, which also gets the HTTP stack's `log`
/// records (reqwest) and checks each line for secrets as it is written. Each test holds
/// [`logs::capture`]'s guard from its first line: the subscriber is its thread's default
/// (every test here runs on a current-thread runtime, and the SDK carries the caller's
/// subscriber into the tasks it spawns), never the process's, which other tests of the
/// binary share. All of them record into one [`logs::Seen`].
mod logs {
    use std::io::Write;
    use std::sync::Mutex;

    use tracing::subscriber::DefaultGuard;

    /// What the subscriber has written so far.
    #[derive(Debug, Clone, Default)]
    pub struct Seen {
        /// Lines inside the SDK's `aymara.attempt` span.
        pub attempt_lines: usize,
        /// Lines from the HTTP stack (reqwest, hyper-util).
        pub http_stack_lines: usize,
        /// Lines that showed a secret.
        pub leaks: Vec<String>,
    }

    static SEEN: Mutex<Seen> = Mutex::new(Seen {
        attempt_lines: 0,
        http_stack_lines: 0,
        leaks: Vec::new(),
    });

    /// Checks what this thread logs until the guard is dropped (and routes `log` records
    /// to `tracing`, once for the whole process).
    #[must_use = "the subscriber checks logs only while the guard lives"]
    pub fn capture() -> DefaultGuard {
        use tracing_subscriber::util::SubscriberInitExt;
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| Checker)
            .finish()
            .set_default()
    }

    pub fn seen() -> Seen {
        SEEN.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Checks each line (the subscriber writes one event per call) and keeps nothing else.
    struct Checker;

    impl Write for Checker {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let line = String::from_utf8_lossy(buf);
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if line.contains("aymara.attempt") {
                seen.attempt_lines += 1;
            }
            if line.contains("reqwest::") || line.contains("hyper_util::") {
                seen.http_stack_lines += 1;
            }
            if super::secret_in(&line).is_some() {
                seen.leaks.push(line.into_owned());
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

/// Checks that `line` is one line a terminal shows as is: no control characters, no
/// reordering, and short.
fn assert_one_safe_line(line: &str) {
    assert!(
        !line
            .chars()
            .any(|c| c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)),
        "{line:?}"
    );
    let start: String = line.chars().take(200).collect();
    assert!(line.len() < 1024, "{} bytes: {start}…", line.len());
}

// Finding 1: the API key followed redirects (to another host, to plain http; a 307 that
// ended in a 200 counted as a success).

#[tokio::test]
async fn api_redirects_are_never_followed_so_the_key_reaches_no_other_host() {
    let _logs = logs::capture();
    let api = MockServer::start().await;
    let elsewhere = MockServer::start_elsewhere().await;
    let other_host = elsewhere.url().trim_start_matches("http://").to_string();
    let locations = [
        // Another host over plain http. (The suite has no TLS server, so the API itself is
        // loopback http; a redirect is refused before its scheme matters, so an https to
        // http downgrade is refused the same way.)
        format!("http://{other_host}/v2/files?X-Amz-Signature={SIGNATURE}"),
        // Another host over https.
        format!("https://{other_host}/v2/files"),
        // The same host: following it would show up as a second call below.
        "/v2/files?again=1".to_string(),
    ];
    let client = client(api.url(), CLI_MAX_RETRIES);
    for status in [301, 302, 303, 307, 308] {
        for location in &locations {
            let calls = api.presigns().len();
            api.script_presign([
                Canned::raw(status, "text/plain", "moved").header("location", location)
            ]);
            let error = client
                .files()
                .create(&one_file_request())
                .await
                .unwrap_err();
            let Error::Redirect {
                status: answered,
                location: shown,
                ..
            } = &error
            else {
                panic!("{status} to {location}: {error:?}")
            };
            assert_eq!(answered.as_u16(), status);
            assert!(shown.is_some(), "the error says where it pointed");
            assert_eq!(api.presigns().len(), calls + 1, "not followed, not retried");
            assert_no_secret("a redirect error", &format!("{error} {error:?}"));
        }
    }
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
    assert!(elsewhere.presigns().is_empty());
}

#[tokio::test]
async fn an_upload_redirected_to_a_host_that_would_answer_200_fails_and_sends_nothing() {
    let _logs = logs::capture();
    let api = MockServer::start().await;
    // It would presign and store like the real thing, had anything reached it.
    let elsewhere = MockServer::start_elsewhere().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    api.script_presign([Canned::raw(307, "text/plain", "")
        .header("location", &format!("{}/v2/files", elsewhere.url()))]);
    let report = client(api.url(), 0)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 3, "a redirect is not a success");
    for (_, error) in report.failed() {
        assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    }
    assert_eq!(elsewhere.connections(), 0);
    assert!(api.puts().is_empty() && elsewhere.puts().is_empty());
}

// Finding 2: a presigned URL's signature leaked through `Referer` when a store redirected a
// PUT.

#[tokio::test]
async fn store_redirects_are_never_followed_so_no_referer_and_no_signature_leave() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let elsewhere = MockServer::start_elsewhere().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"a,b\n");
    let client = client(server.url(), CLI_MAX_RETRIES);
    let location = format!("{}/store/x?X-Amz-Signature={SIGNATURE}", elsewhere.url());
    for (sent, status) in [301, 302, 303, 307, 308].into_iter().enumerate() {
        server.script_put([Canned::raw(status, "text/plain", "").header("location", &location)]);
        let report = client
            .files()
            .upload([&file], UploadOptions::new())
            .await
            .unwrap();
        let (_, error) = report.failed().next().expect("a redirect is not a success");
        assert!(
            matches!(error, Error::Redirect { status: s, .. } if s.as_u16() == status),
            "{error:?}"
        );
        assert_eq!(server.puts().len(), sent + 1, "not followed, not retried");
        assert_no_secret("a store redirect error", &format!("{error} {error:?}"));
    }
    for put in server.puts() {
        assert!(put.headers.get("referer").is_none(), "{:?}", put.headers);
    }
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
}

// Finding 3: answers had no size limit (a 200 with a 1 GiB body took 1 GiB; a 1 MB error
// message became a 1 MB line; one refused batch's error was copied into every file).

#[tokio::test]
async fn a_1_gib_answer_is_read_only_up_to_the_api_limit() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let (canned, served) = Canned::huge(200, "application/json", r#"{"files": ["#, GIB);
    server.script_presign([canned]);
    let error = client(server.url(), 0)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, .. } if limit == API_BODY_LIMIT),
        "{error:?}"
    );
    assert!(
        served.bytes() < API_BODY_LIMIT as u64 + SOCKET_SLACK,
        "the client made the server hand out {} bytes",
        served.bytes()
    );
}

#[tokio::test(start_paused = true)]
async fn a_1_gib_error_page_is_read_only_up_to_the_error_limit_and_keeps_its_status() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let (canned, served) = Canned::huge(503, "text/html", "<html>down for maintenance", GIB);
    let canned = canned
        .header("x-request-id", "req-huge")
        .header("retry-after", "1");
    server.script_presign([canned.clone(), canned]);
    let error = client(server.url(), 1)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert_eq!(
        server.presigns().len(),
        2,
        "a 503 is retried, whatever its body"
    );
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status().as_u16(), 503);
    assert_eq!(api.request_id(), Some("req-huge"));
    let snippet = api.body_snippet().unwrap();
    assert!(
        snippet.starts_with("<html>down") && snippet.len() <= BODY_SNIPPET_LIMIT,
        "{snippet}"
    );
    assert_one_safe_line(&error.to_string());
    assert!(
        served.bytes() < 2 * (ERROR_BODY_LIMIT as u64 + SOCKET_SLACK),
        "the client made the server hand out {} bytes",
        served.bytes()
    );
}

#[tokio::test]
async fn a_1_gib_store_answer_is_never_read_whole() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"a,b\n");
    let (refusal, refused) = Canned::huge(500, "application/xml", "<Error><Message>", GIB);
    let (success, succeeded) = Canned::huge(200, "application/xml", "<Ok>", GIB);
    server.script_put([refusal, success]);
    let client = client(server.url(), 0);

    let report = client
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, error) = report.failed().next().expect("the 500 fails the file");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error:?}");
    assert_one_safe_line(&error.to_string());
    assert!(refused.bytes() < ERROR_BODY_LIMIT as u64 + SOCKET_SLACK);

    let report = client
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert!(succeeded.bytes() < SOCKET_SLACK, "a 2xx body is not read");
}

#[tokio::test]
async fn a_1_mb_error_message_becomes_one_bounded_line_with_status_and_request_id() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let client = client(server.url(), 0);
    // Over the error body limit (cut there, so not decoded), and under it (decoded).
    for (status, size) in [(400, 1_000_000), (422, 60_000)] {
        let message = format!("bad\n\u{1b}[2Jinput {}", "m".repeat(size));
        let body = json!({
            "error": {"code": "validation.invalid_request", "message": message},
            "request_id": "req-big",
        });
        server.script_presign([Canned::json(status, body).header("x-request-id", "req-big")]);
        let error = client
            .files()
            .create(&one_file_request())
            .await
            .unwrap_err();
        let Error::Api(api) = &error else {
            panic!("{status}: {error:?}")
        };
        assert_eq!(api.status().as_u16(), status);
        assert_eq!(api.request_id(), Some("req-big"));
        assert!(api.message().map_or(0, str::len) <= ERROR_BODY_LIMIT);
        let line = error.to_string();
        assert_one_safe_line(&line);
        assert!(
            line.contains(&status.to_string()) && line.contains("more bytes]"),
            "{line}"
        );
        assert!(line.ends_with("(request id req-big)"), "{line}");
    }
}

#[tokio::test]
async fn a_refused_batch_is_one_error_shared_by_all_its_files() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let message = "m".repeat(60_000);
    server.script_presign((0..10).map(|_| {
        Canned::json(
            400,
            json!({"error": {"code": "validation.invalid_request", "message": message}}),
        )
    }));
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1000);
    let report = client(server.url(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 1000);
    assert_eq!(server.presigns().len(), 10);
    assert_eq!(
        distinct_errors(&report),
        10,
        "one error per batch, not per file"
    );
}

// Finding 4: a dead API was retried batch by batch (1,000 files took 71 s to fail), with no
// overall deadline.

#[tokio::test(start_paused = true)]
async fn with_the_api_refusing_connections_1000_files_fail_within_one_batch_of_retries() {
    let _logs = logs::capture();
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1000);
    let start = Instant::now();
    let report = client(&closed_port(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed <= CLI_BACKOFF, "{elapsed:?}");
    assert_eq!(report.failed().count(), 1000);
    assert_eq!(distinct_errors(&report), 1, "one cause for every file");
    let (_, error) = report.failed().next().unwrap();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn with_the_api_answering_503_1000_files_fail_within_one_batch_of_retries() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    server.script_presign(
        (0..100).map(|_| Canned::envelope(503, "server.internal_error", "req-down")),
    );
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1000);
    let start = Instant::now();
    let report = client(server.url(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed <= CLI_BACKOFF, "{elapsed:?}");
    assert_eq!(report.failed().count(), 1000);
    assert_eq!(distinct_errors(&report), 1, "one cause for every file");
    let calls = server.presigns().len();
    let most = 2 * (CLI_MAX_RETRIES as usize + 1) + 1;
    assert!(
        calls <= most,
        "{calls} calls: two batches' attempts and one probe at most"
    );
}

#[tokio::test(start_paused = true)]
async fn with_the_api_answering_nothing_1000_files_fail_after_one_batch_of_timeouts() {
    let _logs = logs::capture();
    let api = SlowServer::silent().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1000);
    let start = Instant::now();
    let report = client(api.url(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    let elapsed = start.elapsed();
    // The first two batches time out on every attempt (they run side by side), then one
    // probe times out once; every other batch fails at once with the first cause.
    let bound = DEFAULT_TIMEOUT * (CLI_MAX_RETRIES + 1) + CLI_BACKOFF + DEFAULT_TIMEOUT;
    assert!(elapsed <= bound, "{elapsed:?}");
    assert!(api.connections() <= 2 * (CLI_MAX_RETRIES as usize + 1) + 1);
    assert_eq!(report.failed().count(), 1000);
    assert_eq!(distinct_errors(&report), 1, "one cause for every file");
    let (_, error) = report.failed().next().unwrap();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn a_dead_store_costs_at_most_the_client_wide_retry_budget() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    server.script_put((0..3000).map(|_| Canned::s3_error(503, "SlowDown")));
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 300);
    let report = client(server.url(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 300);
    // Each of the 3 successful presigns may give one token back.
    let retries = (RETRY_BUDGET + 3) / RETRY_COST;
    let puts = server.puts().len();
    assert!(puts <= 300 + retries as usize, "{puts} PUTs");
    assert!(
        puts < 300 * (CLI_MAX_RETRIES as usize + 1) / 4,
        "{puts} PUTs: without a budget, 300 files take 6 attempts each"
    );
}

#[tokio::test(start_paused = true)]
async fn an_upload_deadline_ends_the_whole_run_on_time() {
    let _logs = logs::capture();
    let api = SlowServer::silent().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    let deadline = Duration::from_secs(90);
    let start = Instant::now();
    let report = client(api.url(), CLI_MAX_RETRIES)
        .files()
        .upload(&paths, UploadOptions::new().deadline(deadline))
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= deadline && elapsed < deadline + Duration::from_secs(1),
        "{elapsed:?}"
    );
    assert_eq!(report.failed().count(), 3);
    for (_, error) in report.failed() {
        assert!(
            matches!(error, Error::DeadlineExceeded { deadline: d, .. } if *d == deadline),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn times_past_what_the_clock_can_hold_are_no_limit_not_a_panic() {
    // The API says its URLs live u64::MAX seconds; the caller asks for endless deadlines.
    let server = MockServer::start().await;
    let endless = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = endless.clone();
    server.on_answer(move |answer| {
        for file in answer["files"].as_array_mut().unwrap() {
            let url = file["file_url"].as_str().unwrap();
            let lifetime = format!("X-Amz-Expires={}", u64::MAX);
            let changed = url.replace("X-Amz-Expires=900", &lifetime);
            counted.fetch_add(usize::from(changed != url), Ordering::Relaxed);
            file["file_url"] = changed.into();
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    let report = server
        .client(0)
        .files()
        .upload(&paths, UploadOptions::new().deadline(Duration::MAX))
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(
        endless.load(Ordering::Relaxed),
        3,
        "every URL said it lives for ever"
    );

    let emulator = TestEmulator::start("k", EmulatorConfig::default()).await;
    let client = emulator.client();
    let report = client
        .files()
        .upload(&paths[..1], UploadOptions::new())
        .await
        .unwrap();
    let uuid = report.uploaded().next().unwrap().file_uuid().to_owned();
    let endless = WaitOptions::new().deadline(Duration::MAX);
    let outcome = client
        .files()
        .wait_for_processing(&uuid, endless)
        .await
        .unwrap();
    assert!(matches!(outcome, WaitOutcome::Completed(_)), "{outcome:?}");
}

// A server that answers one byte a second is cut off by the time limit of the call (the
// HTTP stack's read timeout alone would wait for ever: every byte resets it).

#[tokio::test(start_paused = true)]
async fn an_api_that_drips_one_byte_a_second_is_cut_off_at_the_call_limit() {
    let _logs = logs::capture();
    let heads = [
        // The headers end; the body drips.
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
        // The headers never end.
        "HTTP/1.1 200 OK\r\nx-drip: ",
    ];
    for head in heads {
        let api = SlowServer::drip(head, Duration::from_secs(1)).await;
        let start = Instant::now();
        let error = client(api.url(), 0)
            .files()
            .create(&one_file_request())
            .await
            .unwrap_err();
        let elapsed = start.elapsed();
        assert!(
            matches!(error, Error::Timeout { after, .. } if after == DEFAULT_TIMEOUT),
            "{error:?}"
        );
        assert!(
            elapsed >= DEFAULT_TIMEOUT && elapsed < DEFAULT_TIMEOUT + Duration::from_secs(1),
            "{elapsed:?}"
        );
        assert!(
            api.dripped() >= 59,
            "it was still dripping: {}",
            api.dripped()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_store_that_drips_its_answer_is_cut_off_as_stalled_long_before_the_minute() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let store = SlowServer::drip("HTTP/1.1 200 OK\r\nx-drip: ", Duration::from_secs(1)).await;
    server.set_store(store.url());
    let dir = tempfile::tempdir().unwrap();
    let size = 1024 * 1024;
    let file = write_file(dir.path(), "big.bin", &vec![7u8; size]);
    let start = Instant::now();
    let report = client(server.url(), 0)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let elapsed = start.elapsed();
    let (_, error) = report.failed().next().expect("the transfer fails");
    // Every byte is sent and the answer never ends: nothing is known of the store yet, so
    // it gets 5 s, plus 16 s for the megabyte that may still be on its way at 64 KiB/s
    // (and 10 ms for the store to check it), not the minute plus of the old fixed limit.
    let Error::Timeout { after, .. } = error else {
        panic!("{error:?}")
    };
    assert!(
        *after > Duration::from_secs(21) && *after < Duration::from_secs(22),
        "{after:?}"
    );
    assert!(
        elapsed >= *after && elapsed < *after + Duration::from_secs(1),
        "{elapsed:?}"
    );
    assert!(
        store.dripped() >= 20,
        "it was still dripping: {}",
        store.dripped()
    );
    assert_no_secret("a transfer timeout", &format!("{error} {error:?}"));
}

#[tokio::test(start_paused = true)]
async fn a_slow_but_steady_store_is_not_cut_off() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    // 256 KiB read at 66 kB/s (just over 64 KiB/s, the slowest rate a transfer may keep):
    // the socket takes the whole body at once, so the answer phase must allow for what is
    // still on its way.
    let store = SlowServer::reading_at(66_000).await;
    server.set_store(store.url());
    let dir = tempfile::tempdir().unwrap();
    let size = 256 * 1024;
    let file = write_file(dir.path(), "slow.bin", &vec![3u8; size]);
    let report = client(server.url(), 0)
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
}

// Finding 5: some bad input was found only after other files were uploaded.

#[cfg(unix)]
#[tokio::test]
async fn every_bad_path_is_refused_before_any_connection() {
    let _logs = logs::capture();
    use std::os::unix::ffi::OsStrExt;

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let good = small_files(dir.path(), 2);
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad\xffname.csv"));
    std::fs::write(&odd, "x").unwrap();
    let paths = vec![
        good[0].clone(),
        fifo,
        PathBuf::from("/dev/zero"),
        good[1].clone(),
        odd,
        dir.path().to_path_buf(),
    ];
    let error = client(server.url(), 0)
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap_err();
    let Error::Plan(plan) = &error else {
        panic!("{error:?}")
    };
    let refused: Vec<usize> = plan.problems().iter().map(|p| p.index()).collect();
    assert_eq!(refused, [1, 2, 4, 5]);
    assert_eq!(
        server.connections(),
        0,
        "nothing was sent before the refusal"
    );
}

// Finding 6: file names and server text reached the terminal raw; after Ctrl-C a transfer
// answered 2xx was reported cancelled.

#[tokio::test]
async fn server_text_and_file_names_reach_errors_as_one_escaped_line() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let client = client(server.url(), 0);
    server.script_presign([Canned::json(
        400,
        json!({
            "error": {"code": "bad\u{1b}[31mcode", "message": "no\n\u{1b}[2Jway\u{202e}txt.exe"},
            "request_id": "req\r\n-1",
        }),
    )]);
    let api_error = client
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();

    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "a.csv", b"a");
    let xml = "<Error><Code>Access&#10;Denied</Code>\
               <Message>line one&#10;line two\u{9b}31m\u{202e}</Message></Error>";
    server.script_put([Canned::raw(403, "application/xml", xml)]);
    let report = client
        .files()
        .upload([&file], UploadOptions::new())
        .await
        .unwrap();
    let (_, store_error) = report.failed().next().unwrap();

    let evil = dir.path().join("evil\n\u{1b}[31mred\u{202e}.csv");
    std::fs::create_dir(&evil).unwrap();
    let plan_error = client
        .files()
        .upload([&evil], UploadOptions::new())
        .await
        .unwrap_err();

    // Long server text: an error code and a redirect's target, 20 KB each.
    let long = "z".repeat(20_000);
    server.script_presign([
        Canned::json(400, json!({"error": {"code": long, "message": "m"}})),
        Canned::raw(307, "text/plain", "").header("location", &format!("https://x.example/{long}")),
    ]);
    let mut long_errors = Vec::new();
    for _ in 0..2 {
        let error = client.files().create(&one_file_request()).await;
        long_errors.push(error.unwrap_err());
    }

    for error in [&api_error, store_error, &plan_error]
        .into_iter()
        .chain(&long_errors)
    {
        assert_one_safe_line(&error.to_string());
    }
    assert!(
        plan_error
            .to_string()
            .contains("evil\\n\\u{1b}[31mred\\u{202e}.csv"),
        "{plan_error}"
    );
}

#[tokio::test]
async fn a_transfer_answered_2xx_after_a_graceful_cancel_is_reported_uploaded() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    let control: Arc<OnceLock<UploadControl>> = Arc::default();
    let cancel = control.clone();
    // Cancel (Ctrl-C) once the first file's bytes are handed over, before any answer.
    let options = UploadOptions::new()
        .concurrency(1)
        .observer(move |event: &ProgressEvent<'_>| {
            if let ProgressEvent::BytesSent { index: 0, .. } = event {
                cancel.get().unwrap().cancel();
            }
        });
    let upload = client(server.url(), 0)
        .files()
        .upload(&paths, options)
        .start();
    control.set(upload.control()).unwrap();
    let report = upload.await.unwrap();
    let uploaded: Vec<_> = report.uploaded().collect();
    assert_eq!(uploaded.len(), 1, "{report:?}");
    assert_eq!(uploaded[0].local_file_path(), paths[0].to_str().unwrap());
    assert_eq!(report.cancelled().count(), 2);
    let stored = server.puts();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].file_uuid,
        uploaded[0].file_uuid(),
        "the report tells the truth"
    );
}

#[tokio::test]
async fn a_server_that_echoes_the_key_back_does_not_get_it_into_errors() {
    let _logs = logs::capture();
    let server = MockServer::start().await;
    let page = format!("<html><pre>POST /v2/files\nx-api-key: {KEY}\n</pre></html>");
    server.script_presign([
        Canned::json(
            401,
            json!({"error": {"code": "auth.invalid_key", "message": format!("invalid key {KEY}")}}),
        ),
        Canned::raw(502, "text/html", page),
    ]);
    let client = client(server.url(), 0);
    for _ in 0..2 {
        let error = client
            .files()
            .create(&one_file_request())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Api(_)), "{error:?}");
        assert_no_secret("an echoed key", &format!("{error} {error:?}"));
    }
}

// Secrets: neither the key nor a signature shows in trace logs (the SDK's and the HTTP
// stack's) or in any error, through the hostile cases above, run again here one after the
// other. The subscriber (see `logs`) checks every line any test of this file logs.

#[tokio::test(start_paused = true)]
async fn trace_logs_of_the_hostile_cases_show_no_key_and_no_signature() {
    let _logs = logs::capture();
    let before = logs::seen();
    let server = MockServer::start().await;
    let elsewhere = MockServer::start_elsewhere().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    let big = write_file(dir.path(), "big.bin", &vec![1u8; 300 * 1024]);
    let redirect = format!("{}/x?X-Amz-Signature={SIGNATURE}", elsewhere.url());
    let (huge, _) = Canned::huge(200, "application/json", "{", GIB);
    let long_message = json!({"error": {"code": "c", "message": "m".repeat(1_000_000)}});
    server.script_presign([
        Canned::raw(307, "text/plain", "").header("location", &redirect),
        huge,
        Canned::json(400, long_message),
    ]);
    server.script_put([Canned::raw(307, "text/plain", "").header("location", &redirect)]);
    let drip = SlowServer::drip("HTTP/1.1 200 OK\r\nx-drip: ", Duration::from_secs(1)).await;

    let mut errors = Vec::new();
    for url in [server.url(), server.url(), server.url(), server.url()] {
        let report = client(url, 1)
            .files()
            .upload(paths.iter().chain([&big]), UploadOptions::new())
            .await
            .unwrap();
        errors.extend(report.failed().map(|(_, e)| format!("{e} {e:?}")));
    }
    for url in [closed_port(), drip.url().to_string()] {
        let report = client(&url, 1)
            .files()
            .upload(&paths, UploadOptions::new())
            .await
            .unwrap();
        errors.extend(report.failed().map(|(_, e)| format!("{e} {e:?}")));
    }
    server.set_store(drip.url());
    let report = client(server.url(), 0)
        .files()
        .upload([&big], UploadOptions::new())
        .await
        .unwrap();
    errors.extend(report.failed().map(|(_, e)| format!("{e} {e:?}")));

    // API redirect, 1 GiB answer, 1 MB message: 4 files each; the store redirect: 1; refused
    // connections and the dripping API: 3 each; the dripping store: 1.
    assert_eq!(errors.len(), 4 + 4 + 4 + 1 + 3 + 3 + 1, "{errors:#?}");
    for error in &errors {
        assert_no_secret("an error", error);
    }
    let after = logs::seen();
    assert!(
        after.attempt_lines > before.attempt_lines
            && after.http_stack_lines > before.http_stack_lines,
        "the SDK's and the HTTP stack's trace logs were checked: {after:?}"
    );
    assert!(after.leaks.is_empty(), "{:#?}", after.leaks);
    assert_eq!(elsewhere.connections(), 0);
}
