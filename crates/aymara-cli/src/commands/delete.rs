//! `aymara files delete`: delete files; one line per file that could not be.

use crate::Failure;
use crate::cli::DeleteArgs;
use crate::commands::{Target, check_uuids, failed_if_any, for_each_uuid, uuid_error_line};
use crate::output::{self, DeleteJson, Stdout, UuidFailedJson};

/// `aymara files delete`.
pub async fn delete(args: DeleteArgs) -> Result<(), Failure> {
    check_uuids(&args.uuids)?;
    let target = Target::new(&args.api).await?;
    let files = target.client.files();
    let results = for_each_uuid(&args.uuids, |uuid| {
        let files = files.clone();
        async move { files.delete(&uuid).await }
    })
    .await;
    target.finish().await;
    let mut json = DeleteJson {
        deleted: Vec::new(),
        failed: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut out = Stdout::new();
    for (uuid, result) in args.uuids.iter().zip(results) {
        match result {
            Ok(_) if args.json => json.deleted.push(uuid.clone()),
            Ok(_) => out.line(format_args!("deleted {}", output::text(uuid)))?,
            Err(error) => {
                let why = output::describe(&error);
                lines.push(uuid_error_line(uuid, &why));
                json.failed.push(UuidFailedJson {
                    file_uuid: uuid.clone(),
                    error: why,
                });
            }
        }
    }
    if args.json {
        out.json(&json)?;
    }
    failed_if_any(lines)
}
