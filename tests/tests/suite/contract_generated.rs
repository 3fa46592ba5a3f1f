//! The generated client against the spec served by Prism's validating mock: every generated
//! operation sends what the spec allows and decodes what it documents, and Prism serves and
//! validates the multipart upload the generator leaves to hand-written code.

use aymara_api::types::{FileTypeFilter, FileUpload, FileUploadRequest, FileUploadRequestItem};
use aymara_api::{ApiKey, Client, ResponseValue};
use aymara_test_support::multipart;
use aymara_test_support::prism::Prism;

fn conforms<T>(what: &str, response: &ResponseValue<T>) {
    assert!(
        !response.headers().contains_key("sl-violations"),
        "{what}: {:?}",
        response.headers().get("sl-violations")
    );
}

#[tokio::test]
async fn prism_serves_every_operation_and_validates_what_clients_send() {
    let prism = Prism::mock();
    let client = Client::new_with_client(
        prism.url(),
        reqwest::Client::new(),
        ApiKey::new("contract-key").unwrap(),
    );

    let item = FileUploadRequestItem::try_from(
        FileUploadRequestItem::builder().local_file_path("data/prompts.csv".to_string()),
    )
    .unwrap();
    let created = client
        .post_files()
        .body(FileUploadRequest::builder().files(vec![item]))
        .send()
        .await
        .unwrap();
    conforms("post_files", &created);
    assert_eq!(created.files.len(), 1);

    let page = client
        .list_files()
        .workspace_uuid("w")
        .file_type(FileTypeFilter::Video)
        .limit(2u64)
        .offset(0u64)
        .send()
        .await
        .unwrap();
    conforms("list_files", &page);
    assert!(page.count.is_some() && !page.items.is_empty());

    let detail = client.get_file().file_uuid("f").send().await.unwrap();
    conforms("get_file", &detail);
    let status = client
        .get_file_status()
        .file_uuid("f")
        .send()
        .await
        .unwrap();
    conforms("get_file_status", &status);
    let frames = client
        .get_file_frames()
        .file_uuid("f")
        .send()
        .await
        .unwrap();
    conforms("get_file_frames", &frames);
    assert_eq!(frames.frame_urls.len() as i64, frames.frame_count);
    let deleted = client.delete_file().file_uuid("f").send().await.unwrap();
    conforms("delete_file", &deleted);
    assert_eq!(deleted.status().as_u16(), 204);

    // A value the spec forbids never leaves the client: limit is at least 1.
    let refused = client.list_files().limit(0u64).send().await;
    assert!(matches!(refused, Err(aymara_api::Error::InvalidRequest(_))));

    // The multipart upload the generator leaves to hand-written code: Prism validates it.
    let http = reqwest::Client::new();
    let upload = |part: &str| {
        let (content_type, body) = multipart(&[(
            part,
            Some("cat.png"),
            Some("image/png"),
            b"not really a png",
        )]);
        http.post(format!(
            "{}/v2/files/-/uploads?workspace_uuid=w",
            prism.url()
        ))
        .header("x-api-key", "k")
        .header("content-type", content_type)
        .body(body)
        .send()
    };

    let accepted = upload("file").await.unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    assert!(!accepted.headers().contains_key("sl-violations"));
    let answer: FileUpload = accepted.json().await.unwrap();
    assert!(answer.file_uuid.is_some());

    let refused = upload("document").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let violations = refused.headers()["sl-violations"].to_str().unwrap();
    assert!(
        violations.contains("required property 'file'"),
        "{violations}"
    );
}
