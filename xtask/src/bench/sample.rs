//! What the runs of one contender in one case gave: a sample per run, and the spread of
//! any metric over them.

use aymara_emulator::Stats;

use super::case::{Case, Rate};
use super::contender::Contender;
use super::data::DataSpec;
use super::measure::Usage;
use super::metric::Metric;

/// One measured run of one contender.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// What the child cost.
    pub usage: Usage,
    /// The emulator's counters just before the child started, and after it exited.
    pub before: Stats,
    pub after: Stats,
}

impl Sample {
    /// How much one of the emulator's counters grew during the run.
    pub fn counter(&self, counter: impl Fn(&Stats) -> u64) -> u64 {
        counter(&self.after).saturating_sub(counter(&self.before))
    }
}

/// One contender in one case, over its runs: a row of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    pub case_id: &'static str,
    pub contender_id: &'static str,
    /// The case, as the table names it.
    pub case: String,
    /// The contender, as the table names it.
    pub contender: String,
    pub note: Option<String>,
    pub rate: Rate,
    pub data: DataSpec,
    pub samples: Vec<Sample>,
}

impl Row {
    pub fn new(case: &Case, contender: &Contender) -> Row {
        Row {
            case_id: case.id,
            contender_id: contender.id,
            case: case.title(),
            contender: contender.label(case.data),
            note: contender.note(case.data),
            rate: case.rate,
            data: case.data,
            samples: Vec::new(),
        }
    }

    /// `metric` over every run.
    pub fn spread(&self, metric: Metric) -> Spread {
        Spread::of(
            self.samples
                .iter()
                .map(|sample| (metric.value)(self, sample))
                .collect(),
        )
    }

    /// What `sample` moved per second, in the unit of this row's [`Rate`].
    pub fn throughput(&self, sample: &Sample) -> f64 {
        let wall = sample.usage.wall.as_secs_f64();
        match self.rate {
            Rate::Bytes => self.data.total_bytes() as f64 / 1e6 / wall,
            Rate::Files => self.data.count as f64 / wall,
        }
    }
}

/// Median, min and max of a metric over the runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    runs: usize,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => values[n / 2],
            _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        };
        Spread {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
            runs: n,
        }
    }

    /// "1.5 (1.2–1.9)", or just "1.5" when every run gave the same.
    pub fn show(&self, decimals: usize) -> String {
        if self.runs <= 1 || self.min == self.max {
            format!("{:.decimals$}", self.median)
        } else {
            format!(
                "{:.decimals$} ({:.decimals$}–{:.decimals$})",
                self.median, self.min, self.max
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn median_of_odd_and_even_counts_and_how_it_shows() {
        let odd = Spread::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((odd.median, odd.min, odd.max), (2.0, 1.0, 3.0));
        assert_eq!(odd.show(1), "2.0 (1.0–3.0)");
        assert_eq!(Spread::of(vec![4.0, 1.0, 2.0, 3.0]).median, 2.5);
        assert_eq!(Spread::of(vec![5.0, 5.0]).show(0), "5");
    }
}
