//! `cargo xtask spec diff` against mutated copies of `openapi/aymara.yaml`: what each change
//! is called, whether it breaks clients, and the exit status. The command runs in process
//! (`spec::Command::execute`, what the binary runs): an integration test of the xtask
//! package would make `cargo test` rebuild the `xtask` binary that `cargo xtask ci` runs.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use xtask::codegen::Paths;
use xtask::spec::Command;

fn spec_path() -> PathBuf {
    Paths::workspace().spec
}

fn real_spec() -> Value {
    xtask::lint::parse(&std::fs::read_to_string(spec_path()).unwrap()).unwrap()
}

/// Runs `cargo xtask spec diff [OLD NEW] [--json]` as the binary does; returns its exit
/// status, stdout and stderr.
fn spec_diff(args: &[&Path], json: bool) -> (u8, String, String) {
    let path = |i: usize| args.get(i).map(|p| p.to_path_buf());
    let command = Command::Diff {
        old: path(0),
        new: path(1),
        json,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = command.execute(&mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// A copy of the spec edited by `edit`, as YAML in a temporary directory.
fn edited_copy(edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let mut spec = real_spec();
    edit(&mut spec);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("aymara.yaml");
    std::fs::write(&copy, serde_norway::to_string(&spec).unwrap()).unwrap();
    (dir, copy)
}

/// The original spec against a copy edited by `edit`: the exit status, and each change's
/// kind and whether it breaks.
fn against_original(edit: impl FnOnce(&mut Value)) -> (u8, Vec<(String, bool)>) {
    let (_dir, copy) = edited_copy(edit);
    let (code, stdout, stderr) = spec_diff(&[&spec_path(), &copy], true);
    assert_eq!(stderr, "");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let changes = report["changes"].as_array().unwrap();
    for change in changes {
        let location = &change["location"];
        assert!(location["pointer"].as_str().unwrap().starts_with('/'));
        assert!(location["operations"].is_array());
        assert!(change["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let kinds = changes
        .iter()
        .map(|c| {
            let kind = c["kind"].as_str().unwrap().to_string();
            (kind, c["breaking"].as_bool().unwrap())
        })
        .collect();
    (code, kinds)
}

fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} is not in the spec"))
}

fn remove(spec: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/").replace("~0", "~");
    match at(spec, parent) {
        Value::Object(map) => assert!(map.remove(&key).is_some(), "{pointer}"),
        Value::Array(items) => {
            let i = items.iter().position(|item| item == key.as_str()).unwrap();
            items.remove(i);
        }
        _ => panic!("{parent} holds nothing to remove"),
    }
}

fn push(spec: &mut Value, pointer: &str, value: Value) {
    at(spec, pointer).as_array_mut().unwrap().push(value);
}

fn expect(edit: impl FnOnce(&mut Value), code: u8, changes: &[(&str, bool)]) {
    let (found_code, found) = against_original(edit);
    let expected: Vec<(String, bool)> = changes.iter().map(|(k, b)| (k.to_string(), *b)).collect();
    assert_eq!((found_code, found), (code, expected));
}

const REQUEST: &str = "/components/schemas/FileUploadRequest";

#[test]
fn breaking_changes_exit_1() {
    expect(
        |s| remove(s, "/paths/~1v2~1files~1{file_uuid}/delete"),
        1,
        &[("operation-removed", true)],
    );
    expect(
        |s| *at(s, "/paths/~1v2~1files~1{file_uuid}~1status/get/operationId") = json!("status"),
        1,
        &[("operation-id-changed", true)],
    );
    expect(
        |s| {
            at(s, &format!("{REQUEST}/properties"))["purpose"] = json!({"type": "string"});
            push(s, &format!("{REQUEST}/required"), json!("purpose"));
        },
        1,
        &[("request-property-added", true)],
    );
    expect(
        |s| push(s, &format!("{REQUEST}/required"), json!("workspace_uuid")),
        1,
        &[("request-property-became-required", true)],
    );
    expect(
        |s| {
            let count = at(s, "/components/schemas/FileFrames/properties/frame_count");
            *count = json!({"type": "string", "description": "How many frames there are."});
        },
        1,
        &[("type-changed", true)],
    );
    expect(
        |s| {
            remove(
                s,
                "/components/schemas/FileStatus/properties/processing_status",
            );
            remove(
                s,
                "/components/schemas/FileStatus/required/processing_status",
            );
        },
        1,
        &[("response-property-removed", true)],
    );
    expect(
        |s| remove(s, "/components/schemas/FileTypeFilter/enum/document"),
        1,
        &[("request-enum-value-removed", true)],
    );
}

#[test]
fn compatible_changes_exit_0_listed_as_not_breaking() {
    expect(
        |s| {
            let get = at(s, "/paths/~1v2~1files~1{file_uuid}~1status/get").clone();
            let mut copy = get;
            copy["operationId"] = json!("copy_file");
            at(s, "/paths")["/v2/files/{file_uuid}/copy"] = json!({"post": copy});
        },
        0,
        &[("operation-added", false)],
    );
    expect(
        |s| {
            let expires_at = json!({"type": "string", "nullable": true});
            at(s, "/components/schemas/FileUpload/properties")["expires_at"] = expires_at;
        },
        0,
        &[("response-property-added", false)],
    );
    expect(
        |s| push(s, "/components/schemas/FileTypeFilter/enum", json!("audio")),
        0,
        &[("request-enum-value-added", false)],
    );
    expect(
        |s| {
            let order = json!({"name": "order", "in": "query", "schema": {"type": "string"}});
            push(s, "/paths/~1v2~1files/get/parameters", order);
        },
        0,
        &[("request-parameter-added", false)],
    );
}

#[test]
fn a_description_change_is_no_change() {
    expect(
        |s| *at(s, "/paths/~1v2~1files/post/description") = json!("Presigns uploads."),
        0,
        &[],
    );
}

#[test]
fn the_real_spec_against_itself_and_the_release_baseline_show_no_change() {
    let (code, stdout, stderr) = spec_diff(&[&spec_path(), &spec_path()], false);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "no client-relevant changes\n", "")
    );
    // Defaults: the last release's spec against the checked-in one.
    let (code, stdout, _) = spec_diff(&[], true);
    assert_eq!((code, stdout.trim()), (0, "{\n  \"changes\": []\n}"));
}

#[test]
fn a_breaking_change_prints_a_table() {
    let (_dir, copy) = edited_copy(|s| remove(s, "/paths/~1v2~1files~1{file_uuid}/delete"));
    let (code, stdout, _) = spec_diff(&[&spec_path(), &copy], false);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("BREAKING  KIND "), "{stdout}");
    for cell in [
        "yes",
        "operation-removed",
        "DELETE /v2/files/{file_uuid}",
        "/paths/~1v2~1files~1{file_uuid}/delete",
        "operation `delete_file` was removed: its generated method is gone.",
    ] {
        assert!(lines[1].contains(cell), "{cell} missing: {stdout}");
    }
    assert_eq!(lines[2], "1 change(s), 1 breaking");
}

/// Exit status 2 and one line naming the file, for a spec that cannot be read.
fn unreadable(text: &str, problem: &str) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("aymara.yaml");
    std::fs::write(&copy, text).unwrap();
    let spec = spec_path();
    for args in [[spec.as_path(), &copy], [&copy, &spec]] {
        let (code, stdout, stderr) = spec_diff(&args, true);
        assert_eq!((code, stdout.as_str()), (2, ""));
        let expected = format!("error: {}: {problem}", copy.display());
        assert!(
            stderr.starts_with(&expected) && stderr.lines().count() == 1,
            "{stderr}"
        );
    }
}

#[test]
fn an_unreadable_spec_exits_2_with_one_line() {
    let original = std::fs::read_to_string(spec_path()).unwrap();
    unreadable(
        &format!("{original}\n  broken: [unclosed\n"),
        "not valid YAML: ",
    );
    let anchor = "$ref: \"#/components/schemas/FileStatus\"";
    assert!(original.contains(anchor));
    unreadable(
        &original.replacen(anchor, "$ref: \"#/components/schemas/FileState\"", 1),
        "/paths/~1v2~1files~1{file_uuid}~1status/get/responses/200/content/application~1json/\
         schema/$ref: \"#/components/schemas/FileState\" does not resolve",
    );
}
