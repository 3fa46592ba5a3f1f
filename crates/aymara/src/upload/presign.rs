//! Step 2: `POST /v2/files` for a batch, and matching every answer to its request.

use std::time::{Duration, SystemTime};

use url::Url;

use crate::api::Api;
use crate::plan::PlannedFile;
use crate::types::{CreateFile, CreateRequest, FileUpload};
use crate::upload::expiry::Expiry;
use crate::{Error, urls};

/// The call that presigns, as errors name it.
pub(crate) const POST_FILES: &str = "post_files";

/// Where one file's bytes go.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub url: Url,
    /// `url` redacted, for errors and logs.
    pub shown_url: String,
    pub file_uuid: String,
    pub remote_file_path: Option<String>,
    /// When `url` stops working, if it says.
    pub expiry: Option<Expiry>,
}

/// Presigns one batch: the workspace the API answered with, and one target per file in
/// batch order. A failed call, or an answer that does not match the request, is an error
/// for the whole batch. `retries` overrides the client's retry count.
pub(crate) async fn presign(
    api: &Api,
    batch: &[PlannedFile],
    workspace_uuid: Option<&str>,
    retries: Option<u32>,
    on_retry: impl FnMut(u32, &Error, Duration),
) -> Result<(Option<String>, Vec<Result<Target, Error>>), Error> {
    let mut request = CreateRequest::new().files(batch.iter().map(|file| {
        CreateFile::local(file.local_file_path.clone()).content_type(file.content_type.as_str())
    }));
    if let Some(uuid) = workspace_uuid {
        request = request.workspace_uuid(uuid);
    }
    let response = api
        .create_with(&request, retries, on_retry)
        .await?
        .into_inner();
    let workspace = response.workspace_uuid().map(str::to_string);
    let targets = match_answers(batch, response.into_files())?;
    Ok((workspace, targets))
}

/// Pairs each requested file with its answer. Answers are matched by `local_file_path`
/// when the API echoes it (repeated paths in order), else by position. Any mismatch in
/// count or paths fails the batch: a file is never silently skipped or swapped.
fn match_answers(
    batch: &[PlannedFile],
    answers: Vec<FileUpload>,
) -> Result<Vec<Result<Target, Error>>, Error> {
    if answers.len() != batch.len() {
        return Err(Error::invalid_response(
            POST_FILES,
            format!(
                "asked to presign {} files, got {} answers",
                batch.len(),
                answers.len()
            ),
        ));
    }
    let mut slots: Vec<Option<FileUpload>> = vec![None; batch.len()];
    if answers.iter().all(|a| a.local_file_path().is_some()) {
        for answer in answers {
            let path = answer.local_file_path().unwrap_or_default();
            let slot = batch
                .iter()
                .zip(slots.iter())
                .position(|(file, slot)| slot.is_none() && file.local_file_path == path)
                .ok_or_else(|| {
                    Error::invalid_response(
                        POST_FILES,
                        format!("got an answer for {path:?}, which was not asked for"),
                    )
                })?;
            slots[slot] = Some(answer);
        }
    } else {
        slots = answers.into_iter().map(Some).collect();
    }
    Ok(batch
        .iter()
        .zip(slots)
        .map(|(file, answer)| target(file, answer.unwrap_or_default()))
        .collect())
}

fn target(file: &PlannedFile, answer: FileUpload) -> Result<Target, Error> {
    let name = &file.local_file_path;
    let missing = |field: &str| {
        Error::invalid_response(
            POST_FILES,
            format!("the answer for {name:?} has no {field}"),
        )
    };
    let url = answer.file_url().ok_or_else(|| missing("file_url"))?;
    let url = urls::parse_secure(url, &format!("presigned file_url for {name:?}"))
        .map_err(|problem| Error::invalid_response(POST_FILES, problem))?;
    let file_uuid = answer.file_uuid().ok_or_else(|| missing("file_uuid"))?;
    Ok(Target {
        shown_url: aymara_text::redact_url(&url),
        expiry: Expiry::of(&url, tokio::time::Instant::now(), SystemTime::now()),
        url,
        file_uuid: file_uuid.to_string(),
        remote_file_path: answer.remote_file_path().map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ContentType;

    fn planned(names: &[&str]) -> Vec<PlannedFile> {
        names
            .iter()
            .enumerate()
            .map(|(index, name)| PlannedFile {
                index,
                local_file_path: name.to_string(),
                size: 1,
                modified: None,
                content_type: ContentType::Guessed("text/plain"),
            })
            .collect()
    }

    fn answer(path: Option<&str>, uuid: &str) -> FileUpload {
        let answer = FileUpload::new()
            .with_file_uuid(uuid)
            .with_file_url(format!("https://store.example/{uuid}?X-Amz-Signature=s"))
            .with_remote_file_path(format!("r/{uuid}"));
        match path {
            Some(path) => answer.with_local_file_path(path),
            None => answer,
        }
    }

    fn uuids(targets: Vec<Result<Target, Error>>) -> Vec<String> {
        targets.into_iter().map(|t| t.unwrap().file_uuid).collect()
    }

    #[test]
    fn answers_are_matched_by_path_in_any_order_with_repeats_in_order() {
        let batch = planned(&["a", "b", "a"]);
        let answers = vec![
            answer(Some("b"), "2"),
            answer(Some("a"), "1"),
            answer(Some("a"), "3"),
        ];
        assert_eq!(
            uuids(match_answers(&batch, answers).unwrap()),
            ["1", "2", "3"]
        );
    }

    #[test]
    fn answers_without_paths_are_matched_by_position() {
        let batch = planned(&["a", "b"]);
        let answers = vec![answer(None, "1"), answer(None, "2")];
        assert_eq!(uuids(match_answers(&batch, answers).unwrap()), ["1", "2"]);
    }

    #[test]
    fn count_and_path_mismatches_fail_the_batch() {
        let batch = planned(&["a", "b"]);
        let short = match_answers(&batch, vec![answer(Some("a"), "1")]).unwrap_err();
        assert_eq!(
            short.to_string(),
            "invalid response from the API to post_files: asked to presign 2 files, got 1 answers"
        );
        let stranger = vec![answer(Some("a"), "1"), answer(Some("z"), "2")];
        let err = match_answers(&batch, stranger).unwrap_err();
        assert!(err.to_string().contains("\"z\""), "{err}");
    }

    #[test]
    fn a_missing_or_insecure_url_fails_only_that_file() {
        let batch = planned(&["a", "b", "c"]);
        let no_url = FileUpload::new()
            .with_file_uuid("2")
            .with_local_file_path("b");
        let plain = FileUpload::new()
            .with_file_uuid("3")
            .with_local_file_path("c")
            .with_file_url("http://store.example/3?X-Amz-Signature=secret");
        let targets = match_answers(&batch, vec![answer(Some("a"), "1"), no_url, plain]).unwrap();
        assert!(targets[0].is_ok());
        let no_url = targets[1].as_ref().unwrap_err().to_string();
        assert_eq!(
            no_url,
            "invalid response from the API to post_files: the answer for \"b\" has no file_url"
        );
        let plain = targets[2].as_ref().unwrap_err().to_string();
        assert!(
            plain.contains("must use https") && !plain.contains("secret"),
            "{plain}"
        );
    }
}
