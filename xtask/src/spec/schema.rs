//! Structural comparison of two schemas, recursing through `$ref`s, `allOf`, properties,
//! array items, `additionalProperties`, `oneOf` and `anyOf`. Only what decides the
//! generated type or what the service accepts is compared: descriptions, examples and
//! titles never make a change.
//!
//! An open set of values (`processing_status`, `file_type`, error `code`) is a
//! `type: string` with no `enum`, its known values listed in the description: the generated
//! field is a `String`, so a new value changes only the description and is no change here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::diff::{Differ, Direction, Presence};
use super::load::{Node, Spec};
use super::rules::Kind;

/// What a schema says, with its `allOf` members merged in (as the generator merges them).
struct View<'a> {
    /// The schema, its `$ref` followed.
    node: Node<'a>,
    ty: Option<&'a str>,
    format: Option<&'a str>,
    nullable: bool,
    enumeration: Option<Vec<&'a Value>>,
    properties: BTreeMap<&'a str, Node<'a>>,
    required: BTreeSet<&'a str>,
    items: Option<Node<'a>>,
    additional: Option<Node<'a>>,
    one_of: Vec<Node<'a>>,
    any_of: Vec<Node<'a>>,
    limits: BTreeMap<&'static str, &'a Value>,
}

/// Lower bounds: raising one tightens.
const LOWER: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];
/// Upper bounds: lowering one tightens.
const UPPER: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
/// Flags: turning one on tightens.
const FLAGS: [&str; 3] = ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"];
/// Limits with no order: replacing one is neither tighter nor looser.
const OTHER: [&str; 2] = ["pattern", "multipleOf"];

/// How a limit changed.
enum Limit {
    Tighter,
    Looser,
    Replaced,
}

impl<'a> Differ<'a> {
    /// Compares the schemas `old` and `new` of a value sent or decoded as `direction`;
    /// `what` names the value in messages.
    pub(super) fn schema(
        &mut self,
        old: Node<'a>,
        new: Node<'a>,
        direction: Direction,
        presence: Presence,
        what: &str,
    ) {
        let o = self.view(self.old, old);
        let n = self.view(self.new, new);
        self.nullability(&o, &n, direction, presence, what);
        let pair = (o.node.pointer.clone(), n.node.pointer.clone(), direction);
        if !self.seen.insert(pair) {
            return;
        }
        let at = n.node.pointer.clone();
        if o.ty != n.ty {
            let message = format!(
                "{what} changed type from {} to {}: the generated type changes.",
                name(o.ty),
                name(n.ty)
            );
            self.record(Kind::TypeChanged, &at, message);
            return;
        }
        if o.format != n.format {
            let message = format!(
                "{what} changed format from {} to {}.",
                name(o.format),
                name(n.format)
            );
            self.record(Kind::FormatChanged, &at, message);
        }
        self.enumeration(&o, &n, direction, what);
        self.limits(&o, &n, direction, what);
        self.properties(&o, &n, direction);
        match (&o.items, &n.items) {
            (Some(oi), Some(ni)) => {
                let what = format!("the items of {what}");
                self.schema(oi.clone(), ni.clone(), direction, Presence::ALWAYS, &what);
            }
            (None, None) => {}
            _ => {
                let message = format!(
                    "the items of {what} gained or lost their schema: the generated type changes."
                );
                self.record(Kind::TypeChanged, &at, message);
            }
        }
        self.additional_properties(&o, &n, direction, what);
        self.variants("oneOf", &o.one_of, &n.one_of, direction, what, &at);
        self.variants("anyOf", &o.any_of, &n.any_of, direction, what, &at);
    }

