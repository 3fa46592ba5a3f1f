//! The `aymara` binary against hostile or broken servers and hostile input, where the exit
//! status and the lines on stderr are the point. The SDK's side of each case, with time
//! measured on tokio's paused clock, is in `tests/tests/suite/hostile.rs`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use aymara_test_support::cli::{Invocation, Run, output};
use aymara_test_support::mock::{Canned, MockServer};
use aymara_test_support::write_file;
use rustls::pki_types::PrivateKeyDer;
use serde_json::{Value, json};

use crate::AYMARA;

/// The API key of every run: it must show up nowhere.
const KEY: &str = "sk-KEY-SENTINEL-7731";
/// A signature planted in redirect targets; the mock's own presigned URLs carry `…secret`.
const SIGNATURE: &str = "SIGNATURE-SENTINEL";

async fn aymara(server: &MockServer, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: server.url(),
            key: Some(KEY),
            dir,
            args,
            rust_log: None,
        })
        .await
}

/// `count` small files `f0000.csv`… in `dir`, as arguments relative to it.
fn small_files(dir: &Path, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let name = format!("f{i:04}.csv");
            write_file(dir, &name, b"a,b\n");
            name
        })
        .collect()
}

/// `files upload` with `extra` flags, then `paths`.
fn upload_args<'a>(extra: &[&'a str], paths: &'a [String]) -> Vec<&'a str> {
    let mut args = vec!["files", "upload"];
    args.extend(extra);
    args.extend(paths.iter().map(String::as_str));
    args
}

fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

/// Checks that `text` shows no secret and no raw control character but line ends and tabs.
fn assert_clean(what: &str, text: &str) {
    for secret in [KEY, SIGNATURE, "secret", "X-Amz-Signature="] {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
    let raw = text
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\n' | '\t'));
    assert!(raw.is_none(), "{what} has a raw {raw:?}:\n{text}");
}

// Bad input is refused before any request (exit 2), one line per path.

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifos_devices_and_non_utf8_names_exit_2_before_any_connection() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    write_file(root, "ok.csv", b"a\n");
    std::fs::create_dir(root.join("tree")).unwrap();
    write_file(root, "tree/ok.csv", b"a\n");
    write_file(root, OsStr::from_bytes(b"tree/bad\xffname.csv"), b"a\n");
    let not_utf8 = "the name is not valid UTF-8, so it cannot be sent to the API; rename the file";
    let cases: [(&[&str], Vec<String>); 3] = [
        (
            &["ok.csv", "pipe"],
            vec!["error: pipe: is not a regular file (a FIFO)".into()],
        ),
        (
            &["/dev/zero", "ok.csv"],
            vec!["error: /dev/zero: is not a regular file (a character device)".into()],
        ),
        (
            &["-r", "tree", "pipe"],
            vec![
                format!("error: tree/bad\\xffname.csv: {not_utf8}"),
                "error: pipe: is not a regular file (a FIFO)".into(),
            ],
        ),
    ];
    for (args, lines) in cases {
        let mut all = vec!["files", "upload"];
        all.extend(args);
        let run = aymara(&server, root, &all).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().collect::<Vec<_>>(), lines, "{args:?}");
        assert_eq!(run.stdout, "");
    }
    // A non-UTF-8 name given on the command line.
    let mut command = AYMARA.command(&Invocation {
        base_url: server.url(),
        key: Some(KEY),
        dir: root,
        args: &["files", "upload", "ok.csv"],
        rust_log: None,
    });
    command.arg(OsStr::from_bytes(b"tree/bad\xffname.csv"));
    let run = output(command).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        format!("error: tree/bad\\xffname.csv: {not_utf8}")
    );
    assert_eq!(server.connections(), 0, "no request at all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_exits_2_before_any_connection() {
    use std::os::unix::fs::PermissionsExt;

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "ok.csv", b"a\n");
    let locked = write_file(dir.path(), "locked.csv", b"a\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = AYMARA
        .run_unprivileged(Invocation {
            base_url: server.url(),
            key: Some(KEY),
            dir: dir.path(),
            // That user cannot write a journal here: keep none, so stderr is the refusal alone.
            args: &["files", "upload", "--no-journal", "ok.csv", "locked.csv"],
            rust_log: None,
        })
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "error: locked.csv: Permission denied (os error 13)"
    );
    assert_eq!(server.connections(), 0, "no request at all");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_are_not_visible_ascii_exit_2_naming_the_variable() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "ok.csv", b"a\n");
    let keys: [&OsStr; 4] = [
        OsStr::new("sk-é-non-ascii"),
        OsStr::new("sk with-space"),
        OsStr::new("sk-\u{1b}[31m-escape"),
        OsStr::from_bytes(b"sk-\xff-not-utf8"),
    ];
    for key in keys {
        let mut command = AYMARA.command(&Invocation {
            base_url: server.url(),
            key: None,
            dir: dir.path(),
            args: &["files", "upload", "ok.csv"],
            rust_log: None,
        });
        command.env("AYMARA_AI_API_KEY", key);
        let run = output(command).await;
        assert_eq!(run.code, 2, "{key:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim_end(),
            "error: AYMARA_AI_API_KEY must be printable ASCII without spaces; it contains another character",
            "{key:?}"
        );
    }
    assert_eq!(server.connections(), 0, "no request at all");
}

