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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aymara_emulator::Stats;

    use super::*;
    use crate::bench::case::{Case, Rate};
    use crate::bench::contender::Contender;
    use crate::bench::data::DataSpec;
    use crate::bench::measure::Usage;
    use crate::bench::sample::Sample;

    fn sample(wall_ms: u64) -> Sample {
        let mut after = Stats::default();
        after.presign_requests = 1;
        after.connections_accepted = 8;
        Sample {
            usage: Usage {
                wall: Duration::from_millis(wall_ms),
                cpu: Duration::from_millis(wall_ms / 2),
                max_rss: 10 << 20,
            },
            before: Stats::default(),
            after,
        }
    }

    #[test]
    fn rows_notes_and_verdicts_in_the_benchmarks_md_format() {
        let case = Case {
            id: "small",
            data: DataSpec::files(20, 16 << 10),
            rate: Rate::Files,
            contenders: vec![Contender::aymara(), Contender::curl()],
            ..Case::default()
        };
        let rows: Vec<Row> = case
            .contenders
            .iter()
            .map(|contender| Row {
                samples: vec![sample(100), sample(200), sample(400)],
                ..Row::new(&case, contender)
            })
            .collect();
        let verdicts = [Verdict {
            what: "20 × 16 KiB: wall ≤ 1.5× curl's".to_owned(),
            measured: "0.200 vs 0.200 s = 1.00×".to_owned(),
            met: false,
        }];
        let expected = "\
| case | contender | runs | throughput | wall s | user+sys CPU s | peak RSS MiB | presign requests | TCP connections |
|---|---|---:|---:|---:|---:|---:|---:|---:|
| 20 files of 16 KiB | aymara files upload | 3 | 100 (50–200) files/s | 0.200 (0.100–0.400) | 0.10 (0.05–0.20) | 10.0 | 1 | 8 |
| 20 files of 16 KiB | curl --parallel (max 8), presigned [1] | 3 | 100 (50–200) files/s | 0.200 (0.100–0.400) | 0.10 (0.05–0.20) | 10.0 | 1 | 8 |

Each cell: median (min–max) over the runs.
[1] presigned beforehand with `aymara files create --json`, 1 requests, untimed.

Targets (computed from the medians above):

| target | measured | met |
|---|---|---|
| 20 × 16 KiB: wall ≤ 1.5× curl's | 0.200 vs 0.200 s = 1.00× | **NO** |
";
        assert_eq!(markdown(&rows, &verdicts, false), expected);
        assert!(markdown(&rows, &verdicts, true).ends_with("= 1.00× | (quick) |\n"));
    }
}
