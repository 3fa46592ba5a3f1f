//! Neither the API key nor a presigned URL's signature may appear in errors, `Debug` output
//! or `tracing` events at any level, on success or on any failure path.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aymara::{Client, UploadOptions};
use aymara_test_support::mock::{Canned, MockServer, ResetStore};

const KEY: &str = "sk-SENTINEL-4242";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} shows the key:\n{text}");
    assert!(
        !text.contains("secret"),
        "{what} shows a signature:\n{text}"
    );
    assert!(
        !text.contains("X-Amz-Signature="),
        "{what} shows a signature:\n{text}"
    );
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_debug_through_every_path() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("{i}.csv"));
            std::fs::write(&path, vec![b'x'; 200_000]).unwrap();
            path
        })
        .collect();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .max_retries(1)
        .build()
        .unwrap();
    let mut texts = vec![format!("{client:?}")];

    // Success, then retried and final failures of presign and PUT.
    let report = client
        .files()
        .upload(&paths, UploadOptions::new())
        .await
        .unwrap();
    assert!(report.is_success());
    server.script_presign([
        Canned::envelope(503, "server.internal_error", "r1").header("retry-after-ms", "1"),
        Canned::envelope(401, "auth.invalid_key", "r2"),
    ]);
    texts.extend(failures(&client, &paths).await);
    server.script_put([
        Canned::s3_error(500, "InternalError").header("retry-after-ms", "1"),
        Canned::s3_error(403, "SignatureDoesNotMatch"),
    ]);
    texts.extend(failures(&client, &paths).await);
    server.on_answer(|answer| {
        answer["files"][0]["file_url"] = "http://insecure.example/x?X-Amz-Signature=secret".into();
    });
    texts.extend(failures(&client, &paths).await);

    // Connections reset mid-body.
    let resets = MockServer::start().await;
    let store = ResetStore::start(10).await;
    resets.set_store(store.url());
    let reset_client = Client::builder()
        .api_key(KEY)
        .base_url(resets.url())
        .max_retries(1)
        .build()
        .unwrap();
    texts.extend(failures(&reset_client, &paths).await);
    assert!(store.resets() >= 2, "the reset path was exercised");

    drop(_guard);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("operation=\"put_file\""),
        "trace logs were captured:\n{logs}"
    );
    assert_clean("the logs", &logs);
    for text in texts {
        assert_clean("an error", &text);
    }
}

/// Runs an upload that is expected to fail somewhere, and returns every error as text.
async fn failures(client: &Client, paths: &[PathBuf]) -> Vec<String> {
    let report = client
        .files()
        .upload(paths, UploadOptions::new())
        .await
        .unwrap();
    let texts: Vec<String> = report
        .failed()
        .flat_map(|(_, e)| [e.to_string(), format!("{e:?}")])
        .collect();
    assert!(!texts.is_empty(), "this path was expected to fail");
    texts
}
