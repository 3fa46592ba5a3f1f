//! The two ways `spec diff` prints its changes: a table for people, JSON for programs.

use std::fmt::Write as _;

use aymara_text::escape;
use serde_json::{Value, json};

use super::change::Change;

/// The changes as a table with a summary line. Text from the specs is escaped: a name with
/// control characters cannot drive the terminal.
pub fn table(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no client-relevant changes\n".into();
    }
    let header = ["BREAKING", "KIND", "OPERATION", "POINTER", "MESSAGE"];
    let rows: Vec<[String; 5]> = changes
        .iter()
        .map(|change| {
            let operations = &change.location.operations;
            let operation = match operations.len() {
                0 => "-".to_string(),
                1 => operations[0].clone(),
                n => format!("{} (+{} more)", operations[0], n - 1),
            };
            [
                if change.breaking { "yes" } else { "no" }.to_string(),
                change.kind.name().to_string(),
                escape(&operation).into_owned(),
                escape(&change.location.pointer).into_owned(),
                escape(&change.message).into_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let _ = writeln!(out, "{} change(s), {breaking} breaking", changes.len());
    out
}

/// The changes as `{"changes": [{"kind", "location", "breaking", "message"}]}`.
pub fn json(changes: &[Change]) -> Value {
    json!({ "changes": changes.iter().map(Change::to_json).collect::<Vec<_>>() })
}
