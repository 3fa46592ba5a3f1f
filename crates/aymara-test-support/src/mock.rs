//! A scripted stand-in for the Files API and its object store, for tests that need exact
//! statuses, headers and bodies. Unlike the emulator it does not check keys or signatures:
//! it answers what the test scripts, records everything it receives (with
//! `tokio::time::Instant`s, so paused-clock tests can assert delays), and otherwise
//! presigns and stores like a well-behaved service.
//!
//! For hostile-server tests there are also [`Canned::huge`] (a body of any size, made as it
//! is sent), [`SlowServer`] (answers one byte at a time, or never) and [`ResetStore`]
//! (resets connections mid-body).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::serve::ListenerExt;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Canned {
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    body: Payload,
    /// How long the answer waits (tokio time) once the request is read; `None` never
    /// answers.
    delay: Option<Duration>,
}

/// What a scripted answer's body is.
#[derive(Debug, Clone)]
enum Payload {
    Bytes(Vec<u8>),
    /// `len` bytes, `prefix` then filler, made as they are sent and never held whole.
    Generated {
        prefix: Vec<u8>,
        len: u64,
        served: Served,
    },
}

/// How many bytes of a [`Canned::huge`] body the server has handed out so far: what a
/// client that stops reading early made it produce (plus what socket buffers took).
#[derive(Debug, Clone, Default)]
pub struct Served(Arc<AtomicU64>);

