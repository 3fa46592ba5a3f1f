//! One `PUT` of one file to its presigned URL: the body streamed from disk with an explicit
//! `Content-Length` (object stores refuse chunked bodies), the store's answer read within a
//! limit, and a watchdog that cuts the attempt off once it stalls.
//!
//! The watchdog follows the body's [`Activity`]: an attempt stalls when it waits longer
//! than the run's [`Pace`] allows for its connection, for the socket to take a chunk, or for
//! the answer once every byte is gone (see [`pace`](crate::upload::pace) for the rule). Time
//! the body spends waiting on us (opening the file, the disk, the memory budget, the
//! bandwidth limit) never counts. Whatever the pace, the network's time for one attempt is
//! capped at the client's timeout plus the file's size at 64 KiB/s shared among
//! the transfers in flight.

use std::sync::Mutex;
use std::time::Duration;

use http::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::time::Instant;

use crate::attempt::{Answered, Attempt};
use crate::body::{self, Activity, Phase, Reading};
use crate::lock::lock;
use crate::plan::PlannedFile;
use crate::upload::pace::{Pace, at_min_rate};
use crate::upload::presign::Target;
use crate::{Error, error};

/// What every `PUT` of one run shares.
pub(crate) struct Put {
    /// The transfer pool (no API key).
    pub http: reqwest::Client,
    /// The client's per-call timeout: the base of an attempt's cap.
    pub timeout: Duration,
    /// How bodies are read.
    pub reading: Reading,
    /// The run's pace, which every answered attempt feeds.
    pub pace: Mutex<Pace>,
}

/// The store's answer to a transfer that succeeded.
#[derive(Debug)]
pub(crate) struct Stored {
    status: StatusCode,
    /// The content hash of the bytes sent, when computed.
    pub blake3: Option<String>,
}

impl Answered for Stored {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn request_id(&self) -> Option<&str> {
        None
    }
}

impl Put {
    /// Attempt number `number` at sending `file` to `target`, its body reporting to
    /// `activity` and its chunks to `on_sent(chunk, sent)`; `sharing()` says how many
    /// transfers are in flight, sharing the link with it.
    pub(crate) async fn once(
        &self,
        file: &PlannedFile,
        target: &Target,
        number: u32,
        activity: &Activity,
        on_sent: impl Fn(u64, u64) + Send + Sync + 'static,
        sharing: &(dyn Fn() -> usize + Sync),
    ) -> Result<Stored, Error> {
        let attempt = Attempt {
            operation: "put_file",
            number,
            url: &target.shown_url,
            limit: None,
            file_uuid: Some(&target.file_uuid),
        };
        attempt
            .run(async {
                let shown_url = || target.shown_url.clone();
                let (body, blake3) = body::file_body(
                    file.path(),
                    file.size,
                    &self.reading,
                    activity.clone(),
                    on_sent,
                )
                .await?;
                let send = self
                    .http
                    .put(target.url.clone())
                    .header(CONTENT_TYPE, file.content_type.as_str())
                    .header(CONTENT_LENGTH, file.size)
                    .body(reqwest::Body::wrap_stream(body))
                    .send();
                activity.sent();
                if file.size == 0 {
                    // The stack has the whole body at once and never asks for it: only
                    // the answer is missing.
                    activity.finished();
                }
                let response = tokio::select! {
                    biased;
                    response = send => response
                        .map_err(|e| error::from_transport(e, shown_url(), self.timeout))?,
                    after = self.stalled(activity, file.size, sharing) => {
                        tracing::debug!(after_ms = after.as_millis() as u64, "stalled");
                        return Err(Error::Timeout { url: shown_url(), after });
                    }
                };
                self.answered(activity);
                let status = response.status();
                if status.is_success() {
                    let blake3 = blake3.get().cloned();
                    return Ok(Stored { status, blake3 });
                }
                let headers = response.headers().clone();
                let body = self.error_body(response, file.size).await;
                Err(error::from_storage_response(
                    status,
                    &headers,
                    &body,
                    shown_url(),
                ))
            })
            .await
    }

