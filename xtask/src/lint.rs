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

/// Parses a spec's text (YAML, or JSON, which is YAML too) into the value every check, the
/// generator and `spec diff` read.
pub fn parse(text: &str) -> Result<Value, serde_norway::Error> {
    serde_norway::from_str(text)
}

/// Lints a spec given as a JSON value; an empty result means it is fit for the generator.
pub fn lint(spec: &Value) -> Vec<Problem> {
    let mut problems = readable(spec);
    check_operations(spec, &mut problems);
    problems
}

/// The problems that keep any tool from reading the spec at all: a version other than
/// OpenAPI 3.0.x, or a `$ref` that does not resolve. An empty result means every `$ref` can
/// be followed with [`follow_ref`].
pub fn readable(spec: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_version(spec, &mut problems);
    check_refs(spec, spec, String::new(), &mut problems);
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
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn check_refs(root: &Value, node: &Value, pointer: String, problems: &mut Vec<Problem>) {
    match node {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref") {
                let here = format!("{pointer}/$ref");
                match target.as_str() {
                    Some(r) => {
                        if let Err(message) = follow_ref(root, r) {
                            problem(problems, here, message);
                        }
                    }
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

/// Follows the local reference `reference` (`#/...`), and any reference it lands on, to the
/// node it finally names; returns that node and its JSON pointer, or why it cannot.
pub fn follow_ref<'a>(root: &'a Value, reference: &str) -> Result<(&'a Value, String), String> {
    let mut seen = Vec::new();
    let mut current = reference;
    loop {
        let Some(pointer) = current.strip_prefix('#') else {
            return Err(format!(
                "{current:?} is not a local reference (only #/... is supported)"
            ));
        };
        if seen.contains(&pointer) {
            return Err(format!("{reference:?} is a cycle of references"));
        }
        seen.push(pointer);
        let Some(node) = root.pointer(pointer) else {
            return Err(format!("{current:?} does not resolve"));
        };
        match node.get("$ref").and_then(Value::as_str) {
            Some(next) => current = next,
            None => return Ok((node, pointer.to_string())),
        }
    }
}

/// Follows a local `$ref` (if any) to the node it names; unresolvable refs are reported by
/// [`check_refs`], so here they simply yield `None`.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> Option<&'a Value> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => follow_ref(root, r).ok().map(|(node, _)| node),
        None => Some(node),
    }
}

/// The request body media types progenitor 0.15 generates code for.
const GENERATED_MEDIA_TYPES: [&str; 5] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

/// The media type progenitor cannot generate but this project implements by hand.
pub const MULTIPART: &str = "multipart/form-data";

/// One operation of the spec, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// Its path template, e.g. `/v2/files/{file_uuid}`.
    pub path: String,
    /// Its HTTP method, lowercase.
    pub method: &'static str,
    /// Its `operationId`, if it has one.
    pub id: Option<String>,
    /// The media types of its request body.
    pub body_media_types: Vec<String>,
}

/// Every operation in the spec.
pub fn operations(spec: &Value) -> Vec<Operation> {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let body_media_types = op
                .get("requestBody")
                .and_then(|body| resolve(spec, body))
                .and_then(|body| body.get("content"))
                .and_then(Value::as_object)
                .map(|content| content.keys().cloned().collect())
                .unwrap_or_default();
            all.push(Operation {
                pointer: format!("/paths/{}/{method}", escape(path)),
                path: path.clone(),
                method,
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(String::from),
                body_media_types,
            });
        }
    }
    all
}

/// The media type without its parameters (`text/plain; charset=utf-8` → `text/plain`).
pub fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or(media_type).trim()
}

/// Whether the operation's request body is `multipart/form-data`, which progenitor cannot
/// generate; the codegen leaves such operations to hand-written code.
pub fn is_multipart(op: &Operation) -> bool {
    op.body_media_types.iter().any(|m| essence(m) == MULTIPART)
}

