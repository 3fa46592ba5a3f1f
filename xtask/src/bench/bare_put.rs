//! The HTTP stack the SDK is built on, alone: one `PUT` of one file to a presigned URL with
//! reqwest, as fast as we found it goes (one thread; the file read in 64 KiB pieces on the
//! task that sends them, each written on its own). No SDK, no presign, no retry, no
//! journal: the floor of the stack, as `curl` is the floor of the transfer.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use futures_util::stream;

/// The hidden subcommand the bench runs it as.
pub const HELPER: &str = "__bare-put";

const PIECE: usize = 64 * 1024;

/// PUTs the file at `path` to `url`.
pub fn run(url: &str, path: &Path) -> Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata()?.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start a runtime")?;
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot build the HTTP client")?;
        let pieces = stream::try_unfold((file, 0u64), move |(mut file, sent)| async move {
            if sent == size {
                return Ok(None);
            }
            if sent > 0 {
                // Lets hyper write the piece before on its own.
                tokio::task::yield_now().await;
            }
            let len = usize::try_from(size - sent).map_or(PIECE, |left| left.min(PIECE));
            let mut buf = vec![0; len];
            file.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>(Some((Bytes::from(buf), (file, sent + len as u64))))
        });
        let response = client
            .put(url)
            .header("content-type", "application/octet-stream")
            .header("content-length", size)
            .body(reqwest::Body::wrap_stream(pieces))
            .send()
            .await
            .context("the PUT failed")?;
        if !response.status().is_success() {
            bail!("the store answered {}", response.status());
        }
        Ok(())
    })
}