    /// The store answered: its waits go into the pace.
    fn answered(&self, activity: &Activity) {
        let snapshot = activity.snapshot();
        let answer = match snapshot.phase {
            Phase::Answering { since } | Phase::Sending { since, .. } => Some(since.elapsed()),
            Phase::Connecting { .. } | Phase::Reading { .. } => None,
        };
        lock(&self.pace).answered(snapshot.connect_took, answer);
    }

    /// An error answer's body, read with a limit in bytes and in time; what could not be
    /// read is left out.
    async fn error_body(&self, mut response: reqwest::Response, size: u64) -> Vec<u8> {
        let limit = lock(&self.pace).stall_limits(size).answer;
        let read = aymara_api::read_body_bounded(&mut response, aymara_api::ERROR_BODY_LIMIT);
        match tokio::time::timeout(limit, read).await {
            Ok(Ok((body, _))) => body,
            _ => Vec::new(),
        }
    }

    /// Resolves once the attempt has stalled, with the limit it passed (see the module
    /// docs). Sleeps until the next moment it could have, and looks again.
    async fn stalled(
        &self,
        activity: &Activity,
        size: u64,
        sharing: &(dyn Fn() -> usize + Sync),
    ) -> Duration {
        loop {
            let sharing = sharing();
            let cap = self.timeout.saturating_add(at_min_rate(size, sharing));
            let snapshot = activity.snapshot();
            let limits = lock(&self.pace).stall_limits(size);
            let Some(to_cap) = cap
                .checked_sub(snapshot.network_time)
                .filter(|d| !d.is_zero())
            else {
                return cap;
            };
            let (since, allowed) = match snapshot.phase {
                Phase::Connecting { since } => (since, limits.connect),
                Phase::Sending { since, len } => {
                    (since, limits.connect + at_min_rate(len as u64, sharing))
                }
                Phase::Answering { since } => (since, limits.answer),
                // The body waits on us, not on the network: look again later.
                Phase::Reading { .. } => {
                    tokio::time::sleep(limits.connect.min(to_cap)).await;
                    continue;
                }
            };
            let waited = Instant::now().saturating_duration_since(since);
            let Some(left) = allowed.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return allowed;
            };
            tokio::time::sleep(left.min(to_cap)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use super::*;
    use crate::body::MAX_BUFFERED_BYTES;
    use crate::upload::pace::STALL_UNKNOWN;

    const CHUNK: usize = 256 * 1024;

    fn put() -> Put {
        Put {
            http: reqwest::Client::new(),
            timeout: Duration::from_secs(60),
            reading: Reading::new(MAX_BUFFERED_BYTES),
            pace: Mutex::default(),
        }
    }

    /// A body whose request has just left.
    fn sent() -> Activity {
        let activity = Activity::new();
        activity.sent();
        activity
    }

    /// Races the watchdog against `transfer`, which drives `activity` as an HTTP stack
    /// would, with `sharing` transfers in flight; the limit the watchdog passed, if it fired
    /// first.
    async fn watched(
        put: &Put,
        activity: &Activity,
        size: u64,
        sharing: usize,
        transfer: impl Future<Output = ()>,
    ) -> Option<Duration> {
        let sharing = || sharing;
        tokio::select! {
            after = put.stalled(activity, size, &sharing) => Some(after),
            () = transfer => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_large_file_on_a_slow_but_moving_link_is_never_cut_off() {
        let (put, activity) = (put(), sent());
        // 100 MiB taken by the socket a chunk every 3 s (87 kB/s): 20 minutes of moving
        // bytes, far past the client's minute; then the answer comes 9 s after the end.
        let chunks = 400;
        let transfer = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            for _ in 0..chunks {
                activity.asked();
                activity.handed(CHUNK);
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            activity.asked();
            activity.finished();
            tokio::time::sleep(Duration::from_secs(9)).await;
        };
        let size = (chunks * CHUNK) as u64;
        assert_eq!(watched(&put, &activity, size, 1, transfer).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_socket_that_stops_taking_bytes_is_cut_off_in_seconds() {
        let (put, activity) = (put(), sent());
        let start = Instant::now();
        let transfer = async {
            activity.asked();
            activity.handed(CHUNK);
            std::future::pending::<()>().await;
        };
        let after = watched(&put, &activity, 100 * CHUNK as u64, 1, transfer).await;
        // Nothing known yet: the unknown store's limit, plus the chunk at 64 KiB/s.
        let allowed = STALL_UNKNOWN + Duration::from_secs(4);
        assert_eq!(after, Some(allowed));
        assert_eq!(start.elapsed(), allowed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_never_opens_is_cut_off_at_the_limit_the_pace_sets() {
        let (put, activity) = (put(), sent());
        for _ in 0..20 {
            let (ms, answer) = (Duration::from_millis(5), Duration::from_millis(20));
            lock(&put.pace).answered(Some(ms), Some(answer));
        }
        let start = Instant::now();
        let after = watched(&put, &activity, 5, 1, std::future::pending()).await;
        // 4 × 5 ms is under the floor: 2 s, not the minute of an API call.
        assert_eq!(after, Some(Duration::from_secs(2)));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn time_the_body_waits_on_us_never_counts_but_the_networks_is_capped() {
        let (put, activity) = (put(), sent());
        let transfer = async {
            activity.asked();
            // Ten minutes waiting for the disk, the budget or the bandwidth limit.
            tokio::time::sleep(Duration::from_secs(600)).await;
            activity.handed(CHUNK);
        };
        assert_eq!(
            watched(&put, &activity, CHUNK as u64, 1, transfer).await,
            None
        );

        // A store taking a byte now and then forever: the network's time is capped at the
        // client's timeout plus the file at 64 KiB/s.
        let activity = sent();
        let size = 64 * 1024 * 10;
        let start = Instant::now();
        let trickle = async {
            loop {
                activity.asked();
                activity.handed(1);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        let after = watched(&put, &activity, size, 1, trickle).await;
        assert_eq!(after, Some(Duration::from_secs(70)));
        assert_eq!(start.elapsed(), Duration::from_secs(70));
    }

    #[tokio::test(start_paused = true)]
    async fn transfers_sharing_a_slow_link_are_not_cut_off() {
        let put = put();
        for _ in 0..20 {
            let ms = Duration::from_millis(5);
            lock(&put.pace).answered(Some(ms), Some(ms));
        }
        // 32 transfers on 10 Mbit/s: each socket takes a chunk every 7 s (about 39 kB/s),
        // under 64 KiB/s alone, well over it together.
        let activity = sent();
        let transfer = async {
            for _ in 0..20 {
                activity.asked();
                activity.handed(CHUNK);
                tokio::time::sleep(Duration::from_secs(7)).await;
            }
        };
        let size = 40 * CHUNK as u64;
        assert_eq!(watched(&put, &activity, size, 32, transfer).await, None);
        // Alone, the same pace is too slow: cut after 2 s and the chunk at 64 KiB/s.
        let alone = sent();
        let trickle = async {
            alone.asked();
            alone.handed(CHUNK);
            tokio::time::sleep(Duration::from_secs(7)).await;
            alone.asked();
        };
        let after = watched(&put, &alone, size, 1, trickle).await;
        assert_eq!(after, Some(Duration::from_secs(6)));
    }

    #[tokio::test(start_paused = true)]
    async fn opening_the_file_and_waiting_for_the_budget_are_not_the_networks_time() {
        let put = put();
        let activity = Activity::new();
        let preparing = async {
            // The budget is full for a minute; then the request leaves and is answered.
            tokio::time::sleep(Duration::from_secs(60)).await;
            activity.sent();
            activity.asked();
            activity.finished();
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        assert_eq!(watched(&put, &activity, 5, 1, preparing).await, None);
    }
}