// Names and server text reach the terminal escaped, on one line each.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_server_text_with_escapes_print_as_one_escaped_line() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let evil = "evil\n\u{1b}[31mred\u{202e}.csv";
    write_file(dir.path(), evil, b"a\n");
    write_file(dir.path(), "ok.csv", b"a\n");
    server.script_put([Canned::raw(
        403,
        "application/xml",
        "<Error><Code>AccessDenied</Code><Message>go&#10;away\u{9b}2J</Message></Error>",
    )]);
    let run = aymara(
        &server,
        dir.path(),
        &["files", "upload", "--concurrency", "1", evil, "ok.csv"],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with("error: evil\\n\\u{1b}[31mred\\u{202e}.csv: storage refused PUT"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("AccessDenied: go away\\u{9b}2J"),
        "{}",
        lines[0]
    );
    assert!(
        run.stdout.starts_with("Uploaded 1 of 2 files"),
        "{}",
        run.stdout
    );
    assert_clean("stdout", &run.stdout);
    assert_clean("stderr", &run.stderr);

    server.script_presign([Canned::json(
        400,
        json!({"error": {"code": "x\u{1b}[2J", "message": "no\n\u{1b}]0;owned\u{7}"}}),
    )]);
    // ok.csv is in the journal now: --force sends it again, to meet the refusal.
    let run = aymara(
        &server,
        dir.path(),
        &["files", "upload", "--force", "ok.csv"],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_clean("stderr", &run.stderr);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_under_recursive_are_skipped_and_reported_unless_followed() {
    use std::os::unix::fs::symlink;

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    write_file(root, "outside/secret.txt", b"private");
    write_file(root, "data/a.csv", b"a\n");
    symlink(root.join("outside"), root.join("data/elsewhere")).unwrap();
    symlink(
        root.join("outside/secret.txt"),
        root.join("data/li\nnk.txt"),
    )
    .unwrap();

    let run = aymara(&server, root, &["files", "upload", "--json", "-r", "data"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let skipped = "skipped a symbolic link (use --follow-symlinks to upload what it points to)";
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        [
            format!("warning: data/elsewhere: {skipped}"),
            format!("warning: data/li\\nnk.txt: {skipped}"),
        ]
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 1);
    assert_eq!(json["files"][0]["local_file_path"], "data/a.csv");
    assert_eq!(
        server.puts().len(),
        1,
        "nothing from outside the tree was sent"
    );

    let run = aymara(
        &server,
        root,
        &[
            "files",
            "upload",
            "--json",
            "-r",
            "--follow-symlinks",
            "--no-journal",
            "data",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 3, "{json}");
}

// A dead API: with the command line's defaults, one batch's retries, one probe, then every
// file fails at once with the first cause, on one line. (The time this takes is asserted on
// the paused clock in `tests/tests/suite/hostile.rs`.)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_api_down_1000_files_fail_fast_on_one_line() {
    let server = MockServer::start().await;
    server.script_presign((0..100).map(|_| {
        Canned::envelope(503, "server.internal_error", "req-down").header("retry-after-ms", "1")
    }));
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1000);
    // The defaults: 5 retries per call.
    let run = aymara(&server, dir.path(), &upload_args(&[], &paths)).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with("error: 1000 files (f0000.csv and others): API error 503")
            && lines[0].ends_with("(request id req-down)"),
        "{}",
        lines[0]
    );
    let calls = server.presigns().len();
    assert!(
        calls <= 2 * 6 + 1,
        "{calls} calls: two batches' attempts and one probe at most"
    );

    // Nothing listening. One retry keeps this quick: the backoff of the default 5 adds up
    // to 15 s of real time here.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = AYMARA
        .run(Invocation {
            base_url: &closed,
            key: Some(KEY),
            dir: dir.path(),
            args: &upload_args(&["--json", "--max-retries", "1"], &paths),
            rust_log: None,
        })
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "error: 1000 files (f0000.csv and others): connection to {closed}/ failed"
        )) && lines[0].contains("Connection refused"),
        "{}",
        lines[0]
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["failed"].as_array().unwrap().len(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_with_a_huge_message_prints_bounded_output() {
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
    let run = aymara(&server, dir.path(), &upload_args(&["--json"], &paths)).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].len() < 1024 && lines[0].ends_with("more bytes]"),
        "{}",
        lines[0]
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["failed"].as_array().unwrap().len(), 1000);
    assert!(
        run.stdout.len() < 1000 * 1024,
        "{} bytes of JSON for 1,000 files",
        run.stdout.len()
    );
}

