//! The client against the spec served by Prism: what we send conforms (Prism rejects what
//! does not), and we parse what the spec says the service answers, for every status.

use aymara::types::{CreateFile, CreateRequest};
use aymara::{ApiErrorKind, Client, Error, UploadOptions};
use aymara_test_support::prism::Prism;
use reqwest::header::{HeaderMap, HeaderValue};

fn request(workspace: Option<&str>) -> CreateRequest {
    let request = CreateRequest::new()
        .file(CreateFile::local("data/prompts.csv").content_type("text/csv"))
        .file(CreateFile::local("cat.png"));
    match workspace {
        Some(uuid) => request.workspace_uuid(uuid),
        None => request,
    }
}

fn client(prism: &Prism, prefer: Option<u16>) -> Client {
    let mut headers = HeaderMap::new();
    if let Some(code) = prefer {
        headers.insert(
            "prefer",
            HeaderValue::from_str(&format!("code={code}")).unwrap(),
        );
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::builder()
        .api_key("contract-key")
        .base_url(prism.url())
        .http_client(http)
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn prism_accepts_our_requests_and_we_parse_every_answer_it_documents() {
    let prism = Prism::mock();

    // Prism does validate: a request with a field of the wrong type is refused.
    let refused = reqwest::Client::new()
        .post(format!("{}/v2/files", prism.url()))
        .header("x-api-key", "k")
        .json(&serde_json::json!({"files": [{"local_file_path": 7}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.headers().contains_key("sl-violations"));

    for workspace in [None, Some("3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41")] {
        let response = client(&prism, None)
            .files()
            .create(&request(workspace))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            !response.headers().contains_key("sl-violations"),
            "{:?}",
            response.headers()
        );
        assert!(!response.body().files().is_empty());
    }

    let statuses = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (403, ApiErrorKind::PermissionDenied),
        (404, ApiErrorKind::NotFound),
        (409, ApiErrorKind::Conflict),
        (422, ApiErrorKind::UnprocessableEntity),
        (429, ApiErrorKind::RateLimited),
        (500, ApiErrorKind::InternalServer),
        (503, ApiErrorKind::ServiceUnavailable),
    ];
    for (status, kind) in statuses {
        let error = client(&prism, Some(status))
            .files()
            .create(&request(None))
            .await
            .unwrap_err();
        let Error::Api(api) = error else {
            panic!("{status}: {error:?}")
        };
        assert_eq!((api.status().as_u16(), api.kind()), (status, kind));
        assert!(
            api.code().is_some() && api.message().is_some(),
            "{status}: the envelope was parsed"
        );
    }
}

#[tokio::test]
async fn an_upload_against_example_urls_fails_per_file_and_says_why() {
    let prism = Prism::mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.csv");
    std::fs::write(&path, "x").unwrap();
    let report = client(&prism, None)
        .files()
        .upload([&path], UploadOptions::new())
        .await
        .unwrap();
    // Prism's example answers for a file named "string", at a file_url that is not a URL.
    let (_, error) = report
        .failed()
        .next()
        .expect("the example answer cannot be used");
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("\"string\", which was not asked for"),
        "{error}"
    );
}

/// The calls of the Files resource beyond `create`, each with what came back: the answer's
/// headers on success.
const OPERATIONS: [&str; 7] = [
    "create_remote",
    "list",
    "get",
    "delete",
    "status",
    "frames",
    "upload_direct",
];

const UUID: &str = "9b2f6c1e-4a7d-4e3b-8f15-2c6d9e0a7b34";
const WORKSPACE: &str = "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41";

async fn call(
    client: &Client,
    operation: &str,
    file: &std::path::Path,
) -> Result<HeaderMap, Error> {
    use aymara::ListOptions;
    use aymara::types::FileType;
    let files = client.files();
    Ok(match operation {
        "create_remote" => {
            let request = CreateRequest::new()
                .workspace_uuid(WORKSPACE)
                .file(CreateFile::remote("https://example.com/clip.mp4").content_type("video/mp4"));
            files.create(&request).await?.headers().clone()
        }
        "list" => {
            let options = ListOptions::new()
                .workspace_uuid(WORKSPACE)
                .file_type(FileType::Image)
                .page_size(2);
            let page = files.list_page(&options, 2).await?;
            assert!(!page.body().items().is_empty() && page.body().count().is_some());
            page.headers().clone()
        }
        "get" => {
            let file = files.get(UUID).await?;
            assert!(!file.body().file_uuid().is_empty());
            file.headers().clone()
        }
        "delete" => files.delete(UUID).await?.headers().clone(),
        "status" => {
            let status = files.status(UUID).await?;
            assert!(!status.body().processing_status().as_str().is_empty());
            status.headers().clone()
        }
        "frames" => {
            let frames = files.frames(UUID).await?;
            assert_eq!(
                frames.body().frame_urls().len() as u64,
                frames.body().frame_count()
            );
            frames.headers().clone()
        }
        "upload_direct" => {
            let answer = files.upload_direct(file).workspace_uuid(WORKSPACE).await?;
            assert!(answer.body().file_uuid().is_some());
            answer.headers().clone()
        }
        other => unreachable!("{other}"),
    })
}

#[tokio::test]
async fn prism_accepts_every_operation_we_send_and_we_parse_every_documented_answer() {
    let prism = Prism::mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cat.png");
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n").unwrap();

    for operation in OPERATIONS {
        let headers = call(&client(&prism, None), operation, &file)
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        assert!(
            !headers.contains_key("sl-violations"),
            "{operation}: {:?}",
            headers.get("sl-violations")
        );
    }

    // Prism does check these requests: a direct upload without its `file` part is refused.
    let refused = reqwest::Client::new()
        .post(format!("{}/v2/files/-/uploads", prism.url()))
        .header("x-api-key", "k")
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n1\r\n--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.headers().contains_key("sl-violations"));

    for operation in OPERATIONS {
        for (status, kind) in [
            (401, ApiErrorKind::Authentication),
            (404, ApiErrorKind::NotFound),
            (409, ApiErrorKind::Conflict),
            (422, ApiErrorKind::UnprocessableEntity),
            (503, ApiErrorKind::ServiceUnavailable),
        ] {
            let error = call(&client(&prism, Some(status)), operation, &file)
                .await
                .unwrap_err();
            let Error::Api(api) = &error else {
                panic!("{operation} {status}: {error:?}")
            };
            assert_eq!(
                (api.status().as_u16(), api.kind()),
                (status, kind),
                "{operation}"
            );
            assert!(
                api.code().is_some(),
                "{operation} {status}: the envelope was parsed"
            );
        }
    }
}
