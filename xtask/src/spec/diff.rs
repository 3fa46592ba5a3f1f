//! The walk over two specs: operations (their parameters, request bodies and responses),
//! then component schemas and security schemes. Schemas themselves are compared in
//! `schema.rs`. Operations are matched by method and path; what changed inside a shared
//! component is reported once, naming every operation it reaches.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::change::{Change, Location};
use super::load::{Node, Spec};
use super::rules::{Kind, Verdict};
use crate::lint::{self, Operation};

/// Which way a schema's values travel: what the client sends, or what it decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Direction {
    Request,
    Response,
}

/// Whether a value must be present, in the old spec and in the new one. A generated field
/// is `Option<T>` when its value is optional or nullable.
#[derive(Debug, Clone, Copy)]
pub(super) struct Presence {
    pub old: bool,
    pub new: bool,
}

impl Presence {
    /// A value that is always there: a body, an array's items.
    pub const ALWAYS: Presence = Presence {
        old: true,
        new: true,
    };
}

/// The state of one comparison.
pub(super) struct Differ<'a> {
    pub old: &'a Spec,
    pub new: &'a Spec,
    /// The operation being compared, as `METHOD /path`.
    operation: Option<String>,
    /// The schema pairs compared so far for this operation: each is compared once, and a
    /// schema that contains itself stops there.
    pub seen: HashSet<(String, String, Direction)>,
    /// The pointer of every schema compared, on either side: the component schemas not
    /// among them are compared on their own.
    pub reached: HashSet<String>,
    changes: Vec<Change>,
}

/// Compares two specs; the changes come breaking first, then in the order of the specs.
pub(super) fn compare(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        operation: None,
        seen: HashSet::new(),
        reached: HashSet::new(),
        changes: Vec::new(),
    };
    differ.operations();
    differ.component_schemas();
    differ.security_schemes();
    differ.finish()
}

impl<'a> Differ<'a> {
    /// Records a change whose kind decides whether it breaks.
    pub fn record(&mut self, kind: Kind, pointer: &str, message: String) {
        self.record_when(kind, true, pointer, message);
    }

    /// Records a change of a kind that breaks under a condition; `condition` says whether it
    /// holds here.
    pub fn record_when(&mut self, kind: Kind, condition: bool, pointer: &str, message: String) {
        let breaking = match kind.verdict() {
            Verdict::Breaking => true,
            Verdict::Compatible => false,
            Verdict::BreakingWhen(_) => condition,
        };
        self.changes.push(Change {
            kind,
            location: Location {
                operations: self.operation.iter().cloned().collect(),
                pointer: pointer.to_string(),
            },
            breaking,
            message,
        });
    }

    /// One change per kind, place and message, naming every operation it was found in.
    fn finish(self) -> Vec<Change> {
        let mut merged: Vec<Change> = Vec::new();
        let mut index: HashMap<(Kind, String, bool, String), usize> = HashMap::new();
        for change in self.changes {
            let key = (
                change.kind,
                change.location.pointer.clone(),
                change.breaking,
                change.message.clone(),
            );
            match index.get(&key) {
                Some(&i) => {
                    let operations = &mut merged[i].location.operations;
                    for operation in change.location.operations {
                        if !operations.contains(&operation) {
                            operations.push(operation);
                        }
                    }
                }
                None => {
                    index.insert(key, merged.len());
                    merged.push(change);
                }
            }
        }
        merged.sort_by_key(|change| !change.breaking);
        merged
    }

    fn operations(&mut self) {
        let by_place = |spec: &Spec| -> BTreeMap<(String, &'static str), Operation> {
            lint::operations(&spec.root)
                .into_iter()
                .map(|op| ((op.path.clone(), op.method), op))
                .collect()
        };
        let (old, new) = (by_place(self.old), by_place(self.new));
        let places: BTreeSet<_> = old.keys().chain(new.keys()).collect();
        for place in places {
            let (path, method) = place;
            self.operation = Some(format!("{} {path}", method.to_uppercase()));
            self.seen.clear();
            match (old.get(place), new.get(place)) {
                (Some(op), None) => self.record(
                    Kind::OperationRemoved,
                    &op.pointer,
                    format!(
                        "operation {} was removed: its generated method is gone.",
                        id(op)
                    ),
                ),
                (None, Some(op)) => self.record(
                    Kind::OperationAdded,
                    &op.pointer,
                    format!("operation {} was added.", id(op)),
                ),
                (Some(o), Some(n)) => self.operation_pair(o, n),
                (None, None) => {}
            }
        }
        self.operation = None;
    }

