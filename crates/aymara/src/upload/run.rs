//! One upload, start to end: check the options, plan every path and set aside what the
//! journal has (within the deadline), then build the run's parts and hand the files to the
//! [`Schedule`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use crate::Error;
use crate::api::Api;
use crate::plan;
use crate::upload::health::Health;
use crate::upload::options::{ProgressEvent, UploadOptions};
use crate::upload::progress::Counters;
use crate::upload::put::Put;
use crate::upload::record::{Recorder, outcome};
use crate::upload::report::{OutcomeKind, UploadOutcome};
use crate::upload::schedule::Schedule;
use crate::upload::skip;
use crate::upload::slots::{GateChange, OnChange, Slots};
use crate::upload::state::RunState;
use crate::upload::transfer::Transfers;

/// Runs a whole upload; returns the workspace the files went to. Fails as a whole only for
/// invalid options, for paths that cannot be uploaded, for a journal that cannot be read,
/// and for a deadline that passes while planning; everything else is a file's outcome.
pub(crate) async fn run(
    api: Api,
    paths: Vec<PathBuf>,
    options: UploadOptions,
    state: Arc<RunState>,
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

    let events = options.events();
    let counters = &state.counters;
    let bytes = planned.iter().map(|f| f.size).sum();
    Counters::set(&counters.files_total, planned.len() as u64);
    Counters::set(&counters.bytes_total, bytes);
    for file in &planned {
        events.emit(ProgressEvent::Queued {
            index: file.index,
            path: file.path(),
            size: file.size,
        });
    }
    events.emit(ProgressEvent::Planned {
        files: planned.len(),
        bytes,
    });

    let recorder = Recorder {
        state: state.clone(),
        events: events.clone(),
        journal: options.journal.clone(),
        base_url: aymara_text::redact_url(&api.inner.base_url),
        workspace: Mutex::new(options.workspace_uuid.clone()),
        outcomes,
    };
    for (file, skipped) in skipped {
        recorder.report(outcome(&file, OutcomeKind::Skipped(skipped)));
    }
    let put = Put {
        http: api.inner.http.clone(),
        timeout: api.inner.timeout,
        reading: state.reading.clone(),
        pace: Mutex::default(),
    };
    let transfers = Transfers {
        workspace_uuid: options.workspace_uuid.clone(),
        put,
        slots: Slots::new(options.concurrency, gate_watcher(&state, &options)),
        hedges: options.hedging_or_default().then(Mutex::default),
        state,
        events,
        recorder,
        api,
    };
    let schedule = Schedule {
        transfers,
        batch_size: options.batch_size_or_default(),
        wait: options.wait,
        deadline,
        health: Mutex::new(Health::default()),
        presign_latency: Mutex::new(None),
    };
    schedule.run(planned).await;
    Ok(schedule.transfers.recorder.into_workspace())
}

/// What the gate's changes become: progress counters, an observer event, a log line.
fn gate_watcher(state: &Arc<RunState>, options: &UploadOptions) -> OnChange {
    let (state, events) = (state.clone(), options.events());
    Box::new(move |change| match change {
        GateChange::Limit { limit, why } => {
            Counters::set(&state.counters.concurrency, limit as u64);
            events.emit(ProgressEvent::Concurrency { transfers: limit });
            match why {
                Some(why) => {
                    tracing::debug!(concurrency = limit, ?why, "transfer concurrency changed");
                }
                None => tracing::debug!(concurrency = limit, "transfer concurrency"),
            }
        }
        GateChange::InFlight(running) => {
            Counters::set(&state.counters.in_flight, running as u64);
        }
    })
}
