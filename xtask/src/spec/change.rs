//! One classified change, and where it is.

use serde_json::{Value, json};

use super::rules::Kind;

/// Where a change is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The operations it affects, as `METHOD /path`; empty for a change no operation
    /// reaches (a component schema's name, a security scheme).
    pub operations: Vec<String>,
    /// JSON pointer of the changed node: into the new spec, or into the old one for what
    /// was removed.
    pub pointer: String,
}

/// One change between two specs that matters to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change it is.
    pub kind: Kind,
    /// Where it is.
    pub location: Location,
    /// Whether it breaks clients of the generated SDK.
    pub breaking: bool,
    /// One sentence for a human.
    pub message: String,
}

impl Change {
    /// The change as `spec diff --json` prints it.
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind.name(),
            "location": {
                "operations": self.location.operations,
                "pointer": self.location.pointer,
            },
            "breaking": self.breaking,
            "message": self.message,
        })
    }
}

/// Whether any of `changes` breaks clients.
pub fn any_breaking(changes: &[Change]) -> bool {
    changes.iter().any(|change| change.breaking)
}
