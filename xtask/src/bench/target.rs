//! Targets: what a case must show, judged from the results of every case once all ran.

use anyhow::{Context, Result};

use super::case::Case;
use super::metric::Metric;
use super::sample::Row;

/// One target of a case, as its entry in the table states it.
#[derive(Clone)]
pub struct Target {
    /// What it demands, after the case's short name: "throughput ≥ 0.9× curl's".
    pub what: String,
    pub check: Check,
}

impl Target {
    pub fn new(what: impl Into<String>, check: Check) -> Target {
        Target {
            what: what.into(),
            check,
        }
    }
}

/// How a target is judged. Medians unless it says otherwise.
#[derive(Clone, Copy)]
pub enum Check {
    /// `row`'s median within `bound`: `AtMost(32.0)` MiB.
    Median {
        row: RowRef,
        metric: Metric,
        bound: Bound,
    },
    /// `row`'s median within `bound` times `other`'s: `AtLeast(0.9)` is at least 0.9 times.
    Ratio {
        row: RowRef,
        other: RowRef,
        metric: Metric,
        bound: Bound,
    },
    /// `row`'s median within `bound` times the best median among `others`: the highest
    /// for `AtLeast`, the lowest for `AtMost`.
    RatioToBest {
        row: RowRef,
        others: &'static [RowRef],
        metric: Metric,
        bound: Bound,
    },
    /// `row`'s median differs from `other`'s by at most `tolerance` (a fraction) of it.
    Within {
        row: RowRef,
        other: RowRef,
        metric: Metric,
        tolerance: f64,
    },
    /// Every run of `row` within `bound`, not only the median.
    EveryRun {
        row: RowRef,
        metric: Metric,
        bound: Bound,
    },
}

/// A limit to compare with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
    Exactly(f64),
}

impl Bound {
    /// Whether `value` is within this bound scaled by `scale` (1 for a plain bound).
    fn holds(self, value: f64, scale: f64) -> bool {
        match self {
            Bound::AtLeast(limit) => value >= limit * scale,
            Bound::AtMost(limit) => value <= limit * scale,
            Bound::Exactly(limit) => value == limit * scale,
        }
    }
}

/// A row of the results: one contender of this case, or of another case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    /// `None`: the case the target belongs to.
    pub case: Option<&'static str>,
    pub contender: &'static str,
}

/// The row of `contender` in the target's own case.
pub const fn row(contender: &'static str) -> RowRef {
    RowRef {
        case: None,
        contender,
    }
}

/// The row of `contender` in the case called `case`.
pub const fn row_in(case: &'static str, contender: &'static str) -> RowRef {
    RowRef {
        case: Some(case),
        contender,
    }
}

impl Check {
    /// The rows it reads.
    pub fn rows(&self) -> Vec<RowRef> {
        match *self {
            Check::Median { row, .. } | Check::EveryRun { row, .. } => vec![row],
            Check::Ratio { row, other, .. } | Check::Within { row, other, .. } => {
                vec![row, other]
            }
            Check::RatioToBest { row, others, .. } => {
                std::iter::once(row).chain(others.iter().copied()).collect()
            }
        }
    }
}

/// A target as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub what: String,
    pub measured: String,
    pub met: bool,
}

/// Every case's targets, in order, judged from `rows`.
pub fn judge(cases: &[Case], rows: &[Row]) -> Result<Vec<Verdict>> {
    let mut verdicts = Vec::new();
    for case in cases {
        let find = |at: RowRef| {
            let of = at.case.unwrap_or(case.id);
            rows.iter()
                .find(|row| row.case_id == of && row.contender_id == at.contender)
                .with_context(|| format!("no results for {} in case {of}", at.contender))
        };
        for target in &case.targets {
            let (measured, met) = target.check.judge(find)?;
            verdicts.push(Verdict {
                what: format!("{}: {}", case.short(), target.what),
                measured,
                met,
            });
        }
    }
    Ok(verdicts)
}

