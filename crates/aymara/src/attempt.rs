//! One attempt at one HTTP exchange, the same way for API calls and presigned transfers:
//! its tracing span, its time limit, and what is recorded about its answer.
//!
//! The loops that retry (an API call's, a file's transfer) number the attempts with
//! [`Retries`](crate::retry::Retries), so `attempt` means the same in every log line.

use std::future::Future;
use std::time::Duration;

use http::StatusCode;
use tracing::Instrument;

use crate::Error;

/// What an attempt's answer tells the log.
pub(crate) trait Answered {
    /// The HTTP status.
    fn status(&self) -> StatusCode;
    /// The request id the server gave, if any.
    fn request_id(&self) -> Option<&str>;
}

/// Which attempt this is, at what, and how long it may take.
pub(crate) struct Attempt<'a> {
    /// `post_files`, `put_file`, …
    pub operation: &'static str,
    /// 1 for the first.
    pub number: u32,
    /// The URL, already redacted: for the timeout error.
    pub url: &'a str,
    /// The whole attempt's limit, reading the answer included; `None` when the exchange
    /// keeps its own (a transfer's watchdog).
    pub limit: Option<Duration>,
    /// The file it concerns, for transfers.
    pub file_uuid: Option<&'a str>,
}

impl Attempt<'_> {
    /// Runs `exchange` under this attempt's span and time limit.
    pub(crate) async fn run<T: Answered>(
        self,
        exchange: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let span = tracing::debug_span!(
            "aymara.attempt",
            operation = self.operation,
            attempt = self.number,
            file_uuid = self.file_uuid,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let (url, limit) = (self.url, self.limit);
        async move {
            let result = match limit {
                Some(limit) => match tokio::time::timeout(limit, exchange).await {
                    Ok(result) => result,
                    Err(_elapsed) => Err(Error::Timeout {
                        url: url.to_owned(),
                        after: limit,
                    }),
                },
                None => exchange.await,
            };
            let span = tracing::Span::current();
            let (status, request_id) = match &result {
                Ok(answer) => (Some(answer.status()), answer.request_id()),
                Err(error) => (error.status(), error.request_id()),
            };
            if let Some(status) = status {
                span.record("status", status.as_u16());
            }
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
            match &result {
                Ok(_) => tracing::debug!("answered"),
                Err(error) => tracing::debug!(%error, "failed"),
            }
            result
        }
        .instrument(span)
        .await
    }
}
