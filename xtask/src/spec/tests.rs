//! One test per rule: a small spec, an edited copy, and the classification expected.

use serde_json::{Value, json};

use super::*;

/// One operation, `POST /things/{id}`, with a path and a query parameter, a JSON body
/// (`Input`), a success (`Thing`, which contains itself) and an error answer (`Error`).
fn base() -> Value {
    let json_body =
        |name: &str| json!({"schema": {"$ref": format!("#/components/schemas/{name}")}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things/{id}": {"post": {
            "operationId": "post_thing",
            "description": "Makes a thing.",
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "requestBody": {"required": true, "content": {"application/json": json_body("Input")}},
            "responses": {
                "200": {"description": "OK", "content": {"application/json": json_body("Thing")}},
                "404": {"description": "Gone", "content": {"application/json": json_body("Error")}},
            },
        }}},
        "components": {
            "schemas": {
                "Input": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"},
                    "note": {"type": "string", "nullable": true},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "shape": {"oneOf": [{"type": "string"}]},
                }},
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Thing": {"type": "object", "required": ["id", "status"], "properties": {
                    "id": {"type": "string"},
                    "status": {
                        "type": "string",
                        "description": "An open set: new values may appear. Known values: `on`."
                    },
                    "size": {"type": "integer", "format": "int64"},
                    "state": {"type": "string", "enum": ["on", "off"]},
                    "shape": {"oneOf": [{"type": "string"}]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "parent": {"$ref": "#/components/schemas/Thing"},
                }},
                "Error": {"type": "object", "properties": {"code": {"type": "string"}}},
            },
            "securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
    })
}

const OP: &str = "/paths/~1things~1{id}/post";

fn keep(_: &mut Value) {}

fn op(spec: &mut Value) -> &mut Value {
    &mut spec["paths"]["/things/{id}"]["post"]
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    &mut spec["components"]["schemas"][name]
}

fn property<'a>(spec: &'a mut Value, name: &str, property: &str) -> &'a mut Value {
    &mut schema(spec, name)["properties"][property]
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().unwrap().remove(key);
}

fn write(dir: &tempfile::TempDir, name: &str, spec: &Value) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    path
}

/// The changes from `base()` edited by `old` to `base()` edited by `new`.
fn changes(old: fn(&mut Value), new: fn(&mut Value)) -> Vec<Change> {
    let (mut old_spec, mut new_spec) = (base(), base());
    old(&mut old_spec);
    new(&mut new_spec);
    let dir = tempfile::tempdir().unwrap();
    diff(
        &write(&dir, "old.json", &old_spec),
        &write(&dir, "new.json", &new_spec),
    )
    .unwrap()
}

fn check(old: fn(&mut Value), new: fn(&mut Value), expected: &[(Kind, bool, String)]) {
    let found = changes(old, new);
    let summary: Vec<(Kind, bool, String)> = found
        .iter()
        .map(|c| (c.kind, c.breaking, c.location.pointer.clone()))
        .collect();
    assert_eq!(summary, expected, "{found:#?}");
    for change in &found {
        assert!(
            change.message.ends_with('.') && !change.message.contains('\n'),
            "one sentence: {}",
            change.message
        );
    }
}

/// One test per rule: `name: old edit, new edit => [(kind, breaking, pointer)]`; and the list
/// of every kind some test expects.
macro_rules! rules {
    ($(
        $test:ident: $old:expr, $new:expr => [$(($kind:ident, $breaking:expr, $pointer:expr)),*];
    )*) => {
        $(
            #[test]
            fn $test() {
                check($old, $new, &[$((Kind::$kind, $breaking, $pointer.to_string())),*]);
            }
        )*
        const TESTED: &[Kind] = &[$($(Kind::$kind,)*)*];
    };
}

