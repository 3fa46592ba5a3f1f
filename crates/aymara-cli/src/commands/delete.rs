//! `aymara files delete`: delete files; one line per file that could not be.

use crate::Failure;
use crate::cli::DeleteArgs;
use crate::commands::{call_each, failed_if_any};
use crate::output::{self, DeleteJson, Stdout};

/// `aymara files delete`.
pub async fn delete(args: DeleteArgs) -> Result<(), Failure> {
    let results = call_each(&args.api, &args.uuids, |files, uuid| async move {
        files.delete(&uuid).await
    })
    .await?;
    let mut out = Stdout::new();
    if args.json {
        out.json(&DeleteJson {
            deleted: results.done.into_iter().map(|(uuid, _)| uuid).collect(),
            failed: results.failed,
        })?;
    } else {
        for (uuid, _) in &results.done {
            out.line(format_args!("deleted {}", output::text(uuid)))?;
        }
    }
    failed_if_any(results.lines)
}
