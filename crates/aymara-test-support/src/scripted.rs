//! A server that answers every request with the next scripted [`Canned`] answer, whatever
//! its method and path, and records what it received. For the calls the presign-and-PUT
//! [`MockServer`](crate::mock::MockServer) does not serve (listing, status, the multipart
//! upload), when a test needs an exact answer the emulator would never give.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

use crate::mock::Canned;

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its method.
    pub method: Method,
    /// Its path and query.
    pub uri: Uri,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Canned>>,
    received: Mutex<Vec<Received>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running server; dropping it stops it.
pub struct ScriptedServer {
    base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    /// Starts on a free loopback port in the current runtime, answering `script` in order,
    /// then 500 to anything more.
    pub async fn start(script: impl IntoIterator<Item = Canned>) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            received: Mutex::default(),
        });
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url,
            shared,
            task,
        }
    }

    /// The base URL to give the client.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// A client for this server (key `test-key`) with the given retries.
    pub fn client(&self, max_retries: u32) -> aymara::Client {
        aymara::Client::builder()
            .api_key("test-key")
            .base_url(self.url())
            .max_retries(max_retries)
            .build()
            .expect("a loopback base URL is valid")
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&shared.received).push(Received {
        method,
        uri,
        headers,
        body,
    });
    let next = lock(&shared.script).pop_front();
    next.unwrap_or_else(|| Canned::envelope(500, "server.internal_error", "unscripted"))
        .into_response()
}
