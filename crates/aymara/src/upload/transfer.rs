//! One file's transfer, from its first attempt to its outcome, in one loop that owns its
//! presigned URL and its attempt count:
//!
//! 1. A URL that expired, or is near its end, is presigned again (a one-file
//!    `POST /v2/files`, which gives the file a new `file_uuid`), before a slot is taken so
//!    that no slot waits on the API, and once more holding the slot if the wait aged it.
//! 2. The attempt takes a slot and sends the file ([`Put`]). If it straggles, a second
//!    `PUT` of the same file to the same URL races it (see [`hedge`](crate::upload::hedge)).
//! 3. A 2xx ends the loop. A 403 for an expired URL goes round again at once with a new
//!    URL. Any other error asks the retry policy whether to try again, and after how long.
//!
//! A hard stop ends the loop wherever it is; a graceful one only before the first slot.

use std::pin::pin;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use crate::Error;
use crate::api::Api;
use crate::body::{Activity, Phase};
use crate::lock::lock;
use crate::plan::PlannedFile;
use crate::retry::Retries;
use crate::upload::hedge::Hedges;
use crate::upload::options::{Events, ProgressEvent};
use crate::upload::pace::Wait;
use crate::upload::presign::{self, Target};
use crate::upload::progress::Counters;
use crate::upload::put::{Put, Stored};
use crate::upload::record::{Recorder, outcome};
use crate::upload::report::{OutcomeKind, UploadOutcome};
use crate::upload::slots::{Slot, Slots};
use crate::upload::state::RunState;

/// What every transfer of one run shares.
pub(crate) struct Transfers {
    /// The client's connections: for presigning a file again, and its retry policy.
    pub api: Api,
    pub workspace_uuid: Option<String>,
    pub put: Put,
    pub slots: Slots,
    /// `None` when hedging is off.
    pub hedges: Option<Mutex<Hedges>>,
    pub state: Arc<RunState>,
    pub events: Events,
    pub recorder: Recorder,
}

impl Transfers {
    /// Sends `file` to `target`; its outcome.
    pub(crate) async fn send(&self, file: PlannedFile, target: Target) -> UploadOutcome {
        let kind = match self.transfer(&file, target).await {
            Some(Ok((target, stored))) => self.recorder.stored(&file, target, stored),
            Some(Err(error)) => OutcomeKind::Failed(Arc::new(error)),
            None => self.state.unfinished(),
        };
        outcome(&file, kind)
    }

