//! Between planning and presigning: the files the journal says are stored already are set
//! aside, so a re-run sends only what is missing.

use std::cell::Cell;

use crate::Error;
use crate::body::{CHUNK_SIZE, hash};
use crate::plan::PlannedFile;
use crate::upload::journal::{Journal, JournalQuery};
use crate::upload::options::UploadOptions;
use crate::upload::report::SkippedFile;

/// The planned files split into those to send and those to skip, each in input order.
pub(crate) type Split = (Vec<PlannedFile>, Vec<(PlannedFile, SkippedFile)>);

/// Asks the journal about every planned file, on a blocking thread (it may read files, to
/// hash them with `checksum`). Without a journal, or with `force`, every file is sent.
pub(crate) async fn split(
    planned: Vec<PlannedFile>,
    options: &UploadOptions,
) -> Result<Split, Error> {
    let journal = match &options.journal {
        Some(journal) if !options.force => journal.clone(),
        _ => return Ok((planned, Vec::new())),
    };
    let checksum = options.checksum;
    let workspace = options.workspace_uuid.clone();
    tokio::task::spawn_blocking(move || {
        // In place: a second list of every planned file would double what planning holds.
        let mut send = planned;
        // What the closure found, handed to the loop body; and the first error, after which
        // nothing more is asked.
        let (found, mut failure) = (Cell::new(None), None);
        let mut skip = Vec::new();
        let skipped = send.extract_if(.., |file| {
            if failure.is_some() {
                return false;
            }
            match find(&*journal, file, checksum, workspace.as_deref()) {
                Ok(Some(entry)) => {
                    found.set(Some(entry));
                    true
                }
                Ok(None) => false,
                Err(error) => {
                    failure = Some(error);
                    false
                }
            }
        });
        for file in skipped {
            skip.extend(found.take().map(|entry| (file, entry)));
        }
        match failure {
            Some(error) => Err(error),
            None => Ok((send, skip)),
        }
    })
    .await
    .map_err(|join| Error::internal("asking the journal", join))?
}

/// The journal's entry for `file`, if it matches.
fn find(
    journal: &dyn Journal,
    file: &PlannedFile,
    checksum: bool,
    workspace: Option<&str>,
) -> Result<Option<SkippedFile>, Error> {
    let content_hash = match checksum {
        true => Some(
            hash::of_file(file.path(), CHUNK_SIZE)
                .map_err(|e| Error::local_file(file.path(), e))?,
        ),
        false => None,
    };
    let mut query = JournalQuery::new(&file.local_file_path, file.size)
        .with_modified(file.modified)
        .with_workspace_uuid(workspace);
    if let Some(content_hash) = &content_hash {
        query = query.with_blake3(content_hash);
    }
    let entry = journal.find(&query).map_err(Error::Journal)?;
    Ok(entry
        .filter(|entry| entry.matches(&query))
        .map(SkippedFile::new))
}
