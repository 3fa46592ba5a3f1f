//! `aymara files wait`: poll files' status until each is processed, or its time is up.

use std::time::Duration;

use aymara::WaitOptions;

use crate::Failure;
use crate::cli::WaitArgs;
use crate::commands::{Target, check_uuids, failed_if_any, for_each_uuid, uuid_error_line};
use crate::output::{
    self, FilesJson, ProcessingJson, Stdout, UuidFailedJson, WAIT_COLUMNS, WaitJson,
};

/// `aymara files wait`: exit 0 only when every file completed.
pub async fn wait(args: WaitArgs) -> Result<(), Failure> {
    check_uuids(&args.uuids)?;
    let target = Target::new(&args.api).await?;
    let files = target.client.files();
    let options = WaitOptions::new().deadline(Duration::from_secs(args.timeout));
    let results = for_each_uuid(&args.uuids, |uuid| {
        let files = files.clone();
        async move { files.wait_for_processing(&uuid, options).await }
    })
    .await;
    target.finish().await;
    let mut json = FilesJson {
        files: Vec::new(),
        failed: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut out = Stdout::new();
    if !args.json {
        out.line(format_args!("{}", WAIT_COLUMNS.header()))?;
    }
    for (uuid, result) in args.uuids.iter().zip(results) {
        match result {
            Ok(outcome) => {
                if !outcome.is_completed() {
                    lines.push(uuid_error_line(uuid, &outcome.to_string()));
                }
                if args.json {
                    json.files.push(WaitJson {
                        file_uuid: uuid.clone(),
                        processing: ProcessingJson::new(Ok(&outcome)),
                    });
                } else {
                    out.line(format_args!("{}", output::wait_row(uuid, &outcome)))?;
                }
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