impl Served {
    /// Bytes handed out so far, over every answer made from the same [`Canned`].
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Canned {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Payload::Bytes(body.to_string().into_bytes()),
            delay: Some(Duration::ZERO),
        }
    }

    /// The API's error envelope.
    pub fn envelope(status: u16, code: &str, request_id: &str) -> Self {
        Self::json(
            status,
            json!({"error": {"code": code, "message": format!("scripted {status}"), "details": {"field": "files"}}, "request_id": request_id}),
        )
    }

    /// An answer with any body and content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Payload::Bytes(body.into()),
            delay: Some(Duration::ZERO),
        }
    }

    /// An answer of `len` bytes declared in `content-length`: `prefix`, then filler. The body
    /// is made 64 KiB at a time as the connection takes it, so a 1 GiB answer costs the
    /// test nothing; the returned [`Served`] tells how much of it was handed out.
    pub fn huge(status: u16, content_type: &str, prefix: &str, len: u64) -> (Self, Served) {
        let served = Served::default();
        let canned = Self {
            status,
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("content-length".into(), len.to_string()),
            ],
            body: Payload::Generated {
                prefix: prefix.as_bytes().to_vec(),
                len,
                served: served.clone(),
            },
            delay: Some(Duration::ZERO),
        };
        (canned, served)
    }

    /// An object store's XML error, as S3 sends it.
    pub fn s3_error(status: u16, code: &str) -> Self {
        Self::raw(
            status,
            "application/xml",
            format!("<Error><Code>{code}</Code></Error>"),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A store's `200 OK`, as it answers a PUT it stored.
    pub fn stored() -> Self {
        Self::raw(200, "text/plain", "")
    }

    /// The same answer, sent only `delay` (tokio time) after the request was read: a
    /// straggler.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// No answer at all: the request is read, and the connection is left hanging.
    pub fn never() -> Self {
        Self {
            delay: None,
            ..Self::stored()
        }
    }

    /// Waits as long as the answer should.
    pub(crate) async fn wait(&self) {
        match self.delay {
            Some(delay) if delay.is_zero() => {}
            Some(delay) => tokio::time::sleep(delay).await,
            None => std::future::pending().await,
        }
    }

    pub(crate) fn into_response(self) -> Response {
        let body = match self.body {
            Payload::Bytes(bytes) => Body::from(bytes),
            Payload::Generated {
                prefix,
                len,
                served,
            } => Body::from_stream(generate(prefix, len, served)),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::IM_A_TEAPOT);
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(name.as_bytes()),
                axum::http::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// `len` bytes, `prefix` first then `x`s, in chunks of up to 64 KiB made on demand.
fn generate(
    prefix: Vec<u8>,
    len: u64,
    served: Served,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let filler = Bytes::from(vec![b'x'; 64 * 1024]);
    let prefix = Bytes::from(prefix);
    stream::unfold(0u64, move |sent| {
        let next = if sent == 0 && !prefix.is_empty() {
            prefix.clone()
        } else {
            filler.clone()
        };
        let served = served.clone();
        async move {
            let left = usize::try_from(len.checked_sub(sent)?).unwrap_or(usize::MAX);
            let chunk = next.slice(..next.len().min(left));
            if chunk.is_empty() {
                return None;
            }
            served.0.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            let sent = sent + chunk.len() as u64;
            Some((Ok(chunk), sent))
        }
    })
}

/// A `POST /v2/files` the mock received.
#[derive(Debug, Clone)]
pub struct PresignCall {
    /// When it arrived (tokio time).
    pub at: Instant,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its JSON body (`Value::Null` if it was not JSON).
    pub body: Value,
}

/// A `PUT` the mock's store received.
#[derive(Debug, Clone)]
pub struct PutCall {
    /// When it arrived (tokio time).
    pub at: Instant,
    /// The object id in the URL.
    pub file_uuid: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Bytes received.
    pub size: u64,
    /// Hex SHA-256 of the bytes received.
    pub sha256: String,
}

/// Rewrites a 200 answer before it is sent (to drop a file, say).
pub type AnswerHook = Box<dyn Fn(&mut Value) + Send + Sync>;

#[derive(Default)]
struct Shared {
    presign_script: Mutex<VecDeque<Canned>>,
    put_script: Mutex<VecDeque<Canned>>,
    presigns: Mutex<Vec<PresignCall>>,
    puts: Mutex<Vec<PutCall>>,
    answer_hook: Mutex<Option<AnswerHook>>,
    store_base: Mutex<String>,
    next_id: Mutex<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running mock. Dropping it stops the server.
pub struct MockServer {
    base_url: String,
    shared: Arc<Shared>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts on a free port of 127.0.0.1 in the current runtime.
    pub async fn start() -> Self {
        Self::start_at(Ipv4Addr::LOCALHOST).await
    }

    /// Starts on [`ELSEWHERE`], another host than [`MockServer::start`]'s: the target of a
    /// redirect, which records whatever reaches it.
    pub async fn start_elsewhere() -> Self {
        Self::start_at(ELSEWHERE).await
    }

    async fn start_at(ip: Ipv4Addr) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((IpAddr::V4(ip), 0)))
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let shared = Arc::new(Shared::default());
        *lock(&shared.store_base) = base_url.clone();
        let app = Router::new()
            .route("/v2/files", post(presign))
            .route("/store/{uuid}", put(store))
            .with_state(shared.clone());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url,
            shared,
            connections,
            task,
        }
    }

    /// The base URL to give the client.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// A client for this server (key `test-key`) with the given retry budget.
    pub fn client(&self, max_retries: u32) -> aymara::Client {
        aymara::Client::builder()
            .api_key("test-key")
            .base_url(self.url())
            .max_retries(max_retries)
            .build()
            .expect("a loopback base URL is valid")
    }

    /// Answers the next presign calls with these, in order, before behaving normally.
    pub fn script_presign(&self, answers: impl IntoIterator<Item = Canned>) {
        lock(&self.shared.presign_script).extend(answers);
    }

    /// Answers the next PUTs with these, in order (after reading the body), before storing
    /// normally.
    pub fn script_put(&self, answers: impl IntoIterator<Item = Canned>) {
        lock(&self.shared.put_script).extend(answers);
    }

    /// Rewrites every normal 200 presign answer before it is sent.
    pub fn on_answer(&self, hook: impl Fn(&mut Value) + Send + Sync + 'static) {
        *lock(&self.shared.answer_hook) = Some(Box::new(hook));
    }

    /// Sends presigned URLs to another store (a [`ResetStore`], say).
    pub fn set_store(&self, base_url: &str) {
        *lock(&self.shared.store_base) = base_url.to_string();
    }

    /// Every presign call so far.
    pub fn presigns(&self) -> Vec<PresignCall> {
        lock(&self.shared.presigns).clone()
    }

    /// Every PUT so far.
    pub fn puts(&self) -> Vec<PutCall> {
        lock(&self.shared.puts).clone()
    }

    /// TCP connections accepted so far, whatever came over them (or nothing).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

/// The loopback address [`MockServer::start_elsewhere`] and nothing else listens on: another
/// host as far as a client can tell.
pub const ELSEWHERE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

async fn presign(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    lock(&shared.presigns).push(PresignCall {
        at: Instant::now(),
        headers,
        body: body.clone(),
    });
    let scripted = lock(&shared.presign_script).pop_front();
    if let Some(canned) = scripted {
        return canned.into_response();
    }
    let store = lock(&shared.store_base).clone();
    let files: Vec<Value> = body["files"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            let id = {
                let mut next = lock(&shared.next_id);
                *next += 1;
                *next
            };
            let uuid = format!("00000000-0000-4000-8000-{id:012}");
            let path = item["local_file_path"].as_str().unwrap_or_default().to_string();
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            json!({
                "local_file_path": path,
                "file_uuid": uuid,
                "file_url": format!("{store}/store/{uuid}?X-Amz-Expires=900&X-Amz-Signature=sig{id}secret"),
                "remote_file_path": format!("files/{uuid}/{name}"),
            })
        })
        .collect();
    let mut answer = json!({"workspace_uuid": body["workspace_uuid"], "files": files});
    if let Some(hook) = &*lock(&shared.answer_hook) {
        hook(&mut answer);
    }
    ([("x-request-id", "req-mock-ok")], axum::Json(answer)).into_response()
}

async fn store(
    State(shared): State<Arc<Shared>>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                size += chunk.len() as u64;
                hasher.update(&chunk);
            }
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    lock(&shared.puts).push(PutCall {
        at: Instant::now(),
        file_uuid: uuid,
        headers,
        size,
        sha256: hex::encode(hasher.finalize()),
    });
    let scripted = lock(&shared.put_script).pop_front();
    match scripted {
        Some(canned) => {
            canned.wait().await;
            canned.into_response()
        }
        None => (StatusCode::OK, [("etag", "\"mock\"")]).into_response(),
    }
}

