//! `aymara serve --s3-endpoint`: credentials come from the AWS variables, and a missing one
//! is a one-line usage error naming it, before anything is bound or sent.

use std::time::Duration;

#[test]
fn fronting_without_credentials_names_the_missing_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (set, missing) in [
        (vec![], "AWS_ACCESS_KEY_ID"),
        (vec![("AWS_ACCESS_KEY_ID", "AKID")], "AWS_SECRET_ACCESS_KEY"),
    ] {
        let mut command = assert_cmd::Command::new(crate::AYMARA.path());
        command
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--s3-endpoint",
                "http://127.0.0.1:9",
            ])
            .arg("--data-dir")
            .arg(dir.path().join("store"))
            .timeout(Duration::from_secs(60));
        for name in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            command.env_remove(name);
        }
        for (name, value) in set {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: {missing} is not set")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}