    fn operation_pair(&mut self, old: &Operation, new: &Operation) {
        if old.id != new.id {
            self.record(
                Kind::OperationIdChanged,
                &format!("{}/operationId", new.pointer),
                format!(
                    "operationId {} became {}: the generated method is renamed.",
                    id(old),
                    id(new)
                ),
            );
        }
        let (o, n) = (node(self.old, &old.pointer), node(self.new, &new.pointer));
        let (Some(o), Some(n)) = (o, n) else { return };
        let old_parameters = parameters(self.old, &old.path, &o);
        let new_parameters = parameters(self.new, &new.path, &n);
        self.parameters(old_parameters, new_parameters);
        self.request_body(o.get("requestBody"), n.get("requestBody"));
        self.responses(o.get("responses"), n.get("responses"));
    }

    fn parameters(
        &mut self,
        old: BTreeMap<(String, String), Node<'a>>,
        new: BTreeMap<(String, String), Node<'a>>,
    ) {
        for (key @ (place, name), o) in &old {
            if !new.contains_key(key) {
                self.record(
                    Kind::RequestParameterRemoved,
                    &o.pointer,
                    format!("{place} parameter `{name}` was removed: its builder method is gone."),
                );
            }
        }
        for (key @ (place, name), n) in &new {
            let required = n.flag("required");
            let Some(o) = old.get(key) else {
                let message = if required {
                    format!("new required {place} parameter `{name}`: calls without it fail.")
                } else {
                    format!("new optional {place} parameter `{name}`.")
                };
                self.record_when(Kind::RequestParameterAdded, required, &n.pointer, message);
                continue;
            };
            let was_required = o.flag("required");
            if was_required != required {
                let (kind, now) = if required {
                    (Kind::RequestParameterBecameRequired, "required")
                } else {
                    (Kind::RequestParameterBecameOptional, "optional")
                };
                let message = format!("{place} parameter `{name}` became {now}.");
                self.record(kind, &n.pointer, message);
            }
            if let (Some(os), Some(ns)) = (o.get("schema"), n.get("schema")) {
                let presence = Presence {
                    old: was_required,
                    new: required,
                };
                let what = format!("{place} parameter `{name}`");
                self.schema(os, ns, Direction::Request, presence, &what);
            }
        }
    }

    fn request_body(&mut self, old: Option<Node<'a>>, new: Option<Node<'a>>) {
        let old = old.map(|o| self.old.resolve(o));
        let new = new.map(|n| self.new.resolve(n));
        match (old, new) {
            (None, None) => {}
            (Some(o), None) => self.record(
                Kind::RequestBodyRemoved,
                &o.pointer,
                "the request body was removed: the builder's `body` is gone.".into(),
            ),
            (None, Some(n)) => {
                let required = n.flag("required");
                let message = format!(
                    "new {} request body.",
                    if required { "required" } else { "optional" }
                );
                self.record_when(Kind::RequestBodyAdded, required, &n.pointer, message);
            }
            (Some(o), Some(n)) => {
                match (o.flag("required"), n.flag("required")) {
                    (false, true) => self.record(
                        Kind::RequestBodyBecameRequired,
                        &n.pointer,
                        "the request body became required.".into(),
                    ),
                    (true, false) => self.record(
                        Kind::RequestBodyBecameOptional,
                        &n.pointer,
                        "the request body became optional.".into(),
                    ),
                    _ => {}
                }
                self.content(&o, &n, None);
            }
        }
    }

