//! Proves that the drift check bites: a spec changed without regenerating is caught with a
//! diff naming the change, and a broken spec is refused with one line naming the pointer.

use std::fs;

use aymara_test_support::sha256_hex;
use xtask::codegen::{self, Check, Paths};

fn with_spec(edit: impl FnOnce(&str) -> String) -> (tempfile::TempDir, Paths) {
    let workspace = Paths::workspace();
    let original = fs::read_to_string(&workspace.spec).expect("spec readable");
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("aymara.yaml");
    fs::write(&spec, edit(&original)).expect("temp spec written");
    let paths = Paths {
        spec,
        out: workspace.out,
    };
    (dir, paths)
}

#[test]
fn the_committed_client_matches_the_spec() {
    let (verdict, _) = codegen::check(&Paths::workspace()).unwrap();
    assert_eq!(verdict, Check::UpToDate);
}

#[test]
fn generation_is_deterministic() {
    let spec = fs::read_to_string(Paths::workspace().spec).unwrap();
    let first = codegen::generate(&spec).unwrap();
    assert_eq!(first, codegen::generate(&spec).unwrap());
    assert!(first.source.starts_with(codegen::DO_NOT_EDIT));
    assert!(first.source.contains(&sha256_hex(spec.as_bytes())));
}

#[test]
fn the_multipart_upload_is_left_out_with_one_note_and_everything_else_generated() {
    let (_, notes) = codegen::check(&Paths::workspace()).unwrap();
    let lines: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "/paths/~1v2~1files~1-~1uploads/post: note: upload_file is not generated: progenitor \
          cannot generate multipart/form-data request bodies; the SDK implements it by hand \
          (aymara::Files::upload_direct)"
        ]
    );
    let source = fs::read_to_string(Paths::workspace().out).unwrap();
    for operation in [
        "post_files",
        "list_files",
        "get_file",
        "delete_file",
        "get_file_status",
        "get_file_frames",
    ] {
        assert!(
            source.contains(&format!("pub fn {operation}(&self)")),
            "{operation} was not generated"
        );
    }
    assert!(!source.contains("pub fn upload_file("));
}

#[test]
fn an_added_property_is_reported_with_a_diff_naming_it() {
    let anchor =
        "        remote_file_path:\n          description: The path later eval-run calls use";
    let (_dir, paths) = with_spec(|spec| {
        assert!(spec.contains(anchor), "the anchor for the edit moved");
        spec.replacen(
            anchor,
            &format!("        expires_at:\n          type: string\n{anchor}"),
            1,
        )
    });
    let (Check::Drift(report), _) = codegen::check(&paths).unwrap() else {
        panic!("the drift check passed on a changed spec");
    };
    assert!(
        report.contains("does not match"),
        "no hash mismatch line:\n{report}"
    );
    let added: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with('+') && l.contains("expires_at"))
        .collect();
    assert!(
        !added.is_empty(),
        "the diff does not name the new property:\n{report}"
    );
}

#[test]
fn a_broken_ref_is_one_clear_line() {
    let (_dir, paths) = with_spec(|spec| {
        spec.replacen(
            "$ref: \"#/components/schemas/ErrorDetail\"",
            "$ref: \"#/components/schemas/ErrorDetial\"",
            1,
        )
    });
    let message = format!("{:#}", codegen::check(&paths).unwrap_err());
    let problems: Vec<&str> = message.lines().skip(1).collect();
    assert_eq!(
        problems,
        ["/components/schemas/ErrorResponse/properties/error/$ref: \
             \"#/components/schemas/ErrorDetial\" does not resolve"]
    );
}

#[test]
fn a_multipart_operation_nobody_implements_fails_the_check() {
    let (_dir, paths) = with_spec(|spec| {
        spec.replacen("operationId: upload_file", "operationId: upload_file_v3", 1)
    });
    let message = format!("{:#}", codegen::check(&paths).unwrap_err());
    assert!(
        message.contains(
            "/paths/~1v2~1files~1-~1uploads/post: upload_file_v3 has a multipart/form-data \
             request body, which progenitor cannot generate"
        ),
        "{message}"
    );
}
