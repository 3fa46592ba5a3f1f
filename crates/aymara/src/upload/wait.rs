//! With [`UploadOptions::wait_for_processing`](crate::UploadOptions::wait_for_processing):
//! after a file is stored, its wait for processing, run by the engine outside the transfer
//! slots.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::api::Api;
use crate::files::{WaitOptions, wait_for_processing};
use crate::upload::report::{OutcomeKind, UploadOutcome};

/// `outcome` with the result of the wait when it is a stored file; as it is otherwise, or
/// when `stop` comes first.
pub(crate) async fn processed(
    api: &Api,
    outcome: UploadOutcome,
    options: WaitOptions,
    stop: &CancellationToken,
) -> UploadOutcome {
    let Some(file) = outcome.uploaded() else {
        return outcome;
    };
    let result = tokio::select! {
        biased;
        () = stop.cancelled() => return outcome,
        result = wait_for_processing(api, file.file_uuid(), options) => result,
    };
    let file = file.clone().with_processing(result.map_err(Arc::new));
    UploadOutcome::new(
        outcome.index(),
        outcome.path().to_path_buf(),
        OutcomeKind::Uploaded(file),
    )
}