// With RUST_LOG=trace, the hostile cases print neither the key nor a signature.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_runs_of_the_hostile_cases_show_no_key_and_no_signature() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start_elsewhere().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 3);
    let redirect = format!("{}/x?X-Amz-Signature={SIGNATURE}", elsewhere.url());
    let (huge, _) = Canned::huge(200, "application/json", "{", 1 << 30);
    server.script_presign([
        Canned::raw(307, "text/plain", "").header("location", &redirect),
        huge,
        Canned::json(
            400,
            json!({"error": {"code": "c", "message": "m".repeat(1_000_000)}}),
        ),
    ]);
    let args = upload_args(&["--json", "--max-retries", "1"], &paths);
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(trace_run(&server, dir.path(), &args).await);
    }
    server.script_put([Canned::raw(307, "text/plain", "").header("location", &redirect)]);
    runs.push(trace_run(&server, dir.path(), &args).await);
    let create = ["files", "create", "a.csv"];
    runs.push(trace_run(&server, dir.path(), &create).await);

    assert!(runs[0].stderr.contains("TRACE"), "trace logging was on");
    let codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    assert_eq!(codes, [1, 1, 1, 1, 0]);
    for run in &runs[..4] {
        assert_eq!(error_lines(&run.stderr).len(), 1, "{}", run.stderr);
    }
    for run in &runs {
        assert_clean("stdout", &run.stdout);
        for secret in [KEY, SIGNATURE, "secret", "X-Amz-Signature="] {
            assert!(
                !run.stderr.contains(secret),
                "the logs show {secret}:\n{}",
                run.stderr
            );
        }
    }
    assert_eq!(elsewhere.connections(), 0);
}

async fn trace_run(server: &MockServer, dir: &Path, args: &[&str]) -> Run {
    AYMARA
        .run(Invocation {
            base_url: server.url(),
            key: Some(KEY),
            dir,
            args,
            rust_log: Some("trace"),
        })
        .await
}