impl Check {
    /// What was measured, as the report shows it, and whether it meets the target.
    fn judge<'r>(self, find: impl Fn(RowRef) -> Result<&'r Row>) -> Result<(String, bool)> {
        let median = |at, metric| -> Result<(&Row, f64)> {
            let row = find(at)?;
            Ok((row, row.spread(metric).median))
        };
        Ok(match self {
            Check::Median { row, metric, bound } => {
                let (row, value) = median(row, metric)?;
                (show(metric, row, value), bound.holds(value, 1.0))
            }
            Check::Ratio {
                row,
                other,
                metric,
                bound,
            } => {
                let ((row, a), (_, b)) = (median(row, metric)?, median(other, metric)?);
                let ratio = significant(a / b);
                (
                    format!("{} = {ratio}×", versus(metric, row, a, b)),
                    bound.holds(a, b),
                )
            }
            Check::RatioToBest {
                row,
                others,
                metric,
                bound,
            } => {
                let (row, a) = median(row, metric)?;
                let mut best: Option<(&Row, f64)> = None;
                for other in others {
                    let (other, value) = median(*other, metric)?;
                    let better = match (best, bound) {
                        (None, _) => true,
                        (Some((_, b)), Bound::AtMost(_)) => value < b,
                        (Some((_, b)), _) => value > b,
                    };
                    if better {
                        best = Some((other, value));
                    }
                }
                let (best_row, b) = best.context("a best-of target names no other row")?;
                let ratio = significant(a / b);
                (
                    format!(
                        "{} ({}) = {ratio}×",
                        versus(metric, row, a, b),
                        best_row.contender
                    ),
                    bound.holds(a, b),
                )
            }
            Check::Within {
                row,
                other,
                metric,
                tolerance,
            } => {
                let ((row, a), (_, b)) = (median(row, metric)?, median(other, metric)?);
                let growth = a / b - 1.0;
                let measured = format!("{} = {:+.1} %", versus(metric, row, a, b), growth * 100.0);
                (measured, growth.abs() <= tolerance)
            }
            Check::EveryRun { row, metric, bound } => {
                let spread = find(row)?.spread(metric);
                let shown = spread.show(metric.decimals);
                let d = metric.decimals;
                match bound {
                    Bound::Exactly(_) => (
                        format!("{shown} (every run)"),
                        bound.holds(spread.min, 1.0) && bound.holds(spread.max, 1.0),
                    ),
                    Bound::AtMost(_) => (
                        format!("{shown} (worst run {:.d$})", spread.max),
                        bound.holds(spread.max, 1.0),
                    ),
                    Bound::AtLeast(_) => (
                        format!("{shown} (worst run {:.d$})", spread.min),
                        bound.holds(spread.min, 1.0),
                    ),
                }
            }
        })
    }
}

/// "10.4 MiB"; "10" for a count.
fn show(metric: Metric, row: &Row, value: f64) -> String {
    let d = metric.decimals;
    match metric.unit(row) {
        "" => format!("{value:.d$}"),
        unit => format!("{value:.d$} {unit}"),
    }
}

/// "1179 vs 1175 MB/s".
fn versus(metric: Metric, row: &Row, a: f64, b: f64) -> String {
    let d = metric.decimals;
    format!("{a:.d$} vs {}", show(metric, row, b))
}

