//! Runs one case: generates its data, runs its contenders alternately (A B A B …), each
//! run on a fresh emulator so its counters are that run's alone and in a directory of its
//! own, checks what the store holds after each, and removes the data.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use aymara_emulator::Emulator;

use super::Options;
use super::case::{Case, Store};
use super::contender::{Contender, Invocation, Programs};
use super::data::DataSet;
use super::measure;
use super::sample::{Row, Sample};
use super::verify::verify;
use super::weak_store::WeakStore;
use crate::tools::Tools;

/// Everything a run needs.
pub struct Bench {
    /// Where the emulators run: 2 workers, like the machine the bench was written on.
    runtime: tokio::runtime::Runtime,
    programs: Programs,
    /// The weak store's script.
    weak_store: PathBuf,
    /// The bench's temporary directory: data sets and run directories.
    work: PathBuf,
}

impl Bench {
    pub fn new(root: &Path, tools: &Tools, work: &Path) -> Result<Bench> {
        Ok(Bench {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the emulator's runtime")?,
            programs: Programs {
                cli: root.join("target/release/aymara"),
                python: tools.python.clone(),
                script: root.join("tools/bench/python_upload.py"),
            },
            weak_store: root.join("tools/bench/weak_store.py"),
            work: work.to_path_buf(),
        })
    }

    /// Every run of `case`: one row per contender.
    pub fn run_case(&self, case: &Case, options: Options) -> Result<Vec<Row>> {
        let title = case.title();
        let dir = self.work.join("data").join(case.id);
        eprintln!("==> bench: {title}: generating data in {}", dir.display());
        let data = DataSet::generate(&dir, case.id, case.data)?;
        let mut rows: Vec<Row> = case.contenders.iter().map(|c| Row::new(case, c)).collect();
        let runs = case
            .contenders
            .iter()
            .map(|c| options.runs(case, c))
            .max()
            .unwrap_or(0);
        for run in 0..runs {
            eprintln!("==> bench: {title}, run {}/{runs}", run + 1);
            for (contender, row) in case.contenders.iter().zip(&mut rows) {
                if run < options.runs(case, contender) {
                    row.samples.push(self.once(case, contender, &data, run)?);
                }
            }
        }
        data.remove()?;
        Ok(rows)
    }

    /// One run of `contender`, with the case's preparatory run first if it has one.
    fn once(
        &self,
        case: &Case,
        contender: &Contender,
        data: &DataSet,
        run: usize,
    ) -> Result<Sample> {
        let who = format!("{} ({})", contender.id, case.id);
        let dir = self
            .work
            .join("runs")
            .join(format!("{}-{}-{run}", case.id, contender.id));
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let weak = match case.store {
            Store::Emulator => None,
            Store::Weak => Some(WeakStore::start(
                &self.programs.python,
                &self.weak_store,
                &dir,
            )?),
        };
        let mut config = case.emulator.clone();
        config.external_store = weak.as_ref().map(WeakStore::external);
        let emulator = self
            .runtime
            .block_on(Emulator::start(config))
            .context("cannot start the emulator")?;
        let at = Invocation {
            programs: &self.programs,
            base_url: emulator.base_url(),
            data,
            dir: &dir,
        };
        let result = measure(case, contender, &at, &emulator).and_then(|sample| {
            let objects = match &weak {
                Some(weak) => self.runtime.block_on(weak.objects())?,
                None => emulator.objects(),
            };
            verify(&objects, data).with_context(|| format!("{who} uploaded wrong bytes"))?;
            Ok(sample)
        });
        self.runtime.block_on(emulator.shutdown());
        result.with_context(|| format!("bench contender {who}"))
    }
}

/// The preparatory run, unmeasured, then the measured one, with the emulator's counters
/// around the latter only.
fn measure(
    case: &Case,
    contender: &Contender,
    at: &Invocation,
    emulator: &Emulator,
) -> Result<Sample> {
    if let Some(prepare) = &case.prepare {
        let mut command = prepare.command(at)?;
        measure::run(&mut command, at.dir, "prepare").context("the preparatory run")?;
    }
    let mut command = contender.command(at)?;
    let before = emulator.stats();
    let usage = measure::run(&mut command, at.dir, "run")?;
    Ok(Sample {
        usage,
        before,
        after: emulator.stats(),
    })
}