/// A raw TCP object store that resets the first `resets` connections partway through the
/// body (the client sees the connection die, not a status), then accepts every PUT.
pub struct ResetStore {
    base_url: String,
    stored: Arc<Mutex<Vec<(String, u64)>>>,
    resets_done: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ResetStore {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ResetStore {
    /// Starts on a free loopback port.
    pub async fn start(resets: usize) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let stored = Arc::new(Mutex::new(Vec::new()));
        let resets_done = Arc::new(Mutex::new(0));
        let (stored_in, resets_in) = (stored.clone(), resets_done.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let stored = stored_in.clone();
                let resets_done = resets_in.clone();
                tokio::spawn(async move {
                    loop {
                        // Read one request head.
                        let mut head = Vec::new();
                        let mut byte = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            match socket.read(&mut byte).await {
                                Ok(1) => head.push(byte[0]),
                                _ => return,
                            }
                        }
                        let head = String::from_utf8_lossy(&head).to_lowercase();
                        let path = head
                            .split_whitespace()
                            .nth(1)
                            .unwrap_or_default()
                            .to_string();
                        let length: u64 = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        let reset = {
                            let mut done = lock(&resets_done);
                            let reset = *done < resets;
                            if reset {
                                *done += 1;
                            }
                            reset
                        };
                        if reset {
                            let mut part = vec![0u8; (length / 2).clamp(1, 64 * 1024) as usize];
                            let _ = socket.read_exact(&mut part).await;
                            let _ = socket2::SockRef::from(&socket)
                                .set_linger(Some(std::time::Duration::ZERO));
                            return;
                        }
                        let mut left = length;
                        let mut buf = vec![0u8; 64 * 1024];
                        while left > 0 {
                            let want = buf.len().min(left as usize);
                            match socket.read(&mut buf[..want]).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => left -= n as u64,
                            }
                        }
                        lock(&stored).push((path, length));
                        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if socket.write_all(ok).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            base_url,
            stored,
            resets_done,
            task,
        }
    }

    /// The base URL to hand to [`MockServer::set_store`].
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// `(request path, bytes)` of every PUT accepted in full.
    pub fn stored(&self) -> Vec<(String, u64)> {
        lock(&self.stored).clone()
    }

    /// Connections reset so far.
    pub fn resets(&self) -> usize {
        *lock(&self.resets_done)
    }
}

/// A raw TCP server that is slow on purpose, for time-limit tests on the paused clock.
pub struct SlowServer {
    base_url: String,
    connections: Arc<AtomicUsize>,
    dripped: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How a [`SlowServer`] treats each request.
#[derive(Debug, Clone)]
enum Pace {
    /// Read everything, answer nothing.
    Silent,
    /// Answer `head` at once, then one byte every `every`.
    Drip { head: Vec<u8>, every: Duration },
    /// Read the declared body at `rate` bytes a second, then answer 200.
    Read { rate: u64 },
}

impl SlowServer {
    /// Accepts every connection, reads every request, and never sends a byte back.
    pub async fn silent() -> Self {
        Self::start(Pace::Silent).await
    }

    /// Answers each request with `head` at once, then one byte every `every` (`x`, which
    /// continues whatever `head` left open: a header value, or a declared body).
    pub async fn drip(head: &str, every: Duration) -> Self {
        Self::start(Pace::Drip {
            head: head.as_bytes().to_vec(),
            every,
        })
        .await
    }

    /// Reads each request's body (its `content-length`) at `rate` bytes a second, a tenth
    /// of a second at a time, then answers `200 OK`: a slow but steady store.
    pub async fn reading_at(rate: u64) -> Self {
        Self::start(Pace::Read { rate }).await
    }

    async fn start(pace: Pace) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let dripped = Arc::new(AtomicU64::new(0));
        let (accepted, drips) = (connections.clone(), dripped.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve_slowly(socket, pace.clone(), drips.clone()));
            }
        });
        Self {
            base_url,
            connections,
            dripped,
            task,
        }
    }

    /// The base URL to give a client, or to hand to [`MockServer::set_store`].
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Bytes dripped so far, over every connection.
    pub fn dripped(&self) -> u64 {
        self.dripped.load(Ordering::Relaxed)
    }
}

