//! `aymara files get`: what the service holds for one file.

use crate::Failure;
use crate::cli::GetArgs;
use crate::commands::{Target, check_uuids, uuid_error_line};
use crate::output::{self, DetailJson, Stdout};

/// `aymara files get`.
pub async fn get(args: GetArgs) -> Result<(), Failure> {
    check_uuids(std::slice::from_ref(&args.uuid))?;
    let target = Target::new(&args.api).await?;
    let result = target.client.files().get(&args.uuid).await;
    target.finish().await;
    let file = result
        .map_err(|e| Failure::failed(vec![uuid_error_line(&args.uuid, &output::describe(&e))]))?;
    let mut out = Stdout::new();
    if args.json {
        return out.json(&DetailJson::from(file.body()));
    }
    for line in output::detail_lines(file.body()) {
        out.line(format_args!("{line}"))?;
    }
    Ok(())
}