fn check_operations(spec: &Value, problems: &mut Vec<Problem>) {
    if spec.get("paths").and_then(Value::as_object).is_none() {
        problem(problems, "/paths", "missing or not an object");
        return;
    }
    for operation in operations(spec) {
        let at = &operation.pointer;
        match &operation.id {
            Some(id) if is_snake_case(id) => {}
            Some(id) => problem(
                problems,
                format!("{at}/operationId"),
                format!("{id:?} is not snake_case"),
            ),
            None => problem(problems, format!("{at}/operationId"), "missing"),
        }
        check_request_body(&operation, problems);
        let op = &spec["paths"][&operation.path][operation.method];
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            problem(problems, format!("{at}/responses"), "missing");
            continue;
        };
        for (status, response) in responses {
            let Some(response) = resolve(spec, response) else {
                continue;
            };
            let content = response.get("content").and_then(Value::as_object);
            let at = format!("{at}/responses/{}", escape(status));
            if status == "204" {
                if content.is_some_and(|c| !c.is_empty()) {
                    problem(
                        problems,
                        at,
                        "a 204 answer has no body, but content is given",
                    );
                }
                continue;
            }
            let has_schema = content.is_some_and(|content| {
                !content.is_empty() && content.values().all(|media| media.get("schema").is_some())
            });
            if !has_schema {
                problem(problems, at, "has no content schema");
            }
        }
    }
}

/// Request bodies progenitor would refuse (or panic on) are reported here instead, one line
/// each. `multipart/form-data` alone is accepted: the codegen leaves it to hand-written code.
fn check_request_body(op: &Operation, problems: &mut Vec<Problem>) {
    let at = format!("{}/requestBody/content", op.pointer);
    if op.body_media_types.len() > 1 {
        problem(
            problems,
            at,
            format!(
                "has {} media types; progenitor generates a request body with exactly one",
                op.body_media_types.len()
            ),
        );
        return;
    }
    for media_type in &op.body_media_types {
        let essence = essence(media_type);
        if essence != MULTIPART && !GENERATED_MEDIA_TYPES.contains(&essence) {
            problem(
                problems,
                format!("{at}/{}", escape(media_type)),
                format!(
                    "progenitor cannot generate a {media_type} request body (it generates {})",
                    GENERATED_MEDIA_TYPES.join(", ")
                ),
            );
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
    fn references_are_followed_to_the_end_and_cycles_are_problems() {
        let mut spec = minimal();
        spec["components"]["responses"]["Alias"] = json!({"$ref": "#/components/responses/Ok"});
        let (node, pointer) = follow_ref(&spec, "#/components/responses/Alias").unwrap();
        assert_eq!(pointer, "/components/responses/Ok");
        assert_eq!(node["description"], "OK");
        spec["components"]["schemas"] = json!({
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/A"},
        });
        let lines: Vec<String> = lint(&spec).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                r##"/components/schemas/A/$ref: "#/components/schemas/B" is a cycle of references"##,
                r##"/components/schemas/B/$ref: "#/components/schemas/A" is a cycle of references"##,
            ]
        );
    }

    #[test]
    fn a_204_has_no_body_and_every_other_answer_a_schema() {
        let mut spec = minimal();
        let at = "/paths/~1v2~1files/post/responses/204";
        spec["paths"]["/v2/files"]["post"]["responses"]["204"] =
            json!({"description": "No Content"});
        assert_eq!(lint(&spec), vec![]);
        spec.pointer_mut(at).unwrap()["content"] = json!({"application/json": {"schema": {}}});
        let lines: Vec<String> = lint(&spec).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "/paths/~1v2~1files/post/responses/204: a 204 answer has no body, but content is given"
            ]
        );
    }

    #[test]
    fn request_bodies_progenitor_cannot_generate_are_named() {
        let mut spec = minimal();
        let schema = json!({"schema": {"type": "object"}});
        let body = |spec: &mut Value, media_type: &str| {
            spec["paths"]["/v2/files"]["post"]["requestBody"] =
                json!({"content": {media_type: schema.clone()}});
        };
        body(&mut spec, "multipart/form-data");
        assert_eq!(lint(&spec), vec![], "multipart is left to the codegen");
        body(&mut spec, "application/json; charset=utf-8");
        assert_eq!(
            lint(&spec),
            vec![],
            "parameters do not change the media type"
        );
        body(&mut spec, "application/xml");
        spec["paths"]["/v2/other"] = json!({"put": {
            "operationId": "put_other",
            "requestBody": {"content": {"application/json": schema, "text/plain": schema}},
            "responses": {"200": {"description": "OK", "content": {"application/json": schema}}}
        }});
        let lines: Vec<String> = lint(&spec).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "/paths/~1v2~1files/post/requestBody/content/application~1xml: progenitor cannot \
                 generate a application/xml request body (it generates application/json, \
                 application/octet-stream, application/x-www-form-urlencoded, text/plain, \
                 text/x-markdown)",
                "/paths/~1v2~1other/put/requestBody/content: has 2 media types; progenitor \
                 generates a request body with exactly one",
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
