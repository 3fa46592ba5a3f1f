//! The `files upload` and `files create` commands.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use aymara::types::{FileUploadRequest, FileUploadRequestItem};
use aymara::{Client, Error, UploadOptions};
use aymara_emulator::Emulator;

use crate::cli::{ApiArgs, CreateArgs, UploadArgs};
use crate::output::{self, UploadJson};
use crate::progress::Progress;
use crate::{Failure, local, paths};

/// The client, and the emulator behind it with `--local` (kept alive while in use).
struct Target {
    client: Client,
    local: Option<Emulator>,
}

impl Target {
    /// Builds the client: with `--local`, against an emulator started here; otherwise key
    /// from the environment only, base URL from the flag or the environment. Any problem is
    /// a configuration error (exit 2) before any network call.
    async fn new(api: &ApiArgs) -> Result<Self, Failure> {
        let builder = Client::builder().max_retries(api.max_retries);
        let (builder, local) = if api.local {
            let emulator = local::start_for_command(&api.data_dir).await?;
            let builder = builder
                .api_key(local::LOCAL_KEY)
                .base_url(emulator.base_url());
            (builder, Some(emulator))
        } else {
            let builder = match &api.base_url {
                Some(url) => builder.base_url(url),
                None => builder,
            };
            (builder.from_env(), None)
        };
        let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
        Ok(Self { client, local })
    }

    /// Stops the local emulator, if any, after letting in-flight requests finish.
    async fn finish(self) {
        if let Some(emulator) = self.local {
            emulator.shutdown().await;
        }
    }
}

/// `aymara files upload`.
pub async fn upload(args: UploadArgs) -> Result<(), Failure> {
    let files = paths::expand(&args.paths, args.recursive).map_err(Failure::usage_lines)?;
    let target = Target::new(&args.api).await?;
    let client = &target.client;

    let progress = Arc::new(Progress::new(files.len(), !args.json && !args.quiet));
    let cancel = aymara::CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let mut options = UploadOptions::new()
        .concurrency(args.concurrency)
        .cancel_token(cancel);
    if let Some(uuid) = &args.workspace {
        options = options.workspace_uuid(uuid);
    }
    if let Some(mime) = &args.content_type {
        options = options.content_type(mime);
    }
    let observer = progress.clone();
    options = options.observer(move |event: &aymara::ProgressEvent<'_>| observer.on_event(event));

    let started = Instant::now();
    let report = client.files().upload(&files, options).await;
    progress.finish();
    let stored_in = target
        .local
        .as_ref()
        .map(|e| e.data_dir().display().to_string());
    target.finish().await;
    let report = report.map_err(|e| Failure::usage(e.to_string()))?;

    if args.json {
        print_json(&UploadJson::new(&report))?;
    } else if !args.quiet {
        let uploaded: Vec<_> = report.uploaded().collect();
        let total: u64 = uploaded.iter().map(|f| f.size_bytes).sum();
        let mut out = std::io::stdout().lock();
        let workspace = match report.workspace_uuid.as_deref() {
            Some(w) if !uploaded.is_empty() => format!(" to workspace {w}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "Uploaded {} of {} files ({}){workspace} in {:.1}s",
            uploaded.len(),
            report.outcomes.len(),
            output::bytes(total),
            started.elapsed().as_secs_f64()
        )
        .map_err(Failure::io)?;
        if let Some(dir) = stored_in {
            writeln!(out, "Stored by the local emulator under {dir}/").map_err(Failure::io)?;
        }
    }
    let lines = output::failure_lines(report.failed());
    if lines.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(lines))
    }
}

/// `aymara files create`.
pub async fn create(args: CreateArgs) -> Result<(), Failure> {
    let target = Target::new(&args.api).await?;
    let request = FileUploadRequest {
        workspace_uuid: args.workspace.clone(),
        files: args
            .paths
            .iter()
            .map(|path| FileUploadRequestItem {
                local_file_path: Some(path.clone()),
                content_type: None,
                remote_uri: None,
            })
            .collect(),
    };
    let response = target.client.files().create(&request).await;
    target.finish().await;
    let response = response.map_err(|e: Error| Failure::failed(vec![format!("error: {e}")]))?;
    if args.json {
        return print_json(&*response);
    }
    let mut out = std::io::stdout().lock();
    let workspace = response.workspace_uuid.as_deref().unwrap_or("(default)");
    writeln!(out, "workspace {workspace}").map_err(Failure::io)?;
    for file in &response.files {
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{}\t{}\t{}",
            field(&file.local_file_path),
            field(&file.file_uuid),
            field(&file.remote_file_path)
        )
        .map_err(Failure::io)?;
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).map_err(|e| Failure::io(e.into()))?;
    writeln!(out).map_err(Failure::io)
}
