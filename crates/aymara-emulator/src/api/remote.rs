//! Files created from a `remote_uri`. The emulator fetches nothing from outside: a URI is
//! accepted and the file ends `failed`, saying so, unless it is a presigned GET of the
//! emulator's own store, whose object is then copied as the file's bytes.

use std::time::SystemTime;

use crate::db::DbError;
use crate::files::FileRecord;
use crate::keys::Key;
use crate::objects::StoredObject;
use crate::part::{ObjectMeta, Part, commit};
use crate::signing::{SignedRequest, StoreMethod};
use crate::state::Shared;

/// The last path segment of a URI, decoded, for naming the file.
pub(super) fn last_segment(uri: &str) -> String {
    url::Url::parse(uri)
        .ok()
        .and_then(|u| {
            u.path_segments()?.next_back().map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
        .unwrap_or_default()
}

/// Copies the object `record.remote_uri` names into the file, or marks the file failed
/// with why not.
pub(super) async fn resolve(shared: &Shared, record: &FileRecord) -> Result<(), DbError> {
    let Some(uri) = &record.remote_uri else {
        return Ok(());
    };
    if let Err(message) = copy_own_object(shared, record, uri).await {
        let at = shared.clock.now();
        shared
            .db
            .run(|conn| conn.fail(&record.file_uuid, &message, at))?;
    }
    Ok(())
}

async fn copy_own_object(shared: &Shared, record: &FileRecord, uri: &str) -> Result<(), String> {
    let cannot_fetch = || {
        "the emulator cannot fetch remote URIs: only a presigned GET URL of its own store is copied"
            .to_owned()
    };
    let url = url::Url::parse(uri).map_err(|_| cannot_fetch())?;
    let own_store = format!("{}{}", shared.base_url, shared.store_prefix);
    if !uri.starts_with(&own_store) {
        return Err(cannot_fetch());
    }
    let raw_key = &url.path()[shared.store_prefix.len()..];
    let key = percent_encoding::percent_decode_str(raw_key)
        .decode_utf8()
        .map_err(|_| cannot_fetch())?;
    let Some(Key::Object { file_uuid, .. }) = Key::parse(&key) else {
        return Err(cannot_fetch());
    };
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let headers = axum::http::HeaderMap::new();
    shared
        .signer
        .verify(
            &SignedRequest {
                method: StoreMethod::Get,
                host: &host,
                raw_path: url.path(),
                key: &key,
                query: url.query(),
                headers: &headers,
            },
            SystemTime::now(),
        )
        .map_err(|e| {
            format!("remote_uri is not a valid presigned GET URL of the emulator's store: {e:?}")
        })?;
    let source = shared
        .db
        .live(&file_uuid)
        .map_err(|e| format!("cannot read the object remote_uri names: {e}"))?
        .filter(|source| source.key == key.as_ref())
        .and_then(|source| StoredObject::of(&source, &shared.objects_dir, shared.discard_bodies))
        .ok_or_else(|| "remote_uri names no stored object".to_owned())?;
    copy(shared, record, &source)
        .await
        .map_err(|e| format!("cannot copy the object remote_uri names: {e}"))
}

/// The source's bytes into a new part, committed under the file's key.
async fn copy(shared: &Shared, record: &FileRecord, source: &StoredObject) -> Result<(), DbError> {
    let mut part = Part::new(shared, shared.discard_bodies)?;
    if !shared.discard_bodies {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(&source.path).await?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            part.write(&buf[..n]).await?;
        }
    }
    let mut received = part.finish().await?;
    if shared.discard_bodies {
        // Nothing was read: the copy is the source's size and hash.
        received.size = source.size;
        received.sha256 = source.sha256.clone();
    }
    commit(
        shared,
        received,
        ObjectMeta {
            key: record.key.clone(),
            file_uuid: record.file_uuid.clone(),
            name: record.name().to_owned(),
            content_type: record.content_type.clone(),
            by_put: false,
        },
    )
    .await?;
    Ok(())
}
