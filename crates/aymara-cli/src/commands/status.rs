//! `aymara files status`: where files' processing stands.

use crate::Failure;
use crate::cli::StatusArgs;
use crate::commands::{call_each, failed_if_any};
use crate::output::{self, FilesJson, STATUS_COLUMNS, StatusJson, Stdout};

/// `aymara files status`.
pub async fn status(args: StatusArgs) -> Result<(), Failure> {
    let results = call_each(&args.api, &args.uuids, |files, uuid| async move {
        files.status(&uuid).await
    })
    .await?;
    let mut out = Stdout::new();
    if args.json {
        out.json(&FilesJson {
            files: results
                .done
                .iter()
                .map(|(_, status)| StatusJson::from(status.body()))
                .collect(),
            failed: results.failed,
        })?;
    } else if !results.done.is_empty() {
        out.line(format_args!("{}", STATUS_COLUMNS.header()))?;
        for (_, status) in &results.done {
            out.line(format_args!("{}", output::status_row(status.body())))?;
        }
    }
    failed_if_any(results.lines)
}
