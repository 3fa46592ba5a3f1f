//! `aymara files wait`: poll files' status until each is processed, or its time is up.

use std::time::Duration;

use aymara::WaitOptions;

use crate::Failure;
use crate::cli::WaitArgs;
use crate::commands::{call_each, failed_if_any, uuid_error_line};
use crate::output::{self, FilesJson, ProcessingJson, Stdout, WAIT_COLUMNS, WaitJson};

/// `aymara files wait`: exit 0 only when every file completed.
pub async fn wait(args: WaitArgs) -> Result<(), Failure> {
    let options = WaitOptions::new().deadline(Duration::from_secs(args.timeout));
    let results = call_each(&args.api, &args.uuids, |files, uuid| async move {
        files.wait_for_processing(&uuid, options).await
    })
    .await?;
    let mut lines = results.lines;
    let mut out = Stdout::new();
    if !args.json {
        out.line(format_args!("{}", WAIT_COLUMNS.header()))?;
    }
    let mut json = FilesJson {
        files: Vec::new(),
        failed: results.failed,
    };
    for (uuid, outcome) in &results.done {
        if !outcome.is_completed() {
            lines.push(uuid_error_line(uuid, &outcome.to_string()));
        }
        if args.json {
            json.files.push(WaitJson {
                file_uuid: uuid.clone(),
                processing: ProcessingJson::new(Ok(outcome)),
            });
        } else {
            out.line(format_args!("{}", output::wait_row(uuid, outcome)))?;
        }
    }
    if args.json {
        out.json(&json)?;
    }
    failed_if_any(lines)
}