/// One connection of a [`SlowServer`]: its first request, at its pace.
async fn serve_slowly(socket: tokio::net::TcpStream, pace: Pace, dripped: Arc<AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (mut reader, mut writer) = socket.into_split();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    // Small reads, so that little of a body is taken along with the head.
    let head_end = loop {
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match reader.read(&mut buf[..256]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let (head, every) = match pace {
        Pace::Read { rate } => {
            let length: u64 = String::from_utf8_lossy(&seen[..head_end])
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let step = usize::try_from((rate / 10).max(1)).unwrap_or(usize::MAX);
            let mut left = length.saturating_sub((seen.len() - head_end) as u64);
            while left > 0 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let want = buf
                    .len()
                    .min(step)
                    .min(usize::try_from(left).unwrap_or(step));
                match reader.read(&mut buf[..want]).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => left -= n as u64,
                }
            }
            let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
            let _ = writer.write_all(ok).await;
            return;
        }
        Pace::Silent => (Vec::new(), None),
        Pace::Drip { head, every } => (head, Some(every)),
    };
    // Whatever else comes (a request body) is read and dropped.
    tokio::spawn(async move { while let Ok(1..) = reader.read(&mut buf).await {} });
    if writer.write_all(&head).await.is_err() {
        return;
    }
    let Some(every) = every else {
        // Hold the connection open without a word: dropping the writer would end it.
        let _writer = writer;
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(every).await;
        if writer.write_all(b"x").await.is_err() {
            return;
        }
        dripped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A presign request for one file, `a.csv`.
pub fn one_file_request() -> aymara::types::CreateRequest {
    aymara::types::CreateRequest::new().file(aymara::types::CreateFile::local("a.csv"))
}