    fn responses(&mut self, old: Option<Node<'a>>, new: Option<Node<'a>>) {
        let by_status = |spec: &'a Spec, node: Option<Node<'a>>| -> BTreeMap<&'a str, Node<'a>> {
            node.iter()
                .flat_map(|n| n.entries())
                .map(|(status, response)| (status, spec.resolve(response)))
                .collect()
        };
        let (old, new) = (by_status(self.old, old), by_status(self.new, new));
        for status in old.keys().chain(new.keys()).collect::<BTreeSet<_>>() {
            let success = status.starts_with('2');
            match (old.get(status), new.get(status)) {
                (Some(o), None) => {
                    let (kind, message) = if success {
                        let message = format!(
                            "success status {status} was removed: the answer the client decodes \
                             is gone."
                        );
                        (Kind::SuccessStatusRemoved, message)
                    } else {
                        let message = format!(
                            "error status {status} was removed: it now fails as an undocumented \
                             status."
                        );
                        (Kind::ErrorStatusRemoved, message)
                    };
                    self.record(kind, &o.pointer, message);
                }
                (None, Some(n)) => {
                    let (kind, which) = if success {
                        (Kind::SuccessStatusAdded, "success")
                    } else {
                        (Kind::ErrorStatusAdded, "error")
                    };
                    let message = format!("new {which} status {status}.");
                    self.record(kind, &n.pointer, message);
                }
                (Some(o), Some(n)) => self.content(o, n, Some(status)),
                (None, None) => {}
            }
        }
    }

    /// Compares the `content` of a request body (`status` is `None`) or of a response.
    fn content(&mut self, old: &Node<'a>, new: &Node<'a>, status: Option<&str>) {
        let by_media_type = |node: &Node<'a>| -> BTreeMap<String, Node<'a>> {
            node.get("content")
                .iter()
                .flat_map(|content| content.entries())
                .map(|(media_type, media)| (lint::essence(media_type).to_string(), media))
                .collect::<BTreeMap<_, _>>()
        };
        let (old_media, new_media) = (by_media_type(old), by_media_type(new));
        let (direction, what) = match status {
            None => (Direction::Request, "the request body".to_string()),
            Some(status) => (Direction::Response, format!("the {status} response")),
        };
        for (media_type, o) in &old_media {
            if new_media.contains_key(media_type) {
                continue;
            }
            let message = format!("{what} no longer has a {media_type} body.");
            match status {
                None => self.record(Kind::RequestMediaTypeRemoved, &o.pointer, message),
                Some(status) => {
                    let success = status.starts_with('2');
                    let kind = Kind::ResponseMediaTypeRemoved;
                    self.record_when(kind, success, &o.pointer, message);
                }
            }
        }
        for (media_type, n) in &new_media {
            let Some(o) = old_media.get(media_type) else {
                let kind = match direction {
                    Direction::Request => Kind::RequestMediaTypeAdded,
                    Direction::Response => Kind::ResponseMediaTypeAdded,
                };
                let message = format!("{what} may now have a {media_type} body.");
                self.record(kind, &n.pointer, message);
                continue;
            };
            if let (Some(os), Some(ns)) = (o.get("schema"), n.get("schema")) {
                self.schema(os, ns, direction, Presence::ALWAYS, &format!("{what} body"));
            }
        }
    }