/// A ratio to three significant figures in its usual range: "1.15", "292.4".
fn significant(ratio: f64) -> String {
    if ratio.abs() >= 10.0 {
        format!("{ratio:.1}")
    } else {
        format!("{ratio:.2}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aymara_emulator::Stats;

    use super::*;
    use crate::bench::case::Rate;
    use crate::bench::contender::{AYMARA, CURL, Contender};
    use crate::bench::data::DataSpec;
    use crate::bench::measure::Usage;
    use crate::bench::metric::{CONNECTIONS, RSS, THROUGHPUT, WALL};
    use crate::bench::sample::Sample;

    fn sample(wall_ms: u64, rss_mib: u64, connections: u64) -> Sample {
        let mut after = Stats::default();
        after.connections_accepted = connections;
        Sample {
            usage: Usage {
                wall: Duration::from_millis(wall_ms),
                cpu: Duration::ZERO,
                max_rss: rss_mib << 20,
            },
            before: Stats::default(),
            after,
        }
    }

    /// A one-file case of 8 MiB with two contenders whose runs gave these samples.
    fn results(ours: &[Sample], curl: &[Sample], targets: Vec<Target>) -> Vec<Verdict> {
        let case = Case {
            id: "one",
            data: DataSpec::one(8 << 20),
            rate: Rate::Bytes,
            contenders: vec![Contender::aymara(), Contender::curl()],
            targets,
            ..Case::default()
        };
        let mut rows: Vec<Row> = case.contenders.iter().map(|c| Row::new(&case, c)).collect();
        rows[0].samples = ours.to_vec();
        rows[1].samples = curl.to_vec();
        judge(&[case], &rows).unwrap()
    }

    #[test]
    fn ratio_compares_medians_and_says_by_how_much() {
        let check = Check::Ratio {
            row: row(AYMARA),
            other: row(CURL),
            metric: THROUGHPUT,
            bound: Bound::AtLeast(0.9),
        };
        let fast = [sample(1, 8, 1), sample(1, 8, 1), sample(9, 8, 1)];
        let slow = [sample(2, 8, 1)];
        let verdicts = results(
            &fast,
            &slow,
            vec![Target::new("throughput ≥ 0.9× curl's", check)],
        );
        assert_eq!(
            verdicts,
            [Verdict {
                what: "8 MiB: throughput ≥ 0.9× curl's".to_owned(),
                measured: "8389 vs 4194 MB/s = 2.00×".to_owned(),
                met: true,
            }]
        );
        let verdicts = results(&slow, &fast, vec![Target::new("x", check)]);
        assert!(!verdicts[0].met);
    }

    #[test]
    fn ratio_to_best_picks_the_best_other_row_and_names_it() {
        const OTHERS: &[RowRef] = &[row(AYMARA), row(CURL)];
        let check = Check::RatioToBest {
            row: row(AYMARA),
            others: OTHERS,
            metric: THROUGHPUT,
            bound: Bound::AtLeast(0.8),
        };
        let verdicts = results(
            &[sample(10, 8, 1)],
            &[sample(9, 8, 1)],
            vec![Target::new("≥ 0.8× the best", check)],
        );
        assert_eq!(
            verdicts[0].measured,
            "839 vs 932 MB/s (curl -T, presigned) = 0.90×"
        );
        assert!(verdicts[0].met);
        // The lowest wall time is the best for an upper bound.
        let fastest = Check::RatioToBest {
            row: row(AYMARA),
            others: OTHERS,
            metric: WALL,
            bound: Bound::AtMost(1.5),
        };
        let verdicts = results(
            &[sample(20, 8, 1)],
            &[sample(9, 8, 1)],
            vec![Target::new("x", check), Target::new("y", fastest)],
        );
        assert!(!verdicts[0].met);
        assert_eq!(
            verdicts[1].measured,
            "0.020 vs 0.009 s (curl -T, presigned) = 2.22×"
        );
        assert!(!verdicts[1].met);
    }

    #[test]
    fn every_run_reports_the_worst_run_and_median_bounds_show_units() {
        let targets = vec![
            Target::new(
                "connections",
                Check::EveryRun {
                    row: row(AYMARA),
                    metric: CONNECTIONS,
                    bound: Bound::AtMost(2.0),
                },
            ),
            Target::new(
                "rss",
                Check::Median {
                    row: row(CURL),
                    metric: RSS,
                    bound: Bound::AtMost(32.0),
                },
            ),
        ];
        let ours = [sample(1, 8, 1), sample(1, 8, 1), sample(1, 8, 3)];
        let verdicts = results(&ours, &[sample(1, 33, 1)], targets);
        assert_eq!(verdicts[0].measured, "1 (1–3) (worst run 3)");
        assert!(!verdicts[0].met);
        assert_eq!(verdicts[1].measured, "33.0 MiB");
        assert!(!verdicts[1].met);
    }
}
