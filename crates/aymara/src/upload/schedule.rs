//! The loop of one upload: it presigns a few batches ahead of the transfers (see
//! [`ahead`](crate::upload::ahead)), starts each presigned file's transfer as the limit
//! allows, waits for processing when asked, and hands every outcome to the recorder as soon
//! as it is known. Transfers run inside this task (a `FuturesUnordered`), so presigned URLs
//! are used soon after they are made and memory stays flat for any number of files.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::{FuturesOrdered, FuturesUnordered};
use tokio::time::Instant;

use crate::Error;
use crate::files::WaitOptions;
use crate::lock::lock;
use crate::plan::PlannedFile;
use crate::upload::ahead;
use crate::upload::health::{Health, Verdict};
use crate::upload::presign::{self, Target};
use crate::upload::progress::Counters;
use crate::upload::record::outcome;
use crate::upload::report::{OutcomeKind, UploadOutcome};
use crate::upload::state::StopReason;
use crate::upload::transfer::Transfers;
use crate::upload::wait;

/// How a file left presigning.
enum Prepared {
    Ready(Target),
    Failed(Arc<Error>),
    Unfinished,
}

/// The scheduler of one run.
pub(crate) struct Schedule {
    pub transfers: Transfers,
    pub batch_size: usize,
    pub wait: Option<WaitOptions>,
    /// When the whole upload must end, and the deadline as given.
    pub deadline: Option<(Instant, Duration)>,
    pub health: Mutex<Health>,
    /// Recent latency of a presign call, smoothed.
    pub presign_latency: Mutex<Option<Duration>>,
}

impl Schedule {
    /// Sends every planned file; each gets exactly one outcome.
    pub(crate) async fn run(&self, planned: Vec<PlannedFile>) {
        let (transfers, state) = (&self.transfers, &self.transfers.state);
        let recorder = &transfers.recorder;
        let batch_size = self.batch_size;
        let mut files = planned.into_iter();
        let mut batches = std::iter::from_fn(move || {
            let batch: Vec<PlannedFile> = files.by_ref().take(batch_size).collect();
            (!batch.is_empty()).then_some(batch)
        })
        .fuse();
        // Batches being presigned, in order, and files presigned but not started.
        let mut presigning = FuturesOrdered::new();
        let mut presigned: VecDeque<(PlannedFile, Prepared)> = VecDeque::new();
        let expiry = async {
            match self.deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let mut expiry = pin!(expiry);
        let mut running = FuturesUnordered::new();
        // Stored files waiting for their processing: they hold no transfer slot.
        let mut waiting = FuturesUnordered::new();
        loop {
            let stopping = state.graceful.is_cancelled();
            // Files waiting for a slot start the moment one frees; twice the limit keeps
            // slots busy while some files wait out a retry's backoff.
            let limit = transfers.slots.limit();
            while stopping || running.len() < 2 * limit {
                let Some((file, prepared)) = presigned.pop_front() else {
                    break;
                };
                match prepared {
                    Prepared::Ready(target) if !stopping => {
                        running.push(transfers.send(file, target));
                    }
                    Prepared::Failed(error) => {
                        recorder.report(outcome(&file, OutcomeKind::Failed(error)));
                    }
                    _ => recorder.report(outcome(&file, state.unfinished())),
                }
            }
            let ahead = ahead::batches_ahead(
                limit,
                batch_size,
                *lock(&self.presign_latency),
                transfers.slots.latency(),
            );
            while presigned.len() + presigning.len() * batch_size < ahead * batch_size {
                let Some(batch) = batches.next() else { break };
                presigning.push_back(self.presign_batch(batch));
            }
            let idle = running.is_empty() && waiting.is_empty();
            if idle && presigning.is_empty() && presigned.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                Some(outcome) = running.next() => {
                    let outcome: UploadOutcome = outcome;
                    match self.wait {
                        Some(options) if outcome.uploaded().is_some() => waiting.push(
                            wait::processed(&transfers.api, outcome, options, &state.hard),
                        ),
                        _ => recorder.report(outcome),
                    }
                }
                Some(outcome) = waiting.next() => recorder.report(outcome),
                Some(batch) = presigning.next() => presigned.extend(batch),
                () = state.graceful.cancelled(), if !stopping => {}
                () = &mut expiry, if self.deadline.is_some() && !state.hard.is_cancelled() => {
                    if let Some((_, after)) = self.deadline {
                        let error = Arc::new(Error::DeadlineExceeded { deadline: after });
                        tracing::warn!(%error, "stopping the upload");
                        state.stop(StopReason::Deadline(error), true);
                    }
                }
            }
        }
    }

    /// Presigns one batch, unless the run is stopping or the API's health says not to.
    async fn presign_batch(&self, batch: Vec<PlannedFile>) -> Vec<(PlannedFile, Prepared)> {
        let all = |batch: Vec<PlannedFile>, prepared: &dyn Fn() -> Prepared| {
            batch.into_iter().map(|f| (f, prepared())).collect()
        };
        let transfers = &self.transfers;
        let state = &transfers.state;
        if state.graceful.is_cancelled() {
            return all(batch, &|| Prepared::Unfinished);
        }
        let verdict = lock(&self.health).before_call();
        let retries = match verdict {
            Verdict::Call { retries } => retries,
            Verdict::Fail(cause) => return all(batch, &|| Prepared::Failed(cause.clone())),
        };
        let started = Instant::now();
        let call = presign::presign(
            &transfers.api,
            &batch,
            transfers.workspace_uuid.as_deref(),
            retries,
            |_, _, _| Counters::add(&state.counters.retries, 1),
        );
        let answer = tokio::select! {
            biased;
            answer = call => answer,
            () = state.graceful.cancelled() => return all(batch, &|| Prepared::Unfinished),
        };
        match answer {
            Ok((workspace, targets)) => {
                let took = started.elapsed();
                let mut smoothed = lock(&self.presign_latency);
                *smoothed = Some(smoothed.map_or(took, |before| (before * 3 + took) / 4));
                drop(smoothed);
                lock(&self.health).succeeded();
                transfers.recorder.answered_workspace(workspace);
                batch
                    .into_iter()
                    .zip(targets)
                    .map(|(file, target)| match target {
                        Ok(target) => (file, Prepared::Ready(target)),
                        Err(error) => (file, Prepared::Failed(Arc::new(error))),
                    })
                    .collect()
            }
            Err(error) => {
                let cause = lock(&self.health).failed(error);
                all(batch, &|| Prepared::Failed(cause.clone()))
            }
        }
    }
}
