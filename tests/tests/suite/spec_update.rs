//! `cargo xtask spec update` in a copy of the workspace: a spec that does not lint changes
//! nothing, and one with an optional response field added is copied in, the client is
//! regenerated (the drift check is clean afterwards), and the snapshots that changed are
//! named for review.

use std::fs;
use std::path::Path;

use aymara_test_support::{copy_workspace, workspace_root};
use serde_norway::Value;
use xtask::codegen::{self, Check, Paths};
use xtask::spec::Kind;

/// Writes the workspace's spec, edited by `edit`, to `path`.
fn edited_spec(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut spec: Value =
        serde_norway::from_str(&fs::read_to_string(Paths::workspace().spec).unwrap()).unwrap();
    edit(&mut spec);
    fs::write(path, serde_norway::to_string(&spec).unwrap()).unwrap();
}

/// Makes the copy build its tests in the workspace's own target directory, reusing its
/// dependencies, under another version (`+spec-update` build metadata): cargo names a
/// workspace's crates by their relative paths, so the copy's would otherwise build over the
/// workspace's own.
fn build_beside_the_workspace(copy: &Path) {
    let config = copy.join(".cargo/config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    let target = workspace_root().join("target").display().to_string();
    text.push_str(&format!("\n[build]\ntarget-dir = {target:?}\n"));
    fs::write(&config, text).unwrap();
    let manifest = copy.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let version = "[workspace.package]\nversion = \"";
    let start = text
        .find(version)
        .expect("[workspace.package] begins with the version");
    let end = start + version.len() + text[start + version.len()..].find('"').unwrap();
    let text = format!("{}+spec-update{}", &text[..end], &text[end..]);
    fs::write(&manifest, text).unwrap();
}

#[test]
fn an_update_regenerates_and_names_the_snapshots_to_review() {
    let copy_dir = copy_workspace("spec-update-");
    let copy = copy_dir.path();
    let dir = tempfile::tempdir().unwrap();
    build_beside_the_workspace(copy);
    let paths = Paths::under(copy);
    let (original_spec, original_client) = (
        fs::read(&paths.spec).unwrap(),
        fs::read(&paths.out).unwrap(),
    );

    let broken = dir.path().join("broken.yaml");
    edited_spec(&broken, |spec| {
        spec["paths"]["/v2/files"]["post"]["operationId"] = "postFiles".into();
    });
    let mut out = Vec::new();
    let error = xtask::spec::update(copy, &broken, &mut out).unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("does not lint; nothing was written")
            && message
                .contains("/paths/~1v2~1files/post/operationId: \"postFiles\" is not snake_case"),
        "{message}"
    );
    assert_eq!(fs::read(&paths.spec).unwrap(), original_spec);
    assert_eq!(fs::read(&paths.out).unwrap(), original_client);

    let new_spec = dir.path().join("aymara.yaml");
    edited_spec(&new_spec, |spec| {
        let field: Value =
            serde_norway::from_str("{type: string, nullable: true, description: Added later.}")
                .unwrap();
        spec["components"]["schemas"]["FileUpload"]["properties"]
            .as_mapping_mut()
            .unwrap()
            .insert("expires_at".into(), field);
    });
    let mut out = Vec::new();
    let updated = xtask::spec::update(copy, &new_spec, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();

    let kinds: Vec<(Kind, bool)> = updated
        .changes
        .iter()
        .map(|c| (c.kind, c.breaking))
        .collect();
    assert_eq!(kinds, [(Kind::ResponsePropertyAdded, false)], "{out}");
    assert_eq!(fs::read(&paths.spec).unwrap(), fs::read(&new_spec).unwrap());
    assert!(updated.regenerated && updated.tests_passed, "{out}");
    assert_eq!(codegen::check(&paths).unwrap().0, Check::UpToDate);
    assert!(
        fs::read_to_string(&paths.out)
            .unwrap()
            .contains("pub expires_at:")
    );

    let snapshots = copy.join("tests/tests/suite/snapshots");
    let expected = [
        "suite__json_schemas__schema_FileUpload.snap",
        "suite__json_schemas__schema_FileUploadResponse.snap",
        "suite__public_surface__aymara_api_public_surface.snap",
    ];
    let expected: Vec<_> = expected.iter().map(|name| snapshots.join(name)).collect();
    assert_eq!(updated.snapshots, expected, "{out}");
    for snapshot in &expected {
        let relative = snapshot.strip_prefix(copy).unwrap();
        assert!(
            out.contains(&format!("   {}\n", relative.display())),
            "{out}"
        );
        assert!(snapshot.with_extension("snap.new").exists());
    }
    assert!(out.contains("`cargo insta review`"), "{out}");
}
