//! How API answers turn into `aymara::Error`: every documented status, an undocumented one,
//! and bodies that are not the error envelope.

use aymara::{ApiErrorKind, Client, Error, ErrorCode};
use aymara_test_support::mock::{Canned, MockServer, one_file_request};

async fn api_error(server: &MockServer, canned: Canned) -> aymara::ApiError {
    server.script_presign([canned]);
    match server.client(0).files().create(&one_file_request()).await {
        Err(Error::Api(api)) => *api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_documented_status_maps_to_its_kind_code_and_request_id() {
    let server = MockServer::start().await;
    let cases = [
        (
            400,
            ApiErrorKind::BadRequest,
            "validation.invalid_request",
            ErrorCode::ValidationInvalidRequest,
        ),
        (
            401,
            ApiErrorKind::Authentication,
            "auth.invalid_key",
            ErrorCode::AuthInvalidKey,
        ),
        (
            403,
            ApiErrorKind::PermissionDenied,
            "auth.insufficient_permissions",
            ErrorCode::AuthInsufficientPermissions,
        ),
        (
            404,
            ApiErrorKind::NotFound,
            "resource.not_found",
            ErrorCode::ResourceNotFound,
        ),
        (
            409,
            ApiErrorKind::Conflict,
            "resource.conflict",
            ErrorCode::ResourceConflict,
        ),
        (
            422,
            ApiErrorKind::UnprocessableEntity,
            "validation.invalid_format",
            ErrorCode::ValidationInvalidFormat,
        ),
        (
            429,
            ApiErrorKind::RateLimited,
            "quota.limit_exceeded",
            ErrorCode::QuotaLimitExceeded,
        ),
        (
            500,
            ApiErrorKind::InternalServer,
            "server.internal_error",
            ErrorCode::ServerInternalError,
        ),
        (
            503,
            ApiErrorKind::ServiceUnavailable,
            "auth.expired_key",
            ErrorCode::AuthExpiredKey,
        ),
        (
            418,
            ApiErrorKind::Other,
            "teapot.brewing",
            ErrorCode::from("teapot.brewing"),
        ),
    ];
    for (status, kind, code, expected_code) in cases {
        let id = format!("req-{status}");
        let error = api_error(&server, Canned::envelope(status, code, &id)).await;
        assert_eq!(error.status().as_u16(), status);
        assert_eq!(error.kind(), kind, "{status}");
        assert_eq!(error.code().cloned(), Some(expected_code), "{status}");
        assert_eq!(error.request_id(), Some(id.as_str()));
        assert_eq!(
            error.details().cloned(),
            Some(serde_json::json!({"field": "files"}))
        );
        let line = Error::from(error).to_string();
        assert!(!line.contains('\n'));
        assert!(
            line.contains(&status.to_string()) && line.contains(code) && line.contains(&id),
            "{line}"
        );
    }
}

#[tokio::test]
async fn the_request_id_falls_back_to_the_header() {
    let server = MockServer::start().await;
    let canned = Canned::json(
        401,
        serde_json::json!({"error": {"code": "auth.invalid_key", "message": "no"}}),
    )
    .header("x-request-id", "req-from-header");
    let error = api_error(&server, canned).await;
    assert_eq!(error.request_id(), Some("req-from-header"));
    assert_eq!(
        Error::from(error).to_string(),
        "API error 401 Unauthorized auth.invalid_key: no (request id req-from-header)"
    );
}

#[tokio::test]
async fn bodies_that_are_not_the_envelope_keep_status_and_a_bounded_snippet() {
    let server = MockServer::start().await;
    let html = format!("<html><body>{}</body></html>", "Bad gateway ".repeat(200));
    let cases = [
        (
            Canned::raw(502, "text/html", html.clone()).header("x-request-id", "req-proxy"),
            Some("<html><body>Bad gateway"),
        ),
        (Canned::raw(500, "application/json", ""), None),
        (
            Canned::raw(
                503,
                "application/json",
                r#"{"error": {"code": "server.inte"#,
            ),
            Some(r#"{"error": {"code": "server.inte"#),
        ),
        (
            Canned::raw(401, "application/json", "[1, 2]"),
            Some("[1, 2]"),
        ),
    ];
    for (canned, starts) in cases {
        let status = canned.status;
        let error = api_error(&server, canned).await;
        assert_eq!(error.status().as_u16(), status);
        assert_eq!(error.code(), None);
        let snippet = error.body_snippet().map(str::to_owned).expect("a snippet");
        assert!(
            snippet.len() <= 512, // the documented snippet limit
            "{}",
            snippet.len()
        );
        match starts {
            Some(prefix) => assert!(snippet.starts_with(prefix), "{snippet}"),
            None => assert!(snippet.is_empty()),
        }
        let line = Error::from(error).to_string();
        assert!(
            !line.contains('\n') && line.contains(&status.to_string()),
            "{line}"
        );
    }
    let error = api_error(
        &server,
        Canned::raw(502, "text/html", html).header("x-request-id", "req-proxy"),
    )
    .await;
    assert_eq!(error.kind(), ApiErrorKind::Other);
    assert_eq!(error.request_id(), Some("req-proxy"));
}

#[tokio::test]
async fn a_200_that_is_not_the_contract_is_an_invalid_response() {
    let server = MockServer::start().await;
    server.script_presign([Canned::raw(200, "application/json", "<html>")]);
    let error = server
        .client(0)
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error_naming_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .api_key("k")
        .base_url(&url)
        .max_retries(0)
        .build()
        .unwrap();
    let error = client
        .files()
        .create(&one_file_request())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
    assert!(error.is_retryable());
    // The cause is kept: its chain leads to the operating system's refusal.
    let mut cause = std::error::Error::source(&error);
    let mut refused = false;
    while let Some(inner) = cause {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        cause = inner.source();
    }
    assert!(
        refused,
        "no io::Error ConnectionRefused in the chain of {error:?}"
    );
}

#[tokio::test]
async fn the_key_goes_to_the_api_with_our_user_agent_and_no_api_version_header() {
    let server = MockServer::start().await;
    let response = server
        .client(0)
        .files()
        .create(&one_file_request())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.request_id(), Some("req-mock-ok"));
    assert_eq!(response.body().files().len(), 1);
    let call = &server.presigns()[0];
    assert_eq!(call.headers["x-api-key"], "test-key");
    assert_eq!(
        call.headers["user-agent"],
        format!("aymara-rust/{}", env!("CARGO_PKG_VERSION")).as_str()
    );
    assert!(call.headers.get("api-version").is_none());
    assert_eq!(call.body["files"][0]["local_file_path"], "a.csv");
}

#[tokio::test]
async fn a_panicking_task_is_an_internal_error_not_a_configuration_one() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = aymara_test_support::write_file(dir.path(), "a.csv", b"a,b\n");
    // An observer that panics takes the upload's task down with it: a bug (here the
    // caller's), which the report must not blame on the configuration.
    let options = aymara::UploadOptions::new().observer(|event: &aymara::ProgressEvent<'_>| {
        if let aymara::ProgressEvent::Planned { .. } = event {
            panic!("the observer's own bug");
        }
    });
    let error = server
        .client(0)
        .files()
        .upload([&path], options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Internal { .. }), "{error:?}");
    let line = error.to_string();
    assert!(
        line.starts_with("internal error: the upload task") && line.contains("please report"),
        "{line}"
    );
}
