//! The upload itself: plan → skip what the journal has → presign → transfer → journal →
//! report, run as one task.
//!
//! Presigning runs a few batches ahead of the transfers (enough to keep them busy, see
//! [`ahead`](crate::upload::ahead)), so presigned URLs are used soon after they are made and
//! memory stays flat for any number of files. Transfers run inside this task (a
//! `FuturesUnordered`); each attempt takes a slot from [`Slots`], which holds the number
//! running at once to the concurrency limit, fixed or adaptive. Every file gets exactly one
//! outcome, sent to the handle as soon as it is known.
//!
//! A file the store answered 2xx for is recorded in the journal right there, with no await
//! in between, before its outcome exists: a hard stop, a dropped handle or a killed process
//! loses at most the files whose answer had not been read. A presigned URL that expired, or
//! is about to when its transfer starts, is replaced by a one-file presign.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::{FuturesOrdered, FuturesUnordered};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::ApiErrorKind;
use crate::lock::lock;
use crate::retry::RetryHint;
use crate::upload::ahead;
use crate::upload::buffers::Buffers;
use crate::upload::plan::{self, PlannedFile};
use crate::upload::presign::{self, Target};
use crate::upload::progress::{Counters, UploadProgress};
use crate::upload::report::{OutcomeKind, UploadOutcome, UploadedFile};
use crate::upload::slots::Slots;
use crate::upload::transfer::{self, Stored};
use crate::upload::wait;
use crate::upload::{JournalEntry, ProgressEvent, UploadOptions, skip};
use crate::{Client, Error, Files, urls};

/// What the handle and the run share: progress counters, the memory budget for file data,
/// and the two ways to stop.
#[derive(Debug)]
pub(crate) struct Control {
    pub counters: Counters,
    /// Every buffer of file data comes out of it.
    pub buffers: Buffers,
    /// Start nothing new; let what runs finish.
    pub graceful: CancellationToken,
    /// Stop what runs too.
    pub hard: CancellationToken,
    /// Why the run is stopping, once it is.
    reason: Mutex<Option<StopReason>>,
}

/// Why files were left unfinished.
#[derive(Debug, Clone)]
enum StopReason {
    Cancelled,
    Deadline(Arc<Error>),
    /// The journal could not record a stored file: going on would store files a re-run
    /// cannot know about.
    Journal(Arc<Error>),
}

impl Control {
    pub(crate) fn new(options: &UploadOptions) -> Self {
        Self {
            counters: Counters::default(),
            buffers: Buffers::new(options.max_buffered_bytes_or_default()),
            graceful: CancellationToken::new(),
            hard: CancellationToken::new(),
            reason: Mutex::new(None),
        }
    }

    /// Where the upload stands right now.
    pub(crate) fn progress(&self) -> UploadProgress {
        let mut progress = self.counters.snapshot();
        progress.buffered_bytes = self.buffers.held() as u64;
        progress
    }

    /// Stops starting new work; with `hard`, stops running work too. The first reason
    /// given is kept.
    pub(crate) fn stop(&self, hard: bool) {
        self.stop_for(StopReason::Cancelled, hard);
    }

    fn stop_for(&self, reason: StopReason, hard: bool) {
        lock(&self.reason).get_or_insert(reason);
        self.graceful.cancel();
        if hard {
            self.hard.cancel();
        }
    }

    /// The outcome of a file left unfinished.
    fn unfinished(&self) -> OutcomeKind {
        match lock(&self.reason).as_ref() {
            Some(StopReason::Deadline(error) | StopReason::Journal(error)) => {
                OutcomeKind::Failed(error.clone())
            }
            _ => OutcomeKind::Cancelled,
        }
    }
}

/// How a file left presigning.
enum Prepared {
    Ready(Target),
    Failed(Arc<Error>),
    Unfinished,
}

