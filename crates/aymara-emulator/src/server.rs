//! The accept loop: one task per connection, so connections can be counted and one can be
//! reset from inside a handler, which `axum::serve` does not allow.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::answer::{ApiError, RequestId};
use crate::api;
use crate::connection::ConnectionHandle;
use crate::state::Shared;
use crate::stats::bump;
use crate::store;

/// The routes, the request id and the injected latency.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v2/files", post(api::post_files).get(api::list_files))
        .route(
            "/v2/files/-/uploads",
            // The upload streams its part with its own limits.
            post(api::upload_file).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/v2/files/{file_uuid}",
            get(api::get_file).delete(api::delete_file),
        )
        .route("/v2/files/{file_uuid}/status", get(api::get_status))
        .route("/v2/files/{file_uuid}/frames", get(api::get_frames))
        .fallback(store_or_not_found)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            request_context,
        ))
        .with_state(shared)
}

/// Outermost middleware: gives each request an id (current while it is handled, for error
/// bodies, and as `x-request-id` on every answer) and adds the configured latency.
async fn request_context(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let id = RequestId::new();
    let latency = if request.uri().path().starts_with(&shared.store_prefix) {
        shared.faults.store_latency
    } else {
        shared.faults.api_latency
    };
    let mut response = id.clone().scope(next.run(request)).await;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Paths under `/<bucket>/` are the store's, answered in its XML; the rest get the API's
/// JSON 404. The store decodes its keys from the raw path itself.
async fn store_or_not_found(
    State(shared): State<Arc<Shared>>,
    connection: Option<Extension<ConnectionHandle>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if uri.path().starts_with(&shared.store_prefix) {
        return store::handle(State(shared), connection, method, uri, headers, body).await;
    }
    ApiError::NotFound {
        message: "no such route".to_owned(),
    }
    .into_response()
}

/// Signals for the connection tasks.
#[derive(Clone)]
pub(crate) struct Stop {
    /// Stop accepting; finish in-flight requests, then close.
    pub(crate) graceful: CancellationToken,
    /// Drop every connection now.
    pub(crate) hard: CancellationToken,
}

/// What bounds the connections a client can hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
}

/// Accepts until `stop.graceful` fires, serving each connection on `tracker`, at most
/// `limits.max_connections` at once: past that it stops accepting, so further clients wait
/// in the listen backlog rather than in the emulator's memory.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    limits: ConnectionLimits,
    stop: Stop,
    tracker: TaskTracker,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let slot = tokio::select! {
            () = stop.graceful.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        // The semaphore is never closed, so this cannot fail; stop rather than spin if it did.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = stop.graceful.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                bump(&shared.counters.connections_accepted);
                let connection = serve_connection(
                    stream,
                    router.clone(),
                    shared.clone(),
                    limits.header_read_timeout,
                    stop.clone(),
                );
                tracker.spawn(async move {
                    connection.await;
                    drop(slot);
                });
            }
            Err(e) => {
                // Usually out of file descriptors: pause instead of spinning.
                tracing::warn!(error = %e, "emulator: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    shared: Arc<Shared>,
    header_read_timeout: Duration,
    stop: Stop,
) {
    let _ = stream.set_nodelay(true);
    // A second descriptor for the same socket, kept to set SO_LINGER 0 after hyper owns
    // the stream: the RST is sent when the last descriptor closes.
    let (stream, linger_fd) = match duplicate(stream) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(error = %e, "emulator: cannot duplicate a connection's socket");
            return;
        }
    };
    let handle = ConnectionHandle::default();
    let service = TowerToHyperService::new(router.layer(Extension(handle.clone())));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        // Keep writing after the client half-closes, so a short body still gets its 400.
        .half_close(true)
        // Also closes kept-alive connections idle for that long.
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let mut connection = Box::pin(builder.serve_connection(TokioIo::new(stream), service));
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    if e.is_timeout() {
                        bump(&shared.counters.header_timeouts);
                    }
                    tracing::debug!(error = %e, "emulator: connection ended with an error");
                }
                break;
            }
            () = handle.reset_requested() => {
                if let Err(e) = linger_fd.set_linger(Some(Duration::ZERO)) {
                    tracing::warn!(error = %e, "emulator: cannot set SO_LINGER for a reset");
                }
                break;
            }
            () = stop.graceful.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            () = stop.hard.cancelled() => break,
        }
    }
    // The connection (and any handler in it) first, then the last descriptor.
    drop(connection);
    drop(linger_fd);
}

fn duplicate(stream: TcpStream) -> std::io::Result<(TcpStream, socket2::Socket)> {
    let socket = socket2::Socket::from(stream.into_std()?);
    let dup = socket.try_clone()?;
    let stream = TcpStream::from_std(std::net::TcpStream::from(socket))?;
    Ok((stream, dup))
}
