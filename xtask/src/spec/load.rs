//! Reading a spec for `spec diff`: the codegen's own parser and readability checks, so a spec
//! that one command reads the other reads the same way.

use std::fmt;
use std::path::{Path, PathBuf};

use aymara_text as display;
use serde_json::Value;

use crate::lint;

/// A spec that was read, and whose every `$ref` resolves.
#[derive(Debug)]
pub struct Spec {
    /// The document, as JSON.
    pub root: Value,
}

/// One node of a spec: its value and its JSON pointer.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The node.
    pub value: &'a Value,
    /// Where it is in its document.
    pub pointer: String,
}

impl<'a> Node<'a> {
    /// The child `key` of this node, if it has one.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let value = self.value.get(key)?;
        Some(Node {
            value,
            pointer: format!("{}/{}", self.pointer, lint::escape(key)),
        })
    }

    /// The entries of this node, if it is an object.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Node<'a>)> + '_ {
        self.value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| {
                let pointer = format!("{}/{}", self.pointer, lint::escape(key));
                (key.as_str(), Node { value, pointer })
            })
    }

    /// The items of this node, if it is an array.
    pub fn items(&self) -> impl Iterator<Item = Node<'a>> + '_ {
        self.value
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                pointer: format!("{}/{i}", self.pointer),
            })
    }

    /// The boolean `key` of this node; absent is false.
    pub fn flag(&self, key: &str) -> bool {
        self.value
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

impl Spec {
    /// The whole document.
    pub fn root(&self) -> Node<'_> {
        Node {
            value: &self.root,
            pointer: String::new(),
        }
    }

    /// The node a `$ref` names (following chains), or `node` itself if it is not a `$ref`.
    pub fn resolve<'a>(&'a self, node: Node<'a>) -> Node<'a> {
        let Some(reference) = node.value.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        match lint::follow_ref(&self.root, reference) {
            Ok((value, pointer)) => Node { value, pointer },
            // `load` refused every spec with a `$ref` that does not resolve.
            Err(_) => node,
        }
    }
}

/// Why a spec cannot be compared: one line naming the file and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec's path, as given.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

/// Escaped: a file name or a key of the spec cannot drive the terminal.
impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, problem) = (display::path(&self.path), display::escape(&self.problem));
        write!(f, "{path}: {problem}")
    }
}

impl std::error::Error for SpecError {}

/// Reads the spec at `path`: YAML or JSON, OpenAPI 3.0.x, every `$ref` resolvable.
pub fn load(path: &Path) -> Result<Spec, SpecError> {
    let fail = |problem: String| SpecError {
        path: path.to_path_buf(),
        // One line, whatever the parser said.
        problem: problem.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let root = lint::parse(&text).map_err(|e| fail(format!("not valid YAML: {e}")))?;
    let problems = lint::readable(&root);
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        return Err(fail(format!("{first}{more}")));
    }
    Ok(Spec { root })
}