/// Whether the API can be reached, as far as this run knows.
#[derive(Debug, Default)]
enum Health {
    #[default]
    Up,
    /// A batch's presign failed for good with an outage ([`is_outage`]). One later
    /// batch gets one attempt without retries (the probe); if that fails too, every other
    /// batch fails with the first cause at once.
    Down { cause: Arc<Error>, probed: bool },
    /// The key was refused (401 or 403): every later batch would be too.
    Refused(Arc<Error>),
}

/// What a batch's presign should do, given the API's health.
enum Plan {
    Call { retries: Option<u32> },
    Fail(Arc<Error>),
}

struct Run {
    client: Client,
    files: Files,
    options: UploadOptions,
    control: Arc<Control>,
    outcomes: UnboundedSender<UploadOutcome>,
    health: Mutex<Health>,
    workspace: Mutex<Option<String>>,
    slots: Slots,
    /// Recent latency of a presign call, smoothed.
    presign_latency: Mutex<Option<Duration>>,
}

/// Runs a whole upload; returns the workspace the files went to. Fails as a whole only for
/// invalid options, for paths that cannot be uploaded, for a journal that cannot be read,
/// and for a deadline that passes while planning; everything else is a file's outcome.
pub(crate) async fn run(
    client: Client,
    paths: Vec<std::path::PathBuf>,
    options: UploadOptions,
    control: Arc<Control>,
    outcomes: UnboundedSender<UploadOutcome>,
) -> Result<Option<String>, Error> {
    options.validate()?;
    // A deadline past what the clock can hold is none.
    let deadline = options
        .deadline
        .and_then(|after| Some((Instant::now().checked_add(after)?, after)));
    let planning = async {
        let planned = plan::plan(paths, options.content_type.clone()).await?;
        skip::split(planned, &options).await
    };
    let (planned, skipped) = match deadline {
        Some((at, after)) => tokio::time::timeout_at(at, planning)
            .await
            .map_err(|_| Error::DeadlineExceeded { deadline: after })??,
        None => planning.await?,
    };

    let counters = &control.counters;
    let bytes = planned.iter().map(|f| f.size).sum();
    Counters::set(&counters.files_total, planned.len() as u64);
    Counters::set(&counters.bytes_total, bytes);
    for file in &planned {
        options.emit(ProgressEvent::Queued {
            index: file.index,
            path: file.path(),
            size: file.size,
        });
    }
    options.emit(ProgressEvent::Planned {
        files: planned.len(),
        bytes,
    });

    let run = Run {
        slots: Slots::new(&options, control.clone()),
        presign_latency: Mutex::new(None),
        files: client.files(),
        client,
        workspace: Mutex::new(options.workspace_uuid.clone()),
        options,
        control,
        outcomes,
        health: Mutex::default(),
    };
    for (file, skipped) in skipped {
        run.report(outcome(&file, OutcomeKind::Skipped(skipped)));
    }
    run.transfer_all(planned, deadline).await;
    Ok(run
        .workspace
        .into_inner()
        .unwrap_or_else(|e| e.into_inner()))
}

