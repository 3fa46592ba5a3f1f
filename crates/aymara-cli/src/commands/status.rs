//! `aymara files status`: where files' processing stands.

use crate::Failure;
use crate::cli::StatusArgs;
use crate::commands::{Target, check_uuids, failed_if_any, for_each_uuid, uuid_error_line};
use crate::output::{self, FilesJson, STATUS_COLUMNS, StatusJson, Stdout, UuidFailedJson};

/// `aymara files status`.
pub async fn status(args: StatusArgs) -> Result<(), Failure> {
    check_uuids(&args.uuids)?;
    let target = Target::new(&args.api).await?;
    let files = target.client.files();
    let results = for_each_uuid(&args.uuids, |uuid| {
        let files = files.clone();
        async move { files.status(&uuid).await }
    })
    .await;
    target.finish().await;
    let mut json = FilesJson {
        files: Vec::new(),
        failed: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut out = Stdout::new();
    let mut rows = 0;
    for (uuid, result) in args.uuids.iter().zip(results) {
        match result {
            Ok(status) if args.json => json.files.push(StatusJson::from(&*status)),
            Ok(status) => {
                if rows == 0 {
                    out.line(format_args!("{}", STATUS_COLUMNS.header()))?;
                }
                rows += 1;
                out.line(format_args!("{}", output::status_row(&status)))?;
            }
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
