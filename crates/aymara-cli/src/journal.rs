//! Which journal `files upload` keeps: by default one per destination (the API's base URL,
//! or `--local`'s store, and the workspace) under `.aymara/journal/`, so runs against
//! different services never mix; `--journal FILE` chooses another, `--no-journal` none.

use std::io;
use std::path::PathBuf;

use aymara::{Error, FileJournal, Shard};
use sha2::{Digest, Sha256};

use crate::Failure;
use crate::cli::{ApiArgs, UploadArgs};
use crate::output;
use crate::paths::STATE_DIR;

/// Where the default journals are, under the working directory.
pub fn default_dir() -> PathBuf {
    PathBuf::from(STATE_DIR).join("journal")
}

/// Names a destination: `--local`'s store by its directory and the organization of its
/// state (its port changes every run, and a directory emptied since holds another store,
/// whose files a journal of the old one must not skip), any other by the client's base URL.
pub fn destination(api: &ApiArgs, base_url: &str, local_organization: Option<&str>) -> String {
    if api.local {
        let dir = std::path::absolute(&api.data_dir).unwrap_or_else(|_| api.data_dir.clone());
        format!(
            "local:{}:{}",
            dir.display(),
            local_organization.unwrap_or_default()
        )
    } else {
        base_url.to_owned()
    }
}

/// The default journal of a destination, workspace and shard: `<host>-<hash>.jsonl`, the
/// hash telling apart ports, paths and workspaces, and `-shard-K-of-N` before `.jsonl` for
/// `--shard K/N`, so that workers sharing a directory never wait for each other's lock.
pub fn default_path(destination: &str, workspace: Option<&str>, shard: Option<Shard>) -> PathBuf {
    let digest = Sha256::digest(format!("{destination}\n{}", workspace.unwrap_or("")));
    let host = match destination.strip_prefix("local:") {
        Some(_) => "local".to_owned(),
        None => destination
            .split_once("://")
            .map_or(destination, |(_, rest)| rest)
            .split(['/', ':', '@'])
            .next()
            .unwrap_or_default()
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c,
                _ => '_',
            })
            .collect(),
    };
    let shard = shard.map_or(String::new(), |s| {
        format!("-shard-{}-of-{}", s.index(), s.count())
    });
    default_dir().join(format!(
        "{host}-{}{shard}.jsonl",
        &hex::encode(digest)[..12]
    ))
}

/// Opens the journal the arguments ask for (none with `--no-journal`), printing what it
/// found wrong as warnings. A dry run reads it without locking it. Any problem is a usage
/// error, before any request, except that a default journal the working directory cannot
/// hold (read-only, not ours) is done without, with a warning.
pub fn open(
    args: &UploadArgs,
    destination: &str,
    read_only: bool,
) -> Result<Option<FileJournal>, Failure> {
    if args.no_journal {
        return Ok(None);
    }
    let path = args
        .journal
        .clone()
        .unwrap_or_else(|| default_path(destination, args.workspace.as_deref(), args.shard));
    let opened = match read_only {
        true => FileJournal::open_read_only(&path),
        false => FileJournal::open(&path),
    };
    let journal = match opened {
        Ok(journal) => journal,
        Err(error) if args.journal.is_none() && is_kind(&error, UNWRITABLE) => {
            eprintln!(
                "warning: {}; uploading without a journal (--journal FILE keeps one elsewhere)",
                output::describe(&error)
            );
            return Ok(None);
        }
        Err(error) => {
            let mut line = output::describe(&error);
            if is_kind(&error, &[io::ErrorKind::WouldBlock]) {
                line.push_str("; wait for it to end, or pass --journal FILE or --no-journal");
            }
            return Err(Failure::usage(line));
        }
    };
    for warning in journal.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(Some(journal))
}

/// Why a directory cannot hold a journal at all.
const UNWRITABLE: &[io::ErrorKind] = &[
    io::ErrorKind::PermissionDenied,
    io::ErrorKind::ReadOnlyFilesystem,
];

fn is_kind(error: &Error, kinds: &[io::ErrorKind]) -> bool {
    matches!(error, Error::LocalFile { source, .. } if kinds.contains(&source.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_and_workspaces_get_journals_of_their_own() {
        let path = |d, w| default_path(d, w, None).display().to_string();
        let api = path("https://api.aymara.ai/", None);
        assert!(api.starts_with(".aymara/journal/api.aymara.ai-"), "{api}");
        assert!(api.ends_with(".jsonl"));
        assert_ne!(api, path("https://api.aymara.ai/", Some("ws-1")));
        assert_ne!(api, path("https://staging-api.aymara.ai/", None));
        let local = path("http://127.0.0.1:8080/", None);
        assert!(local.starts_with(".aymara/journal/127.0.0.1-"), "{local}");
        assert_ne!(local, path("http://127.0.0.1:9090/", None));
        assert!(path("local:/tmp/x", None).starts_with(".aymara/journal/local-"));
        assert_eq!(api, path("https://api.aymara.ai/", None), "stable");
        let shard = |k| default_path("https://api.aymara.ai/", None, Shard::new(k, 4).ok());
        let second = shard(2).display().to_string();
        assert_eq!(second, api.replace(".jsonl", "-shard-2-of-4.jsonl"));
        assert_ne!(shard(1), shard(2));
    }
}