impl Run {
    async fn transfer_all(&self, planned: Vec<PlannedFile>, deadline: Option<(Instant, Duration)>) {
        let batch_size = self.options.batch_size_or_default();
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
            match deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let mut expiry = pin!(expiry);
        let mut running = FuturesUnordered::new();
        // Stored files waiting for their processing: they hold no transfer slot.
        let mut waiting = FuturesUnordered::new();
        loop {
            let stopping = self.control.graceful.is_cancelled();
            // Files waiting for a slot start the moment one frees; twice the limit keeps
            // slots busy while some files wait out a retry's backoff.
            let limit = self.slots.limit();
            while stopping || running.len() < 2 * limit {
                let Some((file, prepared)) = presigned.pop_front() else {
                    break;
                };
                match prepared {
                    Prepared::Ready(target) if !stopping => {
                        running.push(self.transfer(file, target));
                    }
                    Prepared::Failed(error) => {
                        self.report(outcome(&file, OutcomeKind::Failed(error)));
                    }
                    _ => self.report(outcome(&file, self.control.unfinished())),
                }
            }
            let ahead = ahead::batches_ahead(
                limit,
                batch_size,
                *lock(&self.presign_latency),
                self.slots.latency(),
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
                    match self.options.wait {
                        Some(options) if outcome.uploaded().is_some() => waiting.push(
                            wait::processed(&self.files, outcome, options, &self.control.hard),
                        ),
                        _ => self.report(outcome),
                    }
                }
                Some(outcome) = waiting.next() => self.report(outcome),
                Some(batch) = presigning.next() => presigned.extend(batch),
                () = self.control.graceful.cancelled(), if !stopping => {}
                () = &mut expiry, if deadline.is_some() && !self.control.hard.is_cancelled() => {
                    if let Some((_, after)) = deadline {
                        let error = Arc::new(Error::DeadlineExceeded { deadline: after });
                        tracing::warn!(%error, "stopping the upload");
                        self.control.stop_for(StopReason::Deadline(error), true);
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
        if self.control.graceful.is_cancelled() {
            return all(batch, &|| Prepared::Unfinished);
        }
        let retries = match self.plan_call() {
            Plan::Call { retries } => retries,
            Plan::Fail(cause) => return all(batch, &|| Prepared::Failed(cause.clone())),
        };
        let counters = &self.control.counters;
        let started = Instant::now();
        let call = presign::presign(
            &self.files,
            &batch,
            self.options.workspace_uuid.as_deref(),
            retries,
            |_, _, _| Counters::add(&counters.retries, 1),
        );
        let answer = tokio::select! {
            biased;
            answer = call => answer,
            () = self.control.graceful.cancelled() => return all(batch, &|| Prepared::Unfinished),
        };
        match answer {
            Ok((workspace, targets)) => {
                let took = started.elapsed();
                let mut smoothed = lock(&self.presign_latency);
                *smoothed = Some(smoothed.map_or(took, |before| (before * 3 + took) / 4));
                drop(smoothed);
                let mut health = lock(&self.health);
                if matches!(*health, Health::Down { .. }) {
                    *health = Health::Up;
                }
                drop(health);
                if let Some(uuid) = workspace {
                    lock(&self.workspace).get_or_insert(uuid);
                }
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
                let cause = self.record_failure(error);
                all(batch, &|| Prepared::Failed(cause.clone()))
            }
        }
    }

    /// Whether a batch may call the API, and with how many retries.
    fn plan_call(&self) -> Plan {
        let mut health = lock(&self.health);
        match &mut *health {
            Health::Up => Plan::Call { retries: None },
            Health::Down {
                probed: probed @ false,
                ..
            } => {
                *probed = true;
                Plan::Call { retries: Some(0) }
            }
            Health::Down { cause, .. } | Health::Refused(cause) => Plan::Fail(cause.clone()),
        }
    }

    /// Records a batch that failed for good; returns the error its files fail with: the
    /// first cause of an outage, so that one line says what happened to all of them.
    fn record_failure(&self, error: Error) -> Arc<Error> {
        let mut health = lock(&self.health);
        match &*health {
            Health::Down { cause, .. } | Health::Refused(cause) if is_outage(&error) => {
                cause.clone()
            }
            _ => {
                let error = Arc::new(error);
                if is_outage(&error) {
                    *health = Health::Down {
                        cause: error.clone(),
                        probed: false,
                    };
                } else if is_refusal(&error) {
                    *health = Health::Refused(error.clone());
                }
                error
            }
        }
    }

    /// One file's transfer, with retries; each attempt holds a slot while it runs. Stops
    /// at once on a hard stop; a file still waiting for its first slot when the upload is
    /// cancelled is never started. A transfer that the store answered 2xx is recorded and
    /// reported uploaded even if a stop came in between.
    async fn transfer(&self, file: PlannedFile, target: Target) -> UploadOutcome {
        let inner = &self.client.inner;
        let counters = &self.control.counters;
        let first = tokio::select! {
            biased;
            () = self.control.graceful.cancelled() => {
                return outcome(&file, self.control.unfinished());
            }
            slot = self.slots.acquire() => slot,
        };
        let mut first = Some(first);
        let (target, expired) = (Mutex::new(target), AtomicBool::new(false));
        // Boxed: the attempts' future is large (the HTTP stack's included), and up to twice
        // the limit of transfers wait for a slot without needing it yet.
        let attempts = Box::pin(inner.retry.run(
            &inner.budget,
            "put_file",
            |number| {
                let (file, target, expired) = (&file, &target, &expired);
                let slot = first.take();
                async move {
                    // A stale URL is presigned again before a slot is taken, so that no slot
                    // waits on the API; and again, holding the slot, if the wait for it aged
                    // a URL that was fine. A URL stale as soon as it arrives (a server that
                    // signs very short lifetimes) is used as it is.
                    let mut stale = is_stale(target, expired);
                    let held = slot.filter(|_| !stale);
                    if stale {
                        self.presign_again(file, target, expired).await?;
                        stale = is_stale(target, expired);
                    }
                    let slot = match held {
                        Some(slot) => slot,
                        None => self.slots.acquire().await,
                    };
                    if !stale && is_stale(target, expired) {
                        self.presign_again(file, target, expired).await?;
                    }
                    let target = lock(target).clone();
                    let result = transfer::put_once(
                        &inner.http,
                        inner.timeout,
                        file,
                        &target,
                        &self.options,
                        &self.control,
                        number,
                    )
                    .await;
                    slot.finish(&result);
                    result
                        .map(|stored| (stored, target))
                        .map_err(|error| retry_if_expired(error, expired))
                }
            },
            |next, error, _| {
                Counters::add(&counters.retries, 1);
                self.options.emit(ProgressEvent::Retrying {
                    index: file.index,
                    attempt: next,
                    error,
                });
            },
        ));
        let result = tokio::select! {
            biased;
            result = attempts => Some(result),
            () = self.control.hard.cancelled() => None,
        };
        let kind = match result {
            Some(Ok((stored, target))) => self.stored(&file, target, stored),
            Some(Err(error)) => OutcomeKind::Failed(Arc::new(error)),
            None => self.control.unfinished(),
        };
        outcome(&file, kind)
    }

    /// Replaces a stale target (see [`is_stale`]) with a new one-file presign. The new
    /// `file_uuid` replaces the old one (which never received bytes).
    async fn presign_again(
        &self,
        file: &PlannedFile,
        target: &Mutex<Target>,
        expired: &AtomicBool,
    ) -> Result<(), Error> {
        let old_file_uuid = lock(target).file_uuid.clone();
        let (_, mut fresh) = presign::presign(
            &self.files,
            std::slice::from_ref(file),
            self.options.workspace_uuid.as_deref(),
            Some(0),
            |_, _, _| {},
        )
        .await?;
        let fresh = fresh.pop().ok_or_else(|| {
            Error::InvalidResponse("asked to presign 1 file, got no answer".into())
        })??;
        tracing::debug!(
            %old_file_uuid,
            file_uuid = %fresh.file_uuid,
            "presigned again: the URL had expired or was about to"
        );
        expired.store(false, Ordering::Relaxed);
        *lock(target) = fresh;
        Ok(())
    }

    /// A file the store answered 2xx for: recorded in the journal, then uploaded. A journal
    /// that cannot record it stops the run from starting more transfers.
    fn stored(&self, file: &PlannedFile, target: Target, stored: Stored) -> OutcomeKind {
        let mut uploaded = UploadedFile::new(
            file.local_file_path.clone(),
            target.file_uuid,
            file.size,
            file.content_type.as_str(),
        );
        if let Some(remote) = target.remote_file_path {
            uploaded = uploaded.with_remote_file_path(remote);
        }
        if let Some(sha256) = stored.sha256 {
            uploaded = uploaded.with_sha256(sha256);
        }
        if let Some(journal) = &self.options.journal {
            let entry = self.journal_entry(file, &uploaded);
            if let Err(error) = journal.record(&entry) {
                let error = Arc::new(Error::Journal(error));
                tracing::error!(%error, "stopping the upload");
                self.control.stop_for(StopReason::Journal(error), false);
            }
        }
        OutcomeKind::Uploaded(uploaded)
    }

    fn journal_entry(&self, file: &PlannedFile, uploaded: &UploadedFile) -> JournalEntry {
        let mut entry = JournalEntry::new(
            uploaded.local_file_path(),
            uploaded.size_bytes(),
            uploaded.file_uuid(),
        )
        .with_base_url(urls::redact(&self.client.inner.base_url));
        if let Some(modified) = file.modified {
            entry = entry.with_modified(modified);
        }
        if let Some(sha256) = uploaded.sha256() {
            entry = entry.with_sha256(sha256);
        }
        if let Some(remote) = uploaded.remote_file_path() {
            entry = entry.with_remote_file_path(remote);
        }
        if let Some(workspace) = lock(&self.workspace).as_deref() {
            entry = entry.with_workspace_uuid(workspace);
        }
        entry
    }

    /// Counts a finished file, tells the observer, and hands the outcome to the handle.
    fn report(&self, outcome: UploadOutcome) {
        let counters = &self.control.counters;
        let (index, path) = (outcome.index(), outcome.path());
        match outcome.kind() {
            OutcomeKind::Uploaded(file) => {
                Counters::add(&counters.files_uploaded, 1);
                Counters::add(&counters.bytes_uploaded, file.size_bytes());
                self.options.emit(ProgressEvent::Done { index, file });
            }
            OutcomeKind::Skipped(file) => {
                Counters::add(&counters.files_skipped, 1);
                self.options.emit(ProgressEvent::Skipped { index, file });
            }
            OutcomeKind::Failed(error) => {
                Counters::add(&counters.files_failed, 1);
                self.options
                    .emit(ProgressEvent::Failed { index, path, error });
            }
            OutcomeKind::Cancelled => {
                Counters::add(&counters.files_cancelled, 1);
                self.options.emit(ProgressEvent::Cancelled { index, path });
            }
        }
        // The handle may be gone (dropped while this task was being aborted); nobody to tell.
        let _ = self.outcomes.send(outcome);
    }
}

fn outcome(file: &PlannedFile, kind: OutcomeKind) -> UploadOutcome {
    UploadOutcome::new(file.index, file.local_file_path.clone(), kind)
}

/// Whether the next attempt needs a new URL: the store said this one expired, or less than
/// its margin is left on it.
fn is_stale(target: &Mutex<Target>, expired: &AtomicBool) -> bool {
    let near = lock(target)
        .expiry
        .is_some_and(|expiry| expiry.is_near(Instant::now()));
    near || expired.load(Ordering::Relaxed)
}

/// A store's 403 for an expired URL is retried at once, on a new URL (see
/// [`Run::presign_again`]); every other error keeps its own verdict.
fn retry_if_expired(error: Error, expired: &AtomicBool) -> Error {
    match error {
        Error::Storage(storage) if storage.is_expired_url() => {
            expired.store(true, Ordering::Relaxed);
            let now = RetryHint {
                after: Some(Duration::ZERO),
                ..RetryHint::transient()
            };
            Error::Storage(Box::new(storage.with_retry(now)))
        }
        other => other,
    }
}

/// Errors that say the API is down rather than that this batch is wrong: it cannot be
/// reached, it does not answer in time, or it answers 5xx even after the retries.
fn is_outage(error: &Error) -> bool {
    error.is_unreachable() || error.status().is_some_and(|s| s.is_server_error())
}

/// Errors after which every later batch would fail the same way, so none is sent.
fn is_refusal(error: &Error) -> bool {
    matches!(error, Error::Api(api) if matches!(
        api.kind(),
        ApiErrorKind::Authentication | ApiErrorKind::PermissionDenied
    ))
}
