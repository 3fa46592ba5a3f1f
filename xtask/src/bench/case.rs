//! What a bench case is, and the check that the table of cases hangs together.

use std::collections::HashSet;

use anyhow::{Result, bail, ensure};
use aymara_emulator::EmulatorConfig;

use super::contender::Contender;
use super::data::DataSpec;
use super::target::Target;

/// One case of the bench: one entry of [`cases::all`](super::cases::all).
///
/// Fields left out with `..Case::default()` take the defaults: 5 runs, the emulator of
/// [`default_emulator`], no preparatory run, no variant.
#[derive(Clone)]
pub struct Case {
    /// Short and unique: names the case in targets of other cases, in log directories and
    /// as the data files' prefix.
    pub id: &'static str,
    /// What every run uploads.
    pub data: DataSpec,
    /// Added to the data set's description in the table, to tell apart cases that upload
    /// the same data differently: "re-run", "50 ms API latency".
    pub variant: Option<String>,
    /// What each run's fresh emulator is started with.
    pub emulator: EmulatorConfig,
    /// Where the bytes go.
    pub store: Store,
    /// Run alternately, run by run, in this order; one row each in the table.
    pub contenders: Vec<Contender>,
    /// Runs per contender (unless `--runs` or `--quick` say otherwise, or the contender's
    /// own `max_runs` is lower).
    pub runs: usize,
    /// Run unmeasured before every measured run, on the same emulator and in the same
    /// working directory: for cases that measure what a second run does. The store is
    /// checked after both.
    pub prepare: Option<Contender>,
    /// What the throughput column counts.
    pub rate: Rate,
    /// Judged from the results once every case has run.
    pub targets: Vec<Target>,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            id: "",
            data: DataSpec::one(0),
            variant: None,
            emulator: default_emulator(),
            store: Store::Emulator,
            contenders: Vec::new(),
            runs: 5,
            prepare: None,
            rate: Rate::Files,
            targets: Vec::new(),
        }
    }
}

/// The emulator a case gets unless it says otherwise: defaults, except that the store
/// checks, counts and hashes bodies but writes nothing, so the disk does not set the pace.
pub fn default_emulator() -> EmulatorConfig {
    EmulatorConfig {
        discard_bodies: true,
        ..EmulatorConfig::default()
    }
}

impl Case {
    /// For the results table: "one 1 GiB file", "1,000 files of 16 KiB, re-run".
    pub fn title(&self) -> String {
        self.with_variant(self.data.title())
    }

    /// For the targets: "1 GiB", "1,000 × 16 KiB, re-run".
    pub fn short(&self) -> String {
        self.with_variant(self.data.short())
    }

    fn with_variant(&self, text: String) -> String {
        match &self.variant {
            Some(variant) => format!("{text}, {variant}"),
            None => text,
        }
    }
}

/// The store a case's runs send their bytes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// The emulator's own.
    Emulator,
    /// A fresh weak store per run (see `weak_store.rs`), fronted by the emulator's API.
    Weak,
}

/// What a case's throughput counts per second of wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// Megabytes (10^6 bytes) per second.
    Bytes,
    /// Files per second.
    Files,
}

impl Rate {
    pub fn unit(self) -> &'static str {
        match self {
            Rate::Bytes => "MB/s",
            Rate::Files => "files/s",
        }
    }
}

/// Checks the table before anything runs, so that a typo fails at once rather than after
/// an hour of measuring.
pub fn validate(cases: &[Case]) -> Result<()> {
    let mut ids = HashSet::new();
    for case in cases {
        ensure!(!case.id.is_empty(), "a bench case has no id");
        ensure!(
            ids.insert(case.id),
            "two bench cases are called {:?}",
            case.id
        );
        ensure!(
            case.data.count > 0,
            "bench case {:?} uploads no file",
            case.id
        );
        ensure!(case.runs > 0, "bench case {:?} runs nothing", case.id);
        ensure!(
            !case.contenders.is_empty(),
            "bench case {:?} has no contender",
            case.id
        );
        let mut contenders = HashSet::new();
        for contender in &case.contenders {
            ensure!(
                contenders.insert(contender.id),
                "bench case {:?} has two contenders called {:?}",
                case.id,
                contender.id
            );
            ensure!(
                contender.max_runs != Some(0),
                "bench case {:?}: contender {:?} runs nothing",
                case.id,
                contender.id
            );
        }
    }
    for case in cases {
        for target in &case.targets {
            for row in target.check.rows() {
                let of = row.case.unwrap_or(case.id);
                let Some(other) = cases.iter().find(|c| c.id == of) else {
                    bail!(
                        "bench case {:?}: target {:?} names no case {of:?}",
                        case.id,
                        target.what
                    );
                };
                ensure!(
                    other.contenders.iter().any(|c| c.id == row.contender),
                    "bench case {:?}: target {:?} names no contender {:?} in case {of:?}",
                    case.id,
                    target.what,
                    row.contender
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::contender::{AYMARA, CURL};
    use crate::bench::metric::RSS;
    use crate::bench::target::{Bound, Check, row_in};
    use crate::bench::{Options, cases};

    #[test]
    fn the_case_table_is_consistent_at_both_scales() {
        for quick in [false, true] {
            validate(&cases::all(Options {
                quick,
                runs: None,
                case: None,
            }))
            .unwrap();
        }
    }

    #[test]
    fn a_target_naming_a_missing_row_is_refused() {
        let case = |id, targets| Case {
            id,
            data: DataSpec::one(1),
            contenders: vec![Contender::aymara()],
            targets,
            ..Case::default()
        };
        let rss = |row| {
            Target::new(
                "rss",
                Check::Median {
                    row,
                    metric: RSS,
                    bound: Bound::AtMost(1.0),
                },
            )
        };
        let ok = [case("a", vec![rss(row_in("b", AYMARA))]), case("b", vec![])];
        validate(&ok).unwrap();

        let no_contender = [case("a", vec![rss(row_in("b", CURL))]), case("b", vec![])];
        let error = validate(&no_contender).unwrap_err().to_string();
        assert_eq!(
            error,
            "bench case \"a\": target \"rss\" names no contender \"curl\" in case \"b\""
        );
        let no_case = [case("a", vec![rss(row_in("c", AYMARA))]), case("b", vec![])];
        assert!(validate(&no_case).is_err());
        let twice = [case("a", vec![]), case("a", vec![])];
        assert!(validate(&twice).is_err());
    }
}
