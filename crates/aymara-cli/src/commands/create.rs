//! `aymara files create`: only presign; send no bytes.

use aymara::types::{CreateFile, CreateRequest};

use crate::Failure;
use crate::cli::CreateArgs;
use crate::commands::Target;
use crate::output::{self, Stdout};

/// `aymara files create`.
pub async fn create(args: CreateArgs) -> Result<(), Failure> {
    let target = Target::new(&args.api).await?;
    let mut request = CreateRequest::new().files(
        args.paths
            .iter()
            .map(|path| CreateFile::local(path.clone())),
    );
    if let Some(uuid) = &args.workspace {
        request = request.workspace_uuid(uuid);
    }
    let response = target.client.files().create(&request).await;
    target.finish().await;
    let response = response.map_err(|e| Failure::failed(vec![output::error_line(None, &e)]))?;
    let mut out = Stdout::new();
    if args.json {
        return out.json(&output::CreateJson::new(response.body()));
    }
    let shown = |v: Option<&str>| v.map_or_else(|| "-".to_owned(), output::text);
    out.line(format_args!(
        "workspace {}",
        response
            .body()
            .workspace_uuid()
            .map_or_else(|| "(default)".to_owned(), output::text)
    ))?;
    for file in response.body().files() {
        out.line(format_args!(
            "{}\t{}\t{}",
            shown(file.local_file_path()),
            shown(file.file_uuid()),
            shown(file.remote_file_path())
        ))?;
    }
    Ok(())
}
