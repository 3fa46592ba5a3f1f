//! The results as Markdown: one row per contender per case, its footnotes, then the targets.

use std::fmt::Write as _;

use super::metric::COLUMNS;
use super::sample::Row;
use super::target::Verdict;

/// The results table, its notes and the targets. At `--quick` sizes targets are shown but
/// not judged.
pub fn markdown(rows: &[Row], verdicts: &[Verdict], quick: bool) -> String {
    let mut out = String::from("| case | contender | runs |");
    let mut rule = String::from("|---|---|---:|");
    for metric in COLUMNS {
        let _ = write!(out, " {} |", metric.header);
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "\n{rule}");
    let mut notes = Vec::new();
    for row in rows {
        let mut contender = row.contender.clone();
        if let Some(note) = &row.note {
            notes.push(note);
            let _ = write!(contender, " [{}]", notes.len());
        }
        let _ = write!(
            out,
            "| {} | {contender} | {} |",
            row.case,
            row.samples.len()
        );
        for metric in COLUMNS {
            let _ = write!(out, " {} |", metric.cell(row));
        }
        out.push('\n');
    }
    out.push_str("\nEach cell: median (min–max) over the runs.\n");
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(out, "[{}] {note}.", i + 1);
    }
    out.push('\n');
    if quick {
        out.push_str("Targets (not judged at `--quick` sizes):\n\n");
    } else {
        out.push_str("Targets (computed from the medians above):\n\n");
    }
    out.push_str("| target | measured | met |\n|---|---|---|\n");
    for verdict in verdicts {
        let met = match (quick, verdict.met) {
            (true, _) => "(quick)",
            (false, true) => "yes",
            (false, false) => "**NO**",
        };
        let _ = writeln!(out, "| {} | {} | {met} |", verdict.what, verdict.measured);
    }
    out
}
