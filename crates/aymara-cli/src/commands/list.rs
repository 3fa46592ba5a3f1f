//! `aymara files list`: every page, printed as it arrives.

use aymara::types::FileType;
use aymara::{Client, ListOptions};

use crate::Failure;
use crate::cli::{FileTypeArg, ListArgs};
use crate::commands::Target;
use crate::output::{self, DetailJson, LIST_COLUMNS, ListJson, Stdout};

/// `aymara files list`.
pub async fn list(args: ListArgs) -> Result<(), Failure> {
    let target = Target::new(&args.api).await?;
    let result = print(&target.client, &args).await;
    target.finish().await;
    result
}

async fn print(client: &Client, args: &ListArgs) -> Result<(), Failure> {
    let page_size = match args.limit {
        Some(limit) => args.page_size.min(u32::try_from(limit).unwrap_or(u32::MAX)),
        None => args.page_size,
    };
    let mut options = ListOptions::new().page_size(page_size);
    if let Some(uuid) = &args.workspace {
        options = options.workspace_uuid(uuid);
    }
    if let Some(kind) = args.file_type {
        options = options.file_type(match kind {
            FileTypeArg::Image => FileType::Image,
            FileTypeArg::Video => FileType::Video,
            FileTypeArg::Text => FileType::Text,
            FileTypeArg::Document => FileType::Document,
        });
    }
    let mut files = client.files().list(options);
    let mut out = Stdout::new();
    let mut collected = Vec::new();
    let mut shown = 0;
    while let Some(file) = files.next_file().await {
        let file = file.map_err(|e| Failure::failed(vec![output::error_line(None, &e)]))?;
        if args.json {
            collected.push(DetailJson::from(&file));
        } else if args.ndjson {
            out.json(&DetailJson::from(&file))?;
        } else {
            if shown == 0 {
                out.line(format_args!("{}", LIST_COLUMNS.header()))?;
            }
            out.line(format_args!("{}", output::list_row(&file)))?;
        }
        shown += 1;
        if out.is_closed() || args.limit.is_some_and(|limit| shown >= limit) {
            break;
        }
    }
    if args.json {
        out.json(&ListJson {
            count: files.total(),
            files: collected,
        })?;
    } else if !args.ndjson && shown == 0 {
        out.line(format_args!("No files."))?;
    }
    Ok(())
}