    /// Renamed, removed and added component schemas; and changes inside the common ones no
    /// operation reaches, which are generated all the same (classified for both directions).
    fn component_schemas(&mut self) {
        let old = components(self.old, "schemas");
        let new = components(self.new, "schemas");
        let mut added: Vec<&&str> = new.keys().filter(|name| !old.contains_key(*name)).collect();
        for (name, o) in &old {
            if new.contains_key(name) {
                continue;
            }
            let renamed = added
                .iter()
                .position(|candidate| without_docs(new[*candidate].value) == without_docs(o.value));
            match renamed {
                Some(i) => {
                    let to = added.remove(i);
                    self.record(
                        Kind::ComponentSchemaRenamed,
                        &new[to].pointer,
                        format!(
                            "schema `{name}` was renamed `{to}`: the generated type is renamed."
                        ),
                    );
                }
                None => self.record(
                    Kind::ComponentSchemaRemoved,
                    &o.pointer,
                    format!("schema `{name}` was removed: its generated type is gone."),
                ),
            }
        }
        for name in added {
            self.record(
                Kind::ComponentSchemaAdded,
                &new[name].pointer,
                format!("new schema `{name}`."),
            );
        }
        for (name, o) in &old {
            let Some(n) = new.get(name) else { continue };
            if self.reached.contains(&o.pointer) || self.reached.contains(&n.pointer) {
                continue;
            }
            self.seen.clear();
            for direction in [Direction::Request, Direction::Response] {
                let what = format!("schema `{name}`");
                self.schema(o.clone(), n.clone(), direction, Presence::ALWAYS, &what);
            }
        }
    }

    fn security_schemes(&mut self) {
        let old = components(self.old, "securitySchemes");
        let new = components(self.new, "securitySchemes");
        for (name, o) in &old {
            match new.get(name) {
                None => self.record(
                    Kind::SecuritySchemeRemoved,
                    &o.pointer,
                    format!("security scheme `{name}` was removed."),
                ),
                Some(n) if without_docs(o.value) != without_docs(n.value) => self.record(
                    Kind::SecuritySchemeChanged,
                    &n.pointer,
                    format!(
                        "security scheme `{name}` changed: the SDK still sends its key the old way."
                    ),
                ),
                Some(_) => {}
            }
        }
        for (name, n) in &new {
            if !old.contains_key(name) {
                let message = format!("new security scheme `{name}`.");
                self.record(Kind::SecuritySchemeAdded, &n.pointer, message);
            }
        }
    }
}

/// The operation's id in a message.
fn id(op: &Operation) -> String {
    match &op.id {
        Some(id) => format!("`{id}`"),
        None => "(no operationId)".into(),
    }
}

fn node<'a>(spec: &'a Spec, pointer: &str) -> Option<Node<'a>> {
    Some(Node {
        value: spec.root.pointer(pointer)?,
        pointer: pointer.to_string(),
    })
}

/// The operation's parameters by place and name: the path item's, overridden by the
/// operation's own.
fn parameters<'a>(
    spec: &'a Spec,
    path: &str,
    operation: &Node<'a>,
) -> BTreeMap<(String, String), Node<'a>> {
    let item = node(spec, &format!("/paths/{}", lint::escape(path)));
    let lists = [
        item.and_then(|i| i.get("parameters")),
        operation.get("parameters"),
    ];
    let mut all = BTreeMap::new();
    for parameter in lists.iter().flatten().flat_map(|list| list.items()) {
        let parameter = spec.resolve(parameter);
        let text = |key: &str| parameter.value.get(key).and_then(Value::as_str);
        if let (Some(place), Some(name)) = (text("in"), text("name")) {
            all.insert((place.to_string(), name.to_string()), parameter);
        }
    }
    all
}

/// The entries of `components/<section>`, by name.
fn components<'a>(spec: &'a Spec, section: &str) -> BTreeMap<&'a str, Node<'a>> {
    spec.root()
        .get("components")
        .and_then(|c| c.get(section))
        .map(|s| s.entries().collect())
        .unwrap_or_default()
}

/// `value` without what only documents it (descriptions, examples, titles, extensions),
/// to compare what it means.
fn without_docs(value: &Value) -> Value {
    strip_docs(value, false)
}

fn strip_docs(value: &Value, names: bool) -> Value {
    const DOCS: [&str; 5] = ["description", "summary", "example", "examples", "title"];
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| names || !(DOCS.contains(&key.as_str()) || key.starts_with("x-")))
            .map(|(key, value)| {
                let children_are_names = !names && key == "properties";
                (key.clone(), strip_docs(value, children_are_names))
            })
            .collect(),
        Value::Array(items) => items.iter().map(|item| strip_docs(item, false)).collect(),
        other => other.clone(),
    }
}
