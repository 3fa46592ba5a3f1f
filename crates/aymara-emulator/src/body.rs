//! Reading request bodies with a deadline per chunk: a client that stops sending is cut
//! off instead of holding a connection, a task and a temporary file forever.

use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use bytes::Bytes;
use futures_util::StreamExt;

/// Why a body could not be read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// The connection failed or the framing was broken (say, it closed early).
    Read,
    /// No byte arrived for the idle timeout.
    Stalled,
    /// More than the limit arrived (only from [`read_limited`]).
    TooLarge,
}

/// A body's chunks, each awaited for at most `idle`.
pub(crate) struct IdleBody {
    stream: BodyDataStream,
    idle: Duration,
}

impl IdleBody {
    pub(crate) fn new(body: Body, idle: Duration) -> Self {
        IdleBody {
            stream: body.into_data_stream(),
            idle,
        }
    }

    /// The next chunk; `None` at the end of the body.
    pub(crate) async fn next(&mut self) -> Option<Result<Bytes, BodyError>> {
        match tokio::time::timeout(self.idle, self.stream.next()).await {
            Err(_) => Some(Err(BodyError::Stalled)),
            Ok(None) => None,
            Ok(Some(chunk)) => Some(chunk.map_err(|_| BodyError::Read)),
        }
    }
}

/// Reads at most `limit` bytes, stopping as soon as more arrive.
pub(crate) async fn read_limited(
    body: Body,
    limit: usize,
    idle: Duration,
) -> Result<Vec<u8>, BodyError> {
    let mut body = IdleBody::new(body, idle);
    let mut buf = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}
