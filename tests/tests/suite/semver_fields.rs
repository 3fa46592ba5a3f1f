//! A new optional field in the API description is not a breaking change for crates that
//! depend on `aymara`.
//!
//! The test copies the workspace, adds an optional property to every schema of the copied
//! spec, regenerates the copy's client with `cargo xtask codegen`'s own code, and compiles
//! `tests/dependent` (a crate that uses every public type the way a dependent would)
//! against it. It then removes a field the SDK reads and checks that the same build fails,
//! so a pass means the compiler really saw the regenerated code.
//!
//! This is the project's equivalent of cargo-semver-checks, which needs rustdoc's JSON
//! output, a nightly-only feature.

use std::path::Path;
use std::process::{Command, Output};

use aymara_test_support::{copy_workspace, workspace_root};
use serde_norway::Value;

/// Rewrites the copy's spec with `edit` applied to every schema, then regenerates its client.
fn regenerate(copy: &Path, edit: impl Fn(&str, &mut serde_norway::Mapping)) {
    let spec = copy.join("openapi/aymara.yaml");
    let mut doc: Value = serde_norway::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    let schemas = doc["components"]["schemas"].as_mapping_mut().unwrap();
    for (name, schema) in schemas.iter_mut() {
        if let (Some(name), Some(schema)) = (name.as_str(), schema.as_mapping_mut()) {
            edit(name, schema);
        }
    }
    std::fs::write(&spec, serde_norway::to_string(&doc).unwrap()).unwrap();
    let paths = xtask::codegen::Paths {
        spec,
        out: copy.join("crates/aymara-api/src/generated.rs"),
    };
    xtask::codegen::write(&paths).expect("the edited spec generates");
}

/// `cargo check` of the dependent crate in the copy, with a build directory kept between runs.
fn check_dependent(copy: &Path) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args([
            "check",
            "--offline",
            "--quiet",
            "--package",
            "aymara-dependent",
        ])
        .current_dir(copy)
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target/semver-check"),
        )
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .expect("cargo runs")
}

#[test]
fn an_optional_field_in_every_schema_breaks_no_dependent() {
    let copy = copy_workspace("semver-copy-");

    regenerate(copy.path(), |_, schema| {
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_mapping_mut) {
            let field: Value = serde_norway::from_str(
                "{type: string, nullable: true, description: Added by a later version of the service.}",
            )
            .unwrap();
            properties.insert("added_later".into(), field);
        }
    });
    let generated =
        std::fs::read_to_string(copy.path().join("crates/aymara-api/src/generated.rs")).unwrap();
    assert!(
        generated.matches("pub added_later:").count() >= 8,
        "every schema gained the field"
    );
    let built = check_dependent(copy.path());
    assert!(
        built.status.success(),
        "a dependent broke on an optional field:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    // The control: removing a field the SDK reads must break the same build.
    regenerate(copy.path(), |name, schema| {
        if name == "FileUpload"
            && let Some(properties) = schema.get_mut("properties").and_then(Value::as_mapping_mut)
        {
            properties.remove("file_url");
        }
    });
    let broken = check_dependent(copy.path());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(!broken.status.success(), "the removal went unnoticed");
    assert!(stderr.contains("file_url"), "{stderr}");
}