rules! {
    operation_added: keep, |s| {
        s["paths"]["/things/{id}"]["get"] = json!({"operationId": "get_thing", "responses": {}});
    } => [(OperationAdded, false, "/paths/~1things~1{id}/get")];
    operation_removed: keep, |s| s["paths"]["/things/{id}"] = json!({})
        => [(OperationRemoved, true, OP)];
    operation_id_changed: keep, |s| op(s)["operationId"] = json!("make_thing")
        => [(OperationIdChanged, true, format!("{OP}/operationId"))];
    optional_request_parameter_added: keep, |s| {
        let order = json!({"name": "order", "in": "query", "schema": {"type": "string"}});
        op(s)["parameters"].as_array_mut().unwrap().push(order);
    } => [(RequestParameterAdded, false, format!("{OP}/parameters/2"))];
    required_request_parameter_added: keep, |s| {
        let order = json!({"name": "order", "in": "header", "required": true, "schema": {}});
        op(s)["parameters"].as_array_mut().unwrap().push(order);
    } => [(RequestParameterAdded, true, format!("{OP}/parameters/2"))];
    request_parameter_removed: keep, |s| {
        op(s)["parameters"].as_array_mut().unwrap().pop();
    } => [(RequestParameterRemoved, true, format!("{OP}/parameters/1"))];
    request_parameter_became_required: keep, |s| op(s)["parameters"][1]["required"] = json!(true)
        => [(RequestParameterBecameRequired, true, format!("{OP}/parameters/1"))];
    request_parameter_became_optional: |s| op(s)["parameters"][1]["required"] = json!(true), keep
        => [(RequestParameterBecameOptional, false, format!("{OP}/parameters/1"))];
    request_body_added: |s| remove(op(s), "requestBody"), keep
        => [(RequestBodyAdded, true, format!("{OP}/requestBody"))];
    request_body_removed: keep, |s| remove(op(s), "requestBody")
        => [(RequestBodyRemoved, true, format!("{OP}/requestBody"))];
    request_body_became_required: |s| op(s)["requestBody"]["required"] = json!(false), keep
        => [(RequestBodyBecameRequired, true, format!("{OP}/requestBody"))];
    request_body_became_optional: keep, |s| op(s)["requestBody"]["required"] = json!(false)
        => [(RequestBodyBecameOptional, false, format!("{OP}/requestBody"))];
    request_media_type_added: keep, |s| {
        op(s)["requestBody"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    } => [(RequestMediaTypeAdded, false, format!("{OP}/requestBody/content/text~1plain"))];
    request_media_type_removed: |s| {
        op(s)["requestBody"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    }, keep => [(RequestMediaTypeRemoved, true, format!("{OP}/requestBody/content/text~1plain"))];
    success_status_added: keep, |s| {
        op(s)["responses"]["201"] = json!({"description": "Created"});
    } => [(SuccessStatusAdded, false, format!("{OP}/responses/201"))];
    success_status_removed: keep, |s| remove(&mut op(s)["responses"], "200")
        => [(SuccessStatusRemoved, true, format!("{OP}/responses/200"))];
    error_status_added: keep, |s| op(s)["responses"]["409"] = json!({"description": "Conflict"})
        => [(ErrorStatusAdded, false, format!("{OP}/responses/409"))];
    error_status_removed: keep, |s| remove(&mut op(s)["responses"], "404")
        => [(ErrorStatusRemoved, false, format!("{OP}/responses/404"))];
    response_media_type_added: keep, |s| {
        op(s)["responses"]["200"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    } => [(ResponseMediaTypeAdded, false, format!("{OP}/responses/200/content/text~1plain"))];
    success_media_type_removed: |s| {
        op(s)["responses"]["200"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    }, keep => [
        (ResponseMediaTypeRemoved, true, format!("{OP}/responses/200/content/text~1plain"))
    ];
    error_media_type_removed: |s| {
        op(s)["responses"]["404"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    }, keep => [
        (ResponseMediaTypeRemoved, false, format!("{OP}/responses/404/content/text~1plain"))
    ];
    response_type_changed: keep, |s| property(s, "Thing", "size")["type"] = json!("string")
        => [(TypeChanged, true, "/components/schemas/Thing/properties/size")];
    request_type_changed: keep, |s| property(s, "Input", "name")["type"] = json!("integer")
        => [(TypeChanged, true, "/components/schemas/Input/properties/name")];
    format_changed: keep, |s| property(s, "Thing", "size")["format"] = json!("int32")
        => [(FormatChanged, true, "/components/schemas/Thing/properties/size")];
    optional_request_property_added: keep, |s| {
        property(s, "Input", "color")["type"] = json!("string");
    } => [(RequestPropertyAdded, false, "/components/schemas/Input/properties/color")];
    required_request_property_added: keep, |s| {
        property(s, "Input", "color")["type"] = json!("string");
        schema(s, "Input")["required"] = json!(["name", "color"]);
    } => [(RequestPropertyAdded, true, "/components/schemas/Input/properties/color")];
    request_property_removed: keep, |s| remove(&mut schema(s, "Input")["properties"], "note")
        => [(RequestPropertyRemoved, true, "/components/schemas/Input/properties/note")];
    request_property_became_required: keep, |s| {
        schema(s, "Input")["required"] = json!(["name", "kind"]);
    } => [(RequestPropertyBecameRequired, true, "/components/schemas/Input/properties/kind")];
    request_property_became_optional: keep, |s| schema(s, "Input")["required"] = json!([])
        => [(RequestPropertyBecameOptional, false, "/components/schemas/Input/properties/name")];
    response_property_added: keep, |s| property(s, "Thing", "color")["type"] = json!("string")
        => [(ResponsePropertyAdded, false, "/components/schemas/Thing/properties/color")];
    required_response_property_removed: keep, |s| {
        remove(&mut schema(s, "Thing")["properties"], "id");
    } => [(ResponsePropertyRemoved, true, "/components/schemas/Thing/properties/id")];
    optional_response_property_removed: keep, |s| {
        remove(&mut schema(s, "Thing")["properties"], "size");
    } => [(ResponsePropertyRemoved, true, "/components/schemas/Thing/properties/size")];
    response_property_became_optional: keep, |s| schema(s, "Thing")["required"] = json!(["status"])
        => [(ResponsePropertyBecameOptional, true, "/components/schemas/Thing/properties/id")];
    nullable_response_property_became_optional: |s| {
        property(s, "Thing", "id")["nullable"] = json!(true);
    }, |s| {
        property(s, "Thing", "id")["nullable"] = json!(true);
        schema(s, "Thing")["required"] = json!(["status"]);
    } => [(ResponsePropertyBecameOptional, false, "/components/schemas/Thing/properties/id")];
    response_property_became_required: keep, |s| {
        schema(s, "Thing")["required"] = json!(["id", "status", "size"]);
    } => [(ResponsePropertyBecameRequired, true, "/components/schemas/Thing/properties/size")];
    request_became_nullable: keep, |s| property(s, "Input", "name")["nullable"] = json!(true)
        => [(RequestBecameNullable, false, "/components/schemas/Input/properties/name")];
    required_request_became_not_nullable: |s| {
        schema(s, "Input")["required"] = json!(["name", "note"]);
    }, |s| {
        schema(s, "Input")["required"] = json!(["name", "note"]);
        remove(property(s, "Input", "note"), "nullable");
    } => [(RequestBecameNotNullable, true, "/components/schemas/Input/properties/note")];
    optional_request_became_not_nullable: keep, |s| remove(property(s, "Input", "note"), "nullable")
        => [(RequestBecameNotNullable, false, "/components/schemas/Input/properties/note")];
    response_became_nullable: keep, |s| property(s, "Thing", "id")["nullable"] = json!(true)
        => [(ResponseBecameNullable, true, "/components/schemas/Thing/properties/id")];
    optional_response_became_nullable: keep,
        |s| property(s, "Thing", "size")["nullable"] = json!(true)
        => [(ResponseBecameNullable, false, "/components/schemas/Thing/properties/size")];
    response_became_not_nullable: |s| property(s, "Thing", "id")["nullable"] = json!(true), keep
        => [(ResponseBecameNotNullable, true, "/components/schemas/Thing/properties/id")];
    request_enum_value_added: keep, |s| schema(s, "Kind")["enum"] = json!(["a", "b", "c"])
        => [(RequestEnumValueAdded, false, "/components/schemas/Kind")];
    request_enum_value_removed: keep, |s| schema(s, "Kind")["enum"] = json!(["a"])
        => [(RequestEnumValueRemoved, true, "/components/schemas/Kind")];
    response_enum_value_added: keep,
        |s| property(s, "Thing", "state")["enum"] = json!(["on", "off", "idle"])
        => [(ResponseEnumValueAdded, true, "/components/schemas/Thing/properties/state")];
    response_enum_value_removed: keep, |s| property(s, "Thing", "state")["enum"] = json!(["on"])
        => [(ResponseEnumValueRemoved, true, "/components/schemas/Thing/properties/state")];
    a_new_value_of_an_open_set_is_no_change: keep, |s| {
        property(s, "Thing", "status")["description"] = json!("Known values: `on`, `idle`.");
    } => [];
    open_set_closed: keep, |s| property(s, "Thing", "status")["enum"] = json!(["on"])
        => [(EnumAdded, true, "/components/schemas/Thing/properties/status")];
    closed_enum_opened: keep, |s| remove(property(s, "Thing", "state"), "enum")
        => [(EnumRemoved, true, "/components/schemas/Thing/properties/state")];
    request_constraint_tightened: keep, |s| op(s)["parameters"][1]["schema"]["minimum"] = json!(5)
        => [(RequestConstraintTightened, true, format!("{OP}/parameters/1/schema"))];
    request_constraint_loosened: keep, |s| remove(&mut op(s)["parameters"][1]["schema"], "minimum")
        => [(RequestConstraintLoosened, false, format!("{OP}/parameters/1/schema"))];
    response_constraint_tightened: keep, |s| property(s, "Thing", "id")["maxLength"] = json!(10)
        => [(ResponseConstraintTightened, false, "/components/schemas/Thing/properties/id")];
    response_constraint_loosened: |s| property(s, "Thing", "id")["maxLength"] = json!(10), keep
        => [(ResponseConstraintLoosened, true, "/components/schemas/Thing/properties/id")];
    constraint_changed: |s| property(s, "Thing", "id")["pattern"] = json!("^a"),
        |s| property(s, "Thing", "id")["pattern"] = json!("^b")
        => [(ConstraintChanged, true, "/components/schemas/Thing/properties/id")];
    additional_properties_changed: keep,
        |s| schema(s, "Thing")["additionalProperties"] = json!(false)
        => [(AdditionalPropertiesChanged, true, "/components/schemas/Thing")];
    request_variant_added: keep, |s| {
        property(s, "Input", "shape")["oneOf"] = json!([{"type": "string"}, {"type": "integer"}]);
    } => [(RequestVariantAdded, false, "/components/schemas/Input/properties/shape")];
    response_variant_added: keep, |s| {
        property(s, "Thing", "shape")["oneOf"] = json!([{"type": "string"}, {"type": "integer"}]);
    } => [(ResponseVariantAdded, true, "/components/schemas/Thing/properties/shape")];
    variant_removed: keep, |s| property(s, "Thing", "shape")["oneOf"] = json!([])
        => [(VariantRemoved, true, "/components/schemas/Thing/properties/shape")];
    component_schema_added: keep, |s| *schema(s, "Extra") = json!({"type": "string"})
        => [(ComponentSchemaAdded, false, "/components/schemas/Extra")];
    component_schema_removed: |s| *schema(s, "Extra") = json!({"type": "string"}), keep
        => [(ComponentSchemaRemoved, true, "/components/schemas/Extra")];
    component_schema_renamed: keep, |s| {
        let error = schema(s, "Error").take();
        remove(&mut s["components"]["schemas"], "Error");
        *schema(s, "Problem") = error;
        op(s)["responses"]["404"]["content"]["application/json"]["schema"]["$ref"] =
            json!("#/components/schemas/Problem");
    } => [(ComponentSchemaRenamed, true, "/components/schemas/Problem")];
    security_scheme_added: keep, |s| {
        s["components"]["securitySchemes"]["Bearer"] = json!({"type": "http", "scheme": "bearer"});
    } => [(SecuritySchemeAdded, false, "/components/securitySchemes/Bearer")];
    security_scheme_removed: keep, |s| remove(&mut s["components"], "securitySchemes")
        => [(SecuritySchemeRemoved, true, "/components/securitySchemes/Key")];
    security_scheme_changed: keep, |s| {
        s["components"]["securitySchemes"]["Key"]["name"] = json!("authorization");
    } => [(SecuritySchemeChanged, true, "/components/securitySchemes/Key")];
    descriptions_and_examples_are_no_change: keep, |s| {
        op(s)["description"] = json!("Makes a thing, now described better.");
        op(s)["summary"] = json!("Make");
        op(s)["responses"]["200"]["description"] = json!("The thing");
        op(s)["responses"]["200"]["content"]["application/json"]["example"] = json!({"id": "x"});
        schema(s, "Thing")["description"] = json!("A thing.");
        property(s, "Thing", "id")["example"] = json!("x");
        s["components"]["securitySchemes"]["Key"]["description"] = json!("The key.");
    } => [];
    all_of_is_merged_as_the_generator_merges_it: keep, |s| {
        let thing = schema(s, "Thing").take();
        *schema(s, "Base") = thing;
        *schema(s, "Thing") = json!({"allOf": [{"$ref": "#/components/schemas/Base"}]});
    } => [(ComponentSchemaAdded, false, "/components/schemas/Base")];
    a_schema_containing_itself_is_compared_once: keep, |s| {
        property(s, "Thing", "color")["type"] = json!("string");
        property(s, "Thing", "parent")["nullable"] = json!(true);
    } => [(ResponsePropertyAdded, false, "/components/schemas/Thing/properties/color")];
    a_schema_no_operation_uses_is_compared_both_ways: |s| remove(op(s), "requestBody"), |s| {
        remove(op(s), "requestBody");
        property(s, "Input", "color")["type"] = json!("string");
    } => [
        (RequestPropertyAdded, false, "/components/schemas/Input/properties/color"),
        (ResponsePropertyAdded, false, "/components/schemas/Input/properties/color")
    ];
}

#[test]
fn every_rule_has_a_test() {
    for kind in Kind::ALL {
        assert!(TESTED.contains(kind), "no test expects {}", kind.name());
    }
}

/// `base()` with its query parameter, request body and error answer moved to components.
fn with_components(s: &mut Value) {
    s["components"]["parameters"]["Limit"] = op(s)["parameters"][1].take();
    op(s)["parameters"][1] = json!({"$ref": "#/components/parameters/Limit"});
    s["components"]["requestBodies"]["In"] = op(s)["requestBody"].take();
    op(s)["requestBody"] = json!({"$ref": "#/components/requestBodies/In"});
    s["components"]["responses"]["Gone"] = op(s)["responses"]["404"].take();
    op(s)["responses"]["404"] = json!({"$ref": "#/components/responses/Gone"});
}

#[test]
fn parameters_bodies_and_responses_are_compared_through_their_refs() {
    let found = changes(with_components, |s| {
        with_components(s);
        s["components"]["parameters"]["Limit"]["required"] = json!(true);
        s["components"]["requestBodies"]["In"]["required"] = json!(false);
        remove(&mut s["components"]["responses"]["Gone"], "content");
    });
    let summary: Vec<(Kind, bool, &str)> = found
        .iter()
        .map(|c| (c.kind, c.breaking, c.location.pointer.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                Kind::RequestParameterBecameRequired,
                true,
                "/components/parameters/Limit"
            ),
            (
                Kind::RequestBodyBecameOptional,
                false,
                "/components/requestBodies/In"
            ),
            (
                Kind::ResponseMediaTypeRemoved,
                false,
                "/components/responses/Gone/content/application~1json"
            ),
        ]
    );
}

#[test]
fn a_change_in_a_shared_schema_is_listed_once_with_every_operation() {
    fn second_operation(s: &mut Value) {
        let mut get = op(s).clone();
        get["operationId"] = json!("get_thing");
        s["paths"]["/things/{id}"]["get"] = get;
    }
    let found = changes(second_operation, |s| {
        second_operation(s);
        property(s, "Thing", "size")["type"] = json!("string");
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].location,
        Location {
            operations: vec!["GET /things/{id}".into(), "POST /things/{id}".into()],
            pointer: "/components/schemas/Thing/properties/size".into(),
        }
    );
    assert_eq!(
        found[0].message,
        "property `size` changed type from `integer` to `string`: the generated type changes."
    );
}

#[test]
fn breaking_changes_come_first() {
    let found = changes(keep, |s| {
        property(s, "Thing", "color")["type"] = json!("string");
        remove(&mut schema(s, "Thing")["properties"], "id");
    });
    let kinds: Vec<Kind> = found.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [Kind::ResponsePropertyRemoved, Kind::ResponsePropertyAdded]
    );
    assert!(any_breaking(&found));
    assert!(!any_breaking(&found[1..]));
}

fn load_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    let good = write(&dir, "good.json", &base());
    let error = diff(&good, &path).unwrap_err();
    assert_eq!(error.path, path);
    let line = error.to_string();
    let shown = line.replace(&path.display().to_string(), "SPEC");
    assert!(!shown.contains('\n'), "one line: {shown}");
    shown
}

#[test]
fn an_unreadable_spec_is_one_line_naming_the_file() {
    let mut broken = base();
    property(&mut broken, "Thing", "id")["$ref"] = json!("#/components/schemas/Nope");
    assert_eq!(
        load_error(&broken.to_string()),
        "SPEC: /components/schemas/Thing/properties/id/$ref: \"#/components/schemas/Nope\" does \
         not resolve"
    );
    let mut cycle = base();
    *schema(&mut cycle, "A") = json!({"$ref": "#/components/schemas/B"});
    *schema(&mut cycle, "B") = json!({"$ref": "#/components/schemas/A"});
    assert_eq!(
        load_error(&cycle.to_string()),
        "SPEC: /components/schemas/A/$ref: \"#/components/schemas/B\" is a cycle of references \
         (and 1 more problems)"
    );
    assert!(
        load_error("openapi: 3.0.3\npaths: [unclosed\n").starts_with("SPEC: not valid YAML: "),
        "invalid YAML"
    );
    assert_eq!(
        load_error("openapi: 3.1.0\npaths: {}\n"),
        "SPEC: /openapi: version \"3.1.0\" is not 3.0.x, the only version progenitor reads"
    );
    // The name is escaped: it cannot drive the terminal.
    let missing = std::path::Path::new("/nonexistent/\u{1b}[2Jaymara.yaml");
    let error = diff(missing, missing).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/\\u{1b}[2Jaymara.yaml: cannot read: "),
        "{error}"
    );
}

#[test]
fn the_table_escapes_what_the_specs_say() {
    let found = changes(keep, |s| {
        property(s, "Thing", "\u{1b}[31mred")["type"] = json!("string")
    });
    let table = table(&found);
    assert!(!table.contains('\u{1b}'), "{table}");
    assert!(table.contains("\\u{1b}[31mred"), "{table}");
    assert!(table.starts_with("BREAKING  KIND"), "{table}");
    assert!(table.ends_with("1 change(s), 0 breaking\n"), "{table}");
    assert_eq!(
        json(&found)["changes"][0]["location"],
        json!({
            "operations": ["POST /things/{id}"],
            "pointer": "/components/schemas/Thing/properties/\u{1b}[31mred",
        })
    );
}

/// The README's rule table lists every kind, in order, with its verdict.
#[test]
fn the_readme_documents_every_rule() {
    let readme = std::fs::read_to_string(crate::workspace_root().join("README.md")).unwrap();
    let (_, section) = readme.split_once("\n## Code generation\n").unwrap();
    let section = section.split("\n## ").next().unwrap();
    let rows: Vec<(String, String)> = section
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split(" | ");
            let kind = cells.next()?.strip_suffix('`')?;
            Some((kind.to_string(), cells.next()?.to_string()))
        })
        .collect();
    let expected: Vec<(String, String)> = Kind::ALL
        .iter()
        .map(|kind| {
            let cell = match kind.verdict() {
                Verdict::Breaking => "yes",
                Verdict::Compatible => "no",
                Verdict::BreakingWhen(condition) => condition,
            };
            (kind.name().to_string(), cell.to_string())
        })
        .collect();
    assert_eq!(rows, expected);
}
