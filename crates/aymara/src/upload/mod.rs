//! `client.files().upload(..)`: plan → presign → transfer → report.
//!
//! Presigning runs at most two batches ahead of the transfers, so presigned URLs are used
//! soon after they are made and memory stays flat for any number of files.

mod options;
mod plan;
mod presign;
mod transfer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures_util::{StreamExt, stream};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use options::{
    DEFAULT_CONCURRENCY, MAX_BATCH_SIZE, ProgressEvent, ProgressObserver, UploadOptions,
};

use crate::error::ApiErrorKind;
use crate::{Client, Error};
use plan::PlannedFile;
use presign::{Presigned, Target};

/// Batches presigned ahead of the transfers.
const PRESIGN_AHEAD: usize = 2;

/// A file that is uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The path as given, as sent to the API.
    pub local_file_path: String,
    /// The service's identifier for the file.
    pub file_uuid: String,
    /// The path later eval-run calls use, when the API gave one.
    pub remote_file_path: Option<String>,
    /// Bytes sent.
    pub size_bytes: u64,
    /// The `Content-Type` it was sent with.
    pub content_type: String,
}

/// What happened to one input path.
#[derive(Debug)]
#[non_exhaustive]
pub struct UploadOutcome {
    /// The path as given.
    pub path: PathBuf,
    /// The uploaded file, or why it failed.
    pub result: Result<UploadedFile, Error>,
}

/// One outcome per input path, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub struct UploadReport {
    /// The workspace the API put the files in (or the one asked for).
    pub workspace_uuid: Option<String>,
    /// One per input path, in the order given.
    pub outcomes: Vec<UploadOutcome>,
}

impl UploadReport {
    /// The files that were uploaded, in input order.
    pub fn uploaded(&self) -> impl Iterator<Item = &UploadedFile> {
        self.outcomes.iter().filter_map(|o| o.result.as_ref().ok())
    }

    /// The paths that failed, with why, in input order.
    pub fn failed(&self) -> impl Iterator<Item = (&Path, &Error)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (o.path.as_path(), e)))
    }

    /// Whether every path was uploaded.
    pub fn is_success(&self) -> bool {
        self.outcomes.iter().all(|o| o.result.is_ok())
    }
}

/// Errors after which every later batch would fail the same way, so none is sent.
fn is_fatal(error: &Error) -> bool {
    matches!(error, Error::Api(api) if matches!(
        api.kind,
        ApiErrorKind::Authentication | ApiErrorKind::PermissionDenied
    ))
}

pub(crate) async fn run<P: AsRef<Path>>(
    client: &Client,
    paths: impl IntoIterator<Item = P>,
    options: UploadOptions,
) -> Result<UploadReport, Error> {
    options.validate()?;
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .map(|p| p.as_ref().to_path_buf())
        .collect();
    let mut results: Vec<Option<Result<UploadedFile, Error>>> =
        (0..paths.len()).map(|_| None).collect();

    let mut ready = Vec::new();
    for planned in plan::plan(paths.clone(), options.content_type.clone()).await? {
        match planned {
            Ok(file) => {
                options.emit(ProgressEvent::Queued {
                    index: file.index,
                    path: &file.path,
                    size: file.size,
                });
                ready.push(file);
            }
            Err((index, path, error)) => {
                options.emit(ProgressEvent::Failed {
                    index,
                    path: &path,
                    error: &error,
                });
                results[index] = Some(Err(error));
            }
        }
    }
    options.emit(ProgressEvent::Planned {
        files: ready.len(),
        bytes: ready.iter().map(|f| f.size).sum(),
    });

    let cancel = options.cancel.clone().unwrap_or_default();
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let workspace: Mutex<Option<String>> = Mutex::new(options.workspace_uuid.clone());
    let files = client.files();
    let batch_size = options.batch_size_or_default();
    let mut batches = Vec::new();
    let mut ready = ready.into_iter().peekable();
    while ready.peek().is_some() {
        batches.push(ready.by_ref().take(batch_size).collect::<Vec<_>>());
    }

    let presigned = stream::iter(batches)
        .map(|batch| presign_batch(files, batch, &options, &cancel, &fatal))
        .buffered(PRESIGN_AHEAD)
        .flat_map(|presigned| {
            if let Some(uuid) = presigned.workspace_uuid
                && let Ok(mut workspace) = workspace.lock()
            {
                workspace.get_or_insert(uuid);
            }
            stream::iter(presigned.files)
        });
    let mut transfers = presigned
        .map(|(file, target)| transfer_file(client, file, target, &options, &cancel))
        .buffer_unordered(options.concurrency_or_default());
    while let Some((index, result)) = transfers.next().await {
        match &result {
            Ok(file) => options.emit(ProgressEvent::Done { index, file }),
            Err(error) => options.emit(ProgressEvent::Failed {
                index,
                path: &paths[index],
                error,
            }),
        }
        results[index] = Some(result);
    }
    drop(transfers);

    let outcomes = paths
        .into_iter()
        .zip(results)
        .map(|(path, result)| UploadOutcome {
            result: result.unwrap_or(Err(Error::Cancelled)),
            path,
        })
        .collect();
    Ok(UploadReport {
        workspace_uuid: workspace.into_inner().unwrap_or_default(),
        outcomes,
    })
}

async fn presign_batch(
    files: crate::Files<'_>,
    batch: Vec<PlannedFile>,
    options: &UploadOptions,
    cancel: &CancellationToken,
    fatal: &Mutex<Option<Error>>,
) -> Presigned {
    let workspace = options.workspace_uuid.clone();
    let earlier = fatal.lock().ok().and_then(|f| f.clone());
    let answer = match earlier {
        Some(error) => Err(error),
        None if cancel.is_cancelled() => Err(Error::Cancelled),
        None => tokio::select! {
            answer = presign::presign(files, &batch, workspace.as_deref()) => answer,
            () = cancel.cancelled() => Err(Error::Cancelled),
        },
    };
    match answer {
        Ok((answered, targets)) => Presigned {
            workspace_uuid: answered.or(workspace),
            files: batch.into_iter().zip(targets).collect(),
        },
        Err(error) => {
            if is_fatal(&error)
                && let Ok(mut fatal) = fatal.lock()
            {
                fatal.get_or_insert_with(|| error.clone());
            }
            Presigned::failed(batch, error, workspace)
        }
    }
}

async fn transfer_file(
    client: &Client,
    file: PlannedFile,
    target: Result<Target, Error>,
    options: &UploadOptions,
    cancel: &CancellationToken,
) -> (usize, Result<UploadedFile, Error>) {
    let target = match target {
        Ok(target) => target,
        Err(error) => return (file.index, Err(error)),
    };
    let inner = &client.inner;
    let attempts = inner.retry.run(
        |attempt| transfer::put_once(&inner.http, &file, &target, options, attempt),
        |attempt, error, delay| {
            tracing::info!(
                operation = "put_file",
                file_uuid = %target.file_uuid,
                attempt = attempt + 1,
                delay_ms = delay.as_millis() as u64,
                %error,
                "retrying"
            );
            options.emit(ProgressEvent::Retrying {
                index: file.index,
                attempt: attempt + 1,
                error,
            });
        },
    );
    let result = tokio::select! {
        result = attempts => result,
        () = cancel.cancelled() => Err(Error::Cancelled),
    };
    let uploaded = result.map(|()| UploadedFile {
        local_file_path: file.local_file_path,
        file_uuid: target.file_uuid,
        remote_file_path: target.remote_file_path,
        size_bytes: file.size,
        content_type: file.content_type,
    });
    (file.index, uploaded)
}
