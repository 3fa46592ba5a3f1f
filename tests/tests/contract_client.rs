//! The client against the spec served by Prism: what we send conforms (Prism rejects what
//! does not), and we parse what the spec says the service answers, for every status.

use aymara::types::{CreateFile, CreateRequest};
use aymara::{ApiErrorKind, Client, Error, UploadOptions};
use aymara_tests::prism::Prism;
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
        assert!(!response.files().is_empty());
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
    assert!(matches!(error, Error::InvalidResponse(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("\"string\", which was not asked for"),
        "{error}"
    );
}