    fn view(&mut self, spec: &'a Spec, node: Node<'a>) -> View<'a> {
        let node = spec.resolve(node);
        let mut view = View {
            node: node.clone(),
            ty: None,
            format: None,
            nullable: false,
            enumeration: None,
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            items: None,
            additional: None,
            one_of: Vec::new(),
            any_of: Vec::new(),
            limits: BTreeMap::new(),
        };
        self.merge(spec, node, &mut view, &mut Vec::new());
        view
    }

    /// Adds `node` and its `allOf` members to `view`; `visited` stops a schema that is its
    /// own member.
    fn merge(
        &mut self,
        spec: &'a Spec,
        node: Node<'a>,
        view: &mut View<'a>,
        visited: &mut Vec<String>,
    ) {
        let node = spec.resolve(node);
        if visited.contains(&node.pointer) {
            return;
        }
        visited.push(node.pointer.clone());
        self.reached.insert(node.pointer.clone());
        let value = node.value;
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        view.ty = view.ty.or(text("type"));
        view.format = view.format.or(text("format"));
        view.nullable |= node.flag("nullable");
        if view.enumeration.is_none() {
            view.enumeration = value
                .get("enum")
                .and_then(Value::as_array)
                .map(|values| values.iter().collect());
        }
        for (name, property) in node.get("properties").iter().flat_map(|p| p.entries()) {
            view.properties.entry(name).or_insert(property);
        }
        let required = value.get("required").and_then(Value::as_array);
        view.required
            .extend(required.into_iter().flatten().filter_map(Value::as_str));
        view.items = view.items.take().or_else(|| node.get("items"));
        view.additional = view
            .additional
            .take()
            .or_else(|| node.get("additionalProperties"));
        for (key, list) in [("oneOf", &mut view.one_of), ("anyOf", &mut view.any_of)] {
            if list.is_empty() {
                list.extend(node.get(key).iter().flat_map(|l| l.items()));
            }
        }
        for key in LOWER.iter().chain(&UPPER).chain(&FLAGS).chain(&OTHER) {
            // A flag that is off is no limit.
            match value.get(*key) {
                None | Some(Value::Bool(false)) => {}
                Some(limit) => {
                    view.limits.entry(key).or_insert(limit);
                }
            }
        }
        for member in node.get("allOf").iter().flat_map(|all| all.items()) {
            self.merge(spec, member, view, visited);
        }
    }

    /// A generated field is `Option<T>` when its value is optional or nullable; a change of
    /// nullability breaks when that flips, except that a request accepting null never does.
    fn nullability(
        &mut self,
        o: &View<'a>,
        n: &View<'a>,
        direction: Direction,
        presence: Presence,
        what: &str,
    ) {
        if o.nullable == n.nullable {
            return;
        }
        let (flips, field) = option_change(presence, o.nullable, n.nullable);
        let (kind, may) = match (direction, n.nullable) {
            (Direction::Request, true) => (Kind::RequestBecameNullable, "may now"),
            (Direction::Request, false) => (Kind::RequestBecameNotNullable, "may no longer"),
            (Direction::Response, true) => (Kind::ResponseBecameNullable, "may now"),
            (Direction::Response, false) => (Kind::ResponseBecameNotNullable, "may no longer"),
        };
        let message = format!("{what} {may} be null{field}.");
        self.record_when(kind, flips, &n.node.pointer, message);
    }

    fn enumeration(&mut self, o: &View<'a>, n: &View<'a>, direction: Direction, what: &str) {
        let at = n.node.pointer.clone();
        let (old, new) = match (&o.enumeration, &n.enumeration) {
            (None, None) => return,
            (None, Some(_)) => {
                let message = format!(
                    "{what} became a closed enum: its generated type is no longer a `String`."
                );
                return self.record(Kind::EnumAdded, &at, message);
            }
            (Some(_), None) => {
                let message = format!(
                    "{what} is no longer a closed enum: its generated type becomes a `String`."
                );
                return self.record(Kind::EnumRemoved, &at, message);
            }
            (Some(old), Some(new)) => (old, new),
        };
        for value in old.iter().filter(|v| !new.contains(v)) {
            let (kind, consequence) = match direction {
                Direction::Request => (Kind::RequestEnumValueRemoved, "clients sending it fail"),
                Direction::Response => (Kind::ResponseEnumValueRemoved, "its variant is gone"),
            };
            let message = format!("{what} lost the value {value}: {consequence}.");
            self.record(kind, &at, message);
        }
        for value in new.iter().filter(|v| !old.contains(v)) {
            let (kind, message) = match direction {
                Direction::Request => (
                    Kind::RequestEnumValueAdded,
                    format!("{what} gained the value {value}."),
                ),
                Direction::Response => (
                    Kind::ResponseEnumValueAdded,
                    format!(
                        "closed enum {what} gained the value {value}: the generated enum cannot \
                         decode it (an open set is a string with no enum)."
                    ),
                ),
            };
            self.record(kind, &at, message);
        }
    }

    fn limits(&mut self, o: &View<'a>, n: &View<'a>, direction: Direction, what: &str) {
        let keys: BTreeSet<&&str> = o.limits.keys().chain(n.limits.keys()).collect();
        for key in keys {
            let (old, new) = (o.limits.get(key), n.limits.get(key));
            let change = match (old, new) {
                (Some(a), Some(b)) if a == b => continue,
                (None, _) => Limit::Tighter,
                (_, None) => Limit::Looser,
                (Some(a), Some(b)) => {
                    let (a, b) = (a.as_f64(), b.as_f64());
                    match (LOWER.contains(key), UPPER.contains(key), a < b) {
                        (true, _, true) | (_, true, false) => Limit::Tighter,
                        (true, _, false) | (_, true, true) => Limit::Looser,
                        _ => Limit::Replaced,
                    }
                }
            };
            let kind = match (change, direction) {
                (Limit::Tighter, Direction::Request) => Kind::RequestConstraintTightened,
                (Limit::Looser, Direction::Request) => Kind::RequestConstraintLoosened,
                (Limit::Tighter, Direction::Response) => Kind::ResponseConstraintTightened,
                (Limit::Looser, Direction::Response) => Kind::ResponseConstraintLoosened,
                (Limit::Replaced, _) => Kind::ConstraintChanged,
            };
            let shown =
                |limit: Option<&&Value>| limit.map_or("none".to_string(), |v| v.to_string());
            let message = format!(
                "{key} of {what} changed from {} to {}.",
                shown(old),
                shown(new)
            );
            self.record(kind, &n.node.pointer, message);
        }
    }

    fn properties(&mut self, o: &View<'a>, n: &View<'a>, direction: Direction) {
        for (name, property) in &o.properties {
            if n.properties.contains_key(name) {
                continue;
            }
            let (kind, message) = match direction {
                Direction::Request => (
                    Kind::RequestPropertyRemoved,
                    format!("request property `{name}` was removed: its builder method is gone."),
                ),
                Direction::Response => (
                    Kind::ResponsePropertyRemoved,
                    format!(
                        "{} response property `{name}` was removed: its generated field is gone.",
                        if o.required.contains(name) {
                            "required"
                        } else {
                            "optional"
                        }
                    ),
                ),
            };
            self.record(kind, &property.pointer, message);
        }
        for (name, property) in &n.properties {
            let required = n.required.contains(name);
            let Some(old_property) = o.properties.get(name) else {
                let (kind, message) = match (direction, required) {
                    (Direction::Request, true) => (
                        Kind::RequestPropertyAdded,
                        format!(
                            "new required request property `{name}`: requests without it fail."
                        ),
                    ),
                    (Direction::Request, false) => (
                        Kind::RequestPropertyAdded,
                        format!("new optional request property `{name}`."),
                    ),
                    (Direction::Response, _) => (
                        Kind::ResponsePropertyAdded,
                        format!(
                            "new response property `{name}`: clients ignore what they do not know."
                        ),
                    ),
                };
                self.record_when(kind, required, &property.pointer, message);
                continue;
            };
            let presence = Presence {
                old: o.required.contains(name),
                new: required,
            };
            if presence.old != presence.new {
                self.requiredness(name, old_property, property, direction, presence);
            }
            let what = format!("property `{name}`");
            let (old_property, property) = (old_property.clone(), property.clone());
            self.schema(old_property, property, direction, presence, &what);
        }
    }

    fn requiredness(
        &mut self,
        name: &str,
        old: &Node<'a>,
        new: &Node<'a>,
        direction: Direction,
        presence: Presence,
    ) {
        let nullable =
            |spec: &'a Spec, node: &Node<'a>| spec.resolve(node.clone()).flag("nullable");
        let (flips, field) =
            option_change(presence, nullable(self.old, old), nullable(self.new, new));
        let (kind, now) = match (direction, presence.new) {
            (Direction::Request, true) => (Kind::RequestPropertyBecameRequired, "required"),
            (Direction::Request, false) => (Kind::RequestPropertyBecameOptional, "optional"),
            (Direction::Response, true) => (Kind::ResponsePropertyBecameRequired, "required"),
            (Direction::Response, false) => (Kind::ResponsePropertyBecameOptional, "optional"),
        };
        let side = match direction {
            Direction::Request => "request",
            Direction::Response => "response",
        };
        let message = format!("{side} property `{name}` became {now}{field}.");
        self.record_when(kind, flips, &new.pointer, message);
    }

    fn additional_properties(
        &mut self,
        o: &View<'a>,
        n: &View<'a>,
        direction: Direction,
        what: &str,
    ) {
        match (&o.additional, &n.additional) {
            (Some(a), Some(b)) if a.value.is_object() && b.value.is_object() => {
                let what = format!("the values of {what}");
                self.schema(a.clone(), b.clone(), direction, Presence::ALWAYS, &what);
            }
            (a, b) => {
                let (a, b) = (a.as_ref().map(|a| a.value), b.as_ref().map(|b| b.value));
                if a != b {
                    let shown = |v: Option<&Value>| v.map_or("absent".into(), Value::to_string);
                    let message = format!(
                        "additionalProperties of {what} changed from {} to {}: the generated \
                         type changes.",
                        shown(a),
                        shown(b)
                    );
                    self.record(Kind::AdditionalPropertiesChanged, &n.node.pointer, message);
                }
            }
        }
    }

    fn variants(
        &mut self,
        key: &str,
        old: &[Node<'a>],
        new: &[Node<'a>],
        direction: Direction,
        what: &str,
        at: &str,
    ) {
        for (i, (o, n)) in old.iter().zip(new).enumerate() {
            let what = format!("{key} variant {i} of {what}");
            self.schema(o.clone(), n.clone(), direction, Presence::ALWAYS, &what);
        }
        for (i, _) in new.iter().enumerate().skip(old.len()) {
            let kind = match direction {
                Direction::Request => Kind::RequestVariantAdded,
                Direction::Response => Kind::ResponseVariantAdded,
            };
            self.record(kind, at, format!("{what} gained {key} variant {i}."));
        }
        for (i, _) in old.iter().enumerate().skip(new.len()) {
            let message = format!("{what} lost {key} variant {i}.");
            self.record(Kind::VariantRemoved, at, message);
        }
    }
}

/// Whether a value's generated field gains or loses its `Option` (it is `Option<T>` when
/// the value is optional or nullable), and the words that say so in a message.
fn option_change(presence: Presence, was_nullable: bool, nullable: bool) -> (bool, &'static str) {
    match (!presence.old || was_nullable, !presence.new || nullable) {
        (false, true) => (true, ": its generated field becomes an `Option`"),
        (true, false) => (true, ": its generated field is no longer an `Option`"),
        _ => (false, ""),
    }
}

/// A `type` or `format` in a message.
fn name(value: Option<&str>) -> String {
    value.map_or("(none)".into(), |v| format!("`{v}`"))
}