    /// The loop of the module docs: the URL the file went to and the store's answer, the
    /// error it failed with, or `None` when the run stopped first.
    async fn transfer(
        &self,
        file: &PlannedFile,
        mut target: Target,
    ) -> Option<Result<(Target, Stored), Error>> {
        let inner = &self.api.inner;
        let mut retries = Retries::new(inner.retry, &inner.budget, "put_file");
        let mut expired = false;
        loop {
            let error = 'attempt: {
                let refresh = expired || is_near(&target);
                if refresh {
                    match self.presign_again(file, &target).await? {
                        Ok(fresh) => (target, expired) = (fresh, false),
                        Err(error) => break 'attempt error,
                    }
                }
                let slot = tokio::select! {
                    biased;
                    () = self.state.hard.cancelled() => return None,
                    () = self.state.graceful.cancelled(), if retries.attempt() == 1 => return None,
                    slot = self.slots.acquire() => slot,
                };
                // A URL that was fresh, and that the wait for a slot aged. One stale as soon
                // as it arrives (a server that signs very short lifetimes) is used as it is.
                if !refresh && is_near(&target) {
                    match self.presign_again(file, &target).await? {
                        Ok(fresh) => target = fresh,
                        Err(error) => break 'attempt error,
                    }
                }
                let attempt = self.attempt(file, &target, retries.attempt(), slot);
                let result = tokio::select! {
                    biased;
                    result = attempt => result,
                    () = self.state.hard.cancelled() => return None,
                };
                match result {
                    Ok(stored) => {
                        retries.succeeded();
                        return Some(Ok((target, stored)));
                    }
                    Err(error) => error,
                }
            };
            if is_expired_url(&error) {
                if !retries.again_now() {
                    return Some(Err(error));
                }
                self.retrying(file, retries.attempt(), &error);
                expired = true;
                continue;
            }
            let Some(delay) = retries.next_delay(&error) else {
                return Some(Err(error));
            };
            self.retrying(file, retries.attempt(), &error);
            tokio::select! {
                biased;
                () = self.state.hard.cancelled() => return None,
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One attempt, holding `slot`; if it straggles and may be hedged, a second `PUT` races
    /// it as soon as it gets a slot of its own (the first attempt's answer ends the wait),
    /// and the first success wins. A hedge is counted, and its straggler taken for a sign
    /// of congestion, only once it is sent.
    async fn attempt(
        &self,
        file: &PlannedFile,
        target: &Target,
        number: u32,
        slot: Slot<'_>,
    ) -> Result<Stored, Error> {
        let epoch = slot.epoch();
        let activity = Activity::new();
        let mut primary = pin!(self.put_holding(slot, file, target, number, &activity, true));
        let Some(hedges) = &self.hedges else {
            return primary.await;
        };
        lock(hedges).attempt();
        let waited = tokio::select! {
            biased;
            result = &mut primary => return result,
            waited = self.straggling(&activity, file.size) => waited,
        };
        if !lock(hedges).has_room(file.size) {
            return primary.await;
        }
        let slot = tokio::select! {
            biased;
            result = &mut primary => return result,
            slot = self.slots.acquire() => slot,
        };
        if !lock(hedges).take(file.size) {
            return primary.await;
        }
        if let Phase::Connecting { .. } = waited {
            // Far slower to connect than its peers: the store is short of room.
            self.slots.stalled(epoch);
        }
        Counters::add(&self.state.counters.hedges, 1);
        self.events.emit(ProgressEvent::Hedged {
            index: file.index,
            attempt: number,
        });
        tracing::debug!(file_uuid = %target.file_uuid, attempt = number, "hedging a straggler");
        // Its bytes count, but its progress is not told: the file's is the first's.
        let hedge_activity = Activity::new();
        let mut hedge = pin!(self.put_holding(slot, file, target, number, &hedge_activity, false));
        tokio::select! {
            biased;
            result = &mut primary => match result {
                Ok(stored) => Ok(stored),
                Err(error) => hedge.await.or(Err(error)),
            },
            result = &mut hedge => match result {
                Ok(stored) => Ok(stored),
                Err(_) => primary.await,
            },
        }
    }

    /// One `PUT`, holding `slot` until it ends, then telling the limiter how it went; its
    /// chunks are told to the observer when `told`.
    async fn put_holding(
        &self,
        slot: Slot<'_>,
        file: &PlannedFile,
        target: &Target,
        number: u32,
        activity: &Activity,
        told: bool,
    ) -> Result<Stored, Error> {
        let (index, size) = (file.index, file.size);
        let (state, events) = (self.state.clone(), self.events.clone());
        let on_sent = move |chunk: u64, sent: u64| {
            Counters::add(&state.counters.bytes_sent, chunk);
            if told && chunk > 0 {
                events.emit(ProgressEvent::BytesSent { index, sent, size });
            }
        };
        let sharing = || self.slots.in_flight();
        let result = self
            .put
            .once(file, target, number, activity, on_sent, &sharing)
            .await;
        slot.finish(&result, activity.snapshot().network_time);
        result
    }

    /// Resolves once an attempt at a file of `size` bytes straggles: it has waited to
    /// connect, or for its answer, past the run's hedge point. Returns the phase it
    /// straggles in.
    async fn straggling(&self, activity: &Activity, size: u64) -> Phase {
        loop {
            let phase = activity.snapshot().phase;
            let (since, wait) = match phase {
                Phase::Connecting { since } => (Some(since), Wait::Connect),
                Phase::Answering { since } => (Some(since), Wait::Answer),
                _ => (None, Wait::Connect),
            };
            let point = lock(&self.put.pace).hedge_point(wait, size);
            let due = since.zip(point).map(|(since, point)| since + point);
            match due {
                Some(due) if due <= Instant::now() => return phase,
                Some(due) => tokio::time::sleep_until(due).await,
                // Moving bytes, or too little known yet: look again later.
                None => tokio::time::sleep(crate::upload::pace::HEDGE_FLOOR).await,
            }
        }
    }

    /// Replaces an expired or nearly expired target with a new one-file presign (the new
    /// `file_uuid` replaces the old one, which never received bytes); `None` when a hard
    /// stop comes first.
    async fn presign_again(
        &self,
        file: &PlannedFile,
        old: &Target,
    ) -> Option<Result<Target, Error>> {
        tokio::select! {
            biased;
            () = self.state.hard.cancelled() => None,
            fresh = self.presign_once(file, old) => Some(fresh),
        }
    }

    async fn presign_once(&self, file: &PlannedFile, old: &Target) -> Result<Target, Error> {
        let (_, mut fresh) = presign::presign(
            &self.api,
            std::slice::from_ref(file),
            self.workspace_uuid.as_deref(),
            Some(0),
            |_, _, _| {},
        )
        .await?;
        let fresh = fresh.pop().ok_or_else(|| {
            Error::invalid_response(
                presign::POST_FILES,
                "asked to presign 1 file, got no answer",
            )
        })??;
        tracing::debug!(
            old_file_uuid = %old.file_uuid,
            file_uuid = %fresh.file_uuid,
            "presigned again: the URL had expired or was about to"
        );
        Ok(fresh)
    }

    /// Counts a retry of `file` and tells the observer.
    fn retrying(&self, file: &PlannedFile, attempt: u32, error: &Error) {
        Counters::add(&self.state.counters.retries, 1);
        self.events.emit(ProgressEvent::Retrying {
            index: file.index,
            attempt,
            error,
        });
    }
}

/// Whether less than its margin is left on a target's URL.
fn is_near(target: &Target) -> bool {
    target
        .expiry
        .is_some_and(|expiry| expiry.is_near(Instant::now()))
}

/// A store's 403 for an expired URL.
fn is_expired_url(error: &Error) -> bool {
    matches!(error, Error::Storage(storage) if storage.is_expired_url())
}