/// A file over S3's 5 GiB single-PUT limit is refused at planning: exit 2, one line naming
/// the file, its size and the limit, and no presign spent on it (nor on the other files).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_5_gib_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Sparse: 5 GiB and one byte, with no block written.
    let size = aymara::MAX_FILE_SIZE + 1;
    std::fs::File::create(dir.path().join("huge video.mp4"))
        .unwrap()
        .set_len(size)
        .unwrap();
    write_file(dir.path(), "small.csv", b"a,b\n");

    let run = aymara(
        &server,
        dir.path(),
        &["files", "upload", "small.csv", "huge video.mp4"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "error: huge video.mp4: is {size} bytes, over the 5 GiB ({} bytes) limit of a \
             single presigned upload\n",
            aymara::MAX_FILE_SIZE
        )
    );
    assert_eq!(run.stdout, "");
    assert_eq!((server.presigns().len(), server.puts().len()), (0, 0));
}

/// Stdout that fails (a full disk, not a reader that went away) costs no failure line:
/// each file's failure is still on stderr next to the output error, and the exit status
/// says a file failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_stdout_loses_no_failure_line() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "a.csv", b"a\n");
    write_file(dir.path(), "b.csv", b"b\n");
    for format in ["--ndjson", "--json"] {
        let server = MockServer::start().await;
        server.script_put([Canned::s3_error(403, "AccessDenied")]);
        let args = [
            "files",
            "upload",
            format,
            "--no-journal",
            "--max-retries",
            "0",
            "--concurrency",
            "1",
            "a.csv",
            "b.csv",
        ];
        let mut command = AYMARA.command(&Invocation {
            base_url: server.url(),
            key: Some(KEY),
            dir: dir.path(),
            args: &args,
            rust_log: None,
        });
        command.stdout(std::fs::File::create("/dev/full").unwrap());
        let run = output(command).await;
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stderr.contains("AccessDenied"),
            "{format}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("error: cannot write output"),
            "{format}: {}",
            run.stderr
        );
    }
}

/// An https API that redirects to plain http: nothing goes down to http, the key least of
/// all; the run fails with one line naming the redirect. The API speaks real TLS, with a
/// certificate the CLI trusts through `SSL_CERT_FILE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_api_redirecting_to_plain_http_sends_nothing_there() {
    let plain = MockServer::start_elsewhere().await;
    let location = format!("{}/v2/files", plain.url());
    let api = TlsRedirect::start(&location).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = small_files(dir.path(), 1);
    let trusted = dir.path().join("api-cert.pem");
    std::fs::write(&trusted, &api.cert_pem).unwrap();
    let args = upload_args(&["--max-retries", "0"], &paths);
    let mut command = AYMARA.command(&Invocation {
        base_url: &api.url,
        key: Some(KEY),
        dir: dir.path(),
        args: &args,
        rust_log: None,
    });
    command.env("SSL_CERT_FILE", &trusted);
    let run = output(command).await;

    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines = error_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("307") && lines[0].contains("redirect"),
        "{}",
        lines[0]
    );
    assert_clean("stderr", &run.stderr);
    let heads = api.heads();
    assert_eq!(
        heads.len(),
        1,
        "one presign over https, not retried: {heads:?}"
    );
    assert!(
        heads[0].contains(KEY),
        "the key went to the base URL's host only"
    );
    assert_eq!(plain.connections(), 0, "nothing went down to http");
}

/// An https server that answers every request with a 307 to `location`, and keeps each
/// request's head. Its certificate (for `localhost`) is made for the test.
struct TlsRedirect {
    url: String,
    cert_pem: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl TlsRedirect {
    async fn start(location: &str) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::try_from(made.signing_key.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![made.cert.der().clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads: Arc<Mutex<Vec<String>>> = Arc::default();
        let answer = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\n\
             connection: close\r\n\r\n"
        );
        let kept = heads.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, kept, answer) = (acceptor.clone(), kept.clone(), answer.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let (mut head, mut buf) = (Vec::new(), [0u8; 4096]);
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    kept.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self {
            url: format!("https://localhost:{port}"),
            cert_pem: made.cert.pem(),
            heads,
        }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}
