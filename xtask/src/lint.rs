//! Checks on the spec that progenitor does not make, or makes with unclear messages.
//!
//! Each problem is reported as one line naming the JSON pointer of the offending node, so a
//! broken spec is fixed in one pass instead of one generator panic at a time.

use std::fmt;

use serde_json::Value;

/// One problem found in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer (RFC 6901) of the node at fault.
    pub pointer: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Lints a spec given as a JSON value; an empty result means it is fit for the generator.
pub fn lint(spec: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_version(spec, &mut problems);
    check_refs(spec, spec, String::new(), &mut problems);
    check_operations(spec, &mut problems);
    problems
}

fn problem(problems: &mut Vec<Problem>, pointer: impl Into<String>, message: impl Into<String>) {
    problems.push(Problem {
        pointer: pointer.into(),
        message: message.into(),
    });
}

fn check_version(spec: &Value, problems: &mut Vec<Problem>) {
    match spec.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => problem(
            problems,
            "/openapi",
            format!("version {v:?} is not 3.0.x, the only version progenitor reads"),
        ),
        None => problem(problems, "/openapi", "missing; expected a 3.0.x version"),
    }
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn check_refs(root: &Value, node: &Value, pointer: String, problems: &mut Vec<Problem>) {
    match node {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref") {
                let here = format!("{pointer}/$ref");
                match target.as_str() {
                    Some(r) => match r.strip_prefix('#') {
                        Some(local) if root.pointer(local).is_some() => {}
                        Some(_) => problem(problems, here, format!("{r:?} does not resolve")),
                        None => problem(
                            problems,
                            here,
                            format!("{r:?} is not a local reference (only #/... is supported)"),
                        ),
                    },
                    None => problem(problems, here, "is not a string"),
                }
            }
            for (key, value) in map {
                check_refs(root, value, format!("{pointer}/{}", escape(key)), problems);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                check_refs(root, value, format!("{pointer}/{i}"), problems);
            }
        }
        _ => {}
    }
}

fn is_snake_case(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.ends_with('_')
        && !id.contains("__")
}

/// Follows a local `$ref` (if any) to the node it names; unresolvable refs are reported by
/// [`check_refs`], so here they simply yield `None`.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> Option<&'a Value> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.strip_prefix('#')?),
        None => Some(node),
    }
}

fn check_operations(spec: &Value, problems: &mut Vec<Problem>) {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        problem(problems, "/paths", "missing or not an object");
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("/paths/{}/{method}", escape(path));
            match op.get("operationId").and_then(Value::as_str) {
                Some(id) if is_snake_case(id) => {}
                Some(id) => problem(
                    problems,
                    format!("{at}/operationId"),
                    format!("{id:?} is not snake_case"),
                ),
                None => problem(problems, format!("{at}/operationId"), "missing"),
            }
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                problem(problems, format!("{at}/responses"), "missing");
                continue;
            };
            for (status, response) in responses {
                let Some(response) = resolve(spec, response) else {
                    continue;
                };
                let has_schema = response
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|content| {
                        !content.is_empty()
                            && content.values().all(|media| media.get("schema").is_some())
                    });
                if !has_schema {
                    problem(
                        problems,
                        format!("{at}/responses/{}", escape(status)),
                        "has no content schema",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/v2/files": {"post": {
                "operationId": "post_files",
                "responses": {"200": {"$ref": "#/components/responses/Ok"}}
            }}},
            "components": {"responses": {"Ok": {
                "description": "OK",
                "content": {"application/json": {"schema": {"type": "object"}}}
            }}}
        })
    }

    #[test]
    fn a_sound_spec_has_no_problems() {
        assert_eq!(lint(&minimal()), vec![]);
    }

    #[test]
    fn each_problem_names_its_pointer() {
        let mut spec = minimal();
        spec["openapi"] = json!("3.1.0");
        spec["paths"]["/v2/files"]["post"]["operationId"] = json!("postFiles");
        spec["paths"]["/v2/files"]["post"]["responses"]["404"] = json!({"description": "x"});
        spec["components"]["schemas"] = json!({"A": {"$ref": "#/components/schemas/Nope"}});
        let lines: Vec<String> = lint(&spec).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                r#"/openapi: version "3.1.0" is not 3.0.x, the only version progenitor reads"#,
                r##"/components/schemas/A/$ref: "#/components/schemas/Nope" does not resolve"##,
                r#"/paths/~1v2~1files/post/operationId: "postFiles" is not snake_case"#,
                "/paths/~1v2~1files/post/responses/404: has no content schema",
            ]
        );
    }

    #[test]
    fn snake_case_is_strict() {
        for good in ["post_files", "get2_files", "a"] {
            assert!(is_snake_case(good), "{good}");
        }
        for bad in [
            "PostFiles",
            "post-files",
            "_post",
            "post__files",
            "post_",
            "2post",
            "",
        ] {
            assert!(!is_snake_case(bad), "{bad}");
        }
    }
}
