//! `cargo xtask bench`: the release CLI against `curl` and the official Python SDK, on the
//! in-process emulator, over loopback.
//!
//! Each case runs several times, alternating the contenders (A B A B …), each run on a fresh
//! emulator so its counters (presign requests, TCP connections) are that run's alone. Every
//! run is checked: the child must exit 0 and the store must hold exactly the generated files,
//! with their sizes and SHA-256. The emulator discards bodies after hashing them
//! ([`EmulatorConfig::discard_bodies`]), so the store's disk writes do not set the pace.
//!
//! `--quick` runs every case at tiny sizes, once, as part of `cargo xtask ci`: it checks that
//! the bench and every contender still work, judges no target and writes nothing.

mod data;
mod measure;
mod report;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use aymara_emulator::{Emulator, EmulatorConfig, Stats};

use data::DataSet;
use report::{Key, Rate, Row, Sample};

/// The CLI's default concurrency (`aymara files upload --concurrency`), which the bench
/// leaves as is; `curl --parallel` is given the same limit.
const CONCURRENCY: usize = 8;
/// Files per `POST /v2/files`, the API's limit, used to presign the `curl` contender's URLs.
const BATCH: usize = 100;
/// The key the children send; the emulator accepts any.
const API_KEY: &str = "bench-key";

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Tiny sizes, one run each, no file written, no target judged.
    pub quick: bool,
    /// Runs per contender instead of the defaults.
    pub runs: Option<usize>,
}

/// Sizes and run counts.
#[derive(Debug, Clone, Copy)]
struct Plan {
    big: u64,
    mid: u64,
    small: (usize, u64),
    tiny: (usize, u64),
    runs: usize,
    python_runs: usize,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

impl Plan {
    fn new(options: Options) -> Plan {
        let plan = if options.quick {
            Plan {
                big: MIB,
                mid: 256 * KIB,
                small: (20, 16 * KIB),
                tiny: (200, KIB),
                runs: 1,
                python_runs: 1,
            }
        } else {
            Plan {
                big: GIB,
                mid: 64 * MIB,
                small: (1_000, 16 * KIB),
                tiny: (10_000, KIB),
                runs: 5,
                python_runs: 3,
            }
        };
        match options.runs {
            Some(runs) => Plan {
                runs: runs.max(1),
                python_runs: plan.python_runs.min(runs.max(1)),
                ..plan
            },
            None => plan,
        }
    }
}

/// Everything a run needs.
struct Bench {
    runtime: tokio::runtime::Runtime,
    cli: PathBuf,
    python: PathBuf,
    script: PathBuf,
    /// Children's stdout and stderr, and curl's config files.
    logs: PathBuf,
}

/// Runs the bench; prints the table; without `--quick`, rewrites BENCHMARKS.md.
///
/// # Errors
/// When a contender fails, uploads the wrong bytes, or the bench cannot run at all.
pub fn run(options: Options) -> Result<()> {
    let root = crate::workspace_root();
    let plan = Plan::new(options);

    // The emulator runs in this process, so a full bench needs this process optimized too:
    // a debug build's store hashes at a few tens of MB/s and would set the pace for every
    // contender. `--quick` only checks that things work, so the debug build does.
    let reexec = !options.quick && cfg!(debug_assertions);
    let mut packages = vec!["-p", "aymara-cli"];
    if reexec {
        packages.extend(["-p", "xtask"]);
    }
    eprintln!("==> bench: building the release CLI");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release"])
        .args(&packages)
        .current_dir(&root)
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release {} failed", packages.join(" "));
    }
    if reexec {
        eprintln!("==> bench: running the release build of xtask");
        let mut command = Command::new(root.join("target/release/xtask"));
        command.arg("bench");
        if let Some(runs) = options.runs {
            command.arg("--runs").arg(runs.to_string());
        }
        let status = command
            .current_dir(&root)
            .status()
            .context("cannot run target/release/xtask")?;
        if !status.success() {
            bail!("the release build of `xtask bench` failed");
        }
        return Ok(());
    }
    let tools = crate::tools::ensure()?;

    // On the disk the workspace is on, as the brief of the bench asks; removed on drop.
    let work = tempfile::Builder::new()
        .prefix("aymara-bench-")
        .tempdir_in(root.join("target"))
        .or_else(|_| tempfile::Builder::new().prefix("aymara-bench-").tempdir())
        .context("cannot create the bench's temporary directory")?;
    let logs = work.path().join("logs");
    std::fs::create_dir_all(&logs)?;
    let bench = Bench {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the emulator's runtime")?,
        cli: root.join("target/release/aymara"),
        python: tools.python.clone(),
        script: root.join("tools/bench/python_upload.py"),
        logs,
    };

    eprintln!("==> bench: generating data in {}", work.path().display());
    let big = data::generate(&work.path().join("big"), "big", 1, plan.big)?;
    let mid = data::generate(&work.path().join("mid"), "mid", 1, plan.mid)?;
    let small = data::generate(
        &work.path().join("small"),
        "small",
        plan.small.0,
        plan.small.1,
    )?;
    let tiny = data::generate(&work.path().join("tiny"), "tiny", plan.tiny.0, plan.tiny.1)?;

    let mut rows = Vec::new();
    rows.extend(bench.one_big_file(&big, plan)?);
    rows.push(bench.file_size_memory(&mid, plan)?);
    rows.extend(bench.many_small_files(&small, plan)?);
    rows.push(bench.very_many_tiny_files(&tiny, plan)?);
    drop(bench);
    work.close()
        .context("cannot remove the bench's temporary directory")?;

    let sizes = report::Sizes {
        big: plan.big,
        mid: plan.mid,
        small: plan.small,
        tiny: plan.tiny,
    };
    let targets = report::targets(&rows, sizes, CONCURRENCY);
    let command = match options.runs {
        _ if options.quick => "cargo xtask bench --quick".to_owned(),
        Some(runs) => format!("cargo xtask bench --runs {runs}"),
        None => "cargo xtask bench".to_owned(),
    };
    let table = report::markdown(&rows, &targets, options.quick);
    println!("{table}");
    if options.quick {
        eprintln!("==> bench --quick: every contender ran and uploaded the right bytes");
        return Ok(());
    }
    let machine = report::Machine::probe(&tools.python);
    let path = root.join("BENCHMARKS.md");
    report::write_benchmarks_md(&path, &command, &machine, &table)?;
    eprintln!("==> bench: wrote {}", path.display());
    Ok(())
}

/// Counters of one run: the difference of two snapshots.
fn delta(before: Stats, after: Stats) -> (u64, u64) {
    (
        after.presign_requests - before.presign_requests,
        after.connections_accepted - before.connections_accepted,
    )
}

impl Bench {
    /// Starts a fresh emulator, runs `f`, checks what the store holds against `expected`,
    /// and shuts the emulator down.
    fn on_emulator<T>(
        &self,
        expected: &DataSet,
        who: &str,
        f: impl FnOnce(&Emulator) -> Result<T>,
    ) -> Result<T> {
        let emulator = self
            .runtime
            .block_on(Emulator::start(EmulatorConfig {
                discard_bodies: true,
                ..EmulatorConfig::default()
            }))
            .context("cannot start the emulator")?;
        let result = f(&emulator).and_then(|value| {
            verify(&emulator, expected).with_context(|| format!("{who} uploaded wrong bytes"))?;
            Ok(value)
        });
        self.runtime.block_on(emulator.shutdown());
        result.with_context(|| format!("bench contender {who}"))
    }

    fn env(command: &mut Command) -> &mut Command {
        command
            .env("AYMARA_AI_API_KEY", API_KEY)
            .env_remove("AYMARA_AI_BASE_URL")
            .env_remove("RUST_LOG")
    }

    /// `aymara files upload --quiet <args>` with the CLI's defaults otherwise.
    fn aymara(&self, emulator: &Emulator, args: &[OsString], label: &str) -> Result<Sample> {
        let before = emulator.stats();
        let mut command = Command::new(&self.cli);
        command
            .args([
                "files",
                "upload",
                "--quiet",
                "--base-url",
                emulator.base_url(),
            ])
            .args(args);
        let usage = measure::run(Self::env(&mut command), &self.logs, label)?;
        let (presigns, connections) = delta(before, emulator.stats());
        Ok(Sample::new(usage, presigns, connections))
    }

    /// Presigns `paths` with `aymara files create --json`, `BATCH` at a time (untimed), then
    /// PUTs them with one `curl` (with `--parallel` for more than one file).
    fn curl(&self, emulator: &Emulator, paths: &[PathBuf], label: &str) -> Result<Sample> {
        let mut config = String::from(
            "silent\nshow-error\nfail\nheader = \"Content-Type: application/octet-stream\"\n",
        );
        if paths.len() > 1 {
            let _ = writeln!(config, "parallel\nparallel-max = {CONCURRENCY}");
        }
        for batch in paths.chunks(BATCH) {
            for (path, url) in self.presign(emulator, batch)? {
                let _ = writeln!(
                    config,
                    "upload-file = \"{}\"\nurl = \"{}\"\noutput = \"/dev/null\"",
                    quote(&path.to_string_lossy()),
                    quote(&url)
                );
            }
        }
        let config_path = self.logs.join(format!("{label}.curlrc"));
        std::fs::write(&config_path, config)?;

        let before = emulator.stats();
        let mut command = Command::new("curl");
        command.arg("--config").arg(&config_path);
        let usage = measure::run(&mut command, &self.logs, label)?;
        let (presigns, connections) = delta(before, emulator.stats());
        Ok(Sample::new(usage, presigns, connections))
    }

    /// `aymara files create --json` for one batch: each path with its presigned URL.
    fn presign(&self, emulator: &Emulator, batch: &[PathBuf]) -> Result<Vec<(PathBuf, String)>> {
        let mut command = Command::new(&self.cli);
        command
            .args([
                "files",
                "create",
                "--json",
                "--base-url",
                emulator.base_url(),
            ])
            .args(batch);
        let output = Self::env(&mut command)
            .output()
            .context("cannot run aymara files create")?;
        if !output.status.success() {
            bail!(
                "aymara files create failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
            .context("aymara files create --json printed something that is not JSON")?;
        let files = answer["files"]
            .as_array()
            .context("aymara files create --json: no `files` array")?;
        if files.len() != batch.len() {
            bail!(
                "aymara files create: {} URLs for {} files",
                files.len(),
                batch.len()
            );
        }
        batch
            .iter()
            .zip(files)
            .map(|(path, file)| {
                let url = file["file_url"]
                    .as_str()
                    .context("aymara files create --json: a file without `file_url`")?;
                Ok((path.clone(), url.to_owned()))
            })
            .collect()
    }

    /// The official Python SDK's `lib.uploads.upload_file` in a loop, in one process.
    fn python(&self, emulator: &Emulator, set: &DataSet, label: &str) -> Result<Sample> {
        let list = self.logs.join(format!("{label}.list"));
        let mut text = String::new();
        for path in set.paths() {
            let _ = writeln!(text, "{}", path.display());
        }
        std::fs::write(&list, text)?;
        let before = emulator.stats();
        let mut command = Command::new(&self.python);
        Self::env(&mut command)
            .arg(&self.script)
            .arg(&list)
            .env("AYMARA_AI_BASE_URL", emulator.base_url());
        let usage = measure::run(&mut command, &self.logs, label)?;
        let (presigns, connections) = delta(before, emulator.stats());
        Ok(Sample::new(usage, presigns, connections))
    }

    fn one_big_file(&self, big: &DataSet, plan: Plan) -> Result<[Row; 2]> {
        let case = format!("one {} file", report::size(plan.big));
        let paths = big.paths();
        let args: Vec<OsString> = paths.iter().map(|p| p.clone().into_os_string()).collect();
        let mut ours = Row::new(
            Key::BigOurs,
            &case,
            "aymara files upload",
            Rate::Bytes(big.total_bytes()),
        );
        let mut curl = Row::new(
            Key::BigCurl,
            &case,
            "curl -T, presigned",
            Rate::Bytes(big.total_bytes()),
        );
        for run in 0..plan.runs {
            eprintln!("==> bench: {case}, run {}/{}", run + 1, plan.runs);
            ours.samples
                .push(self.on_emulator(big, "aymara (big)", |e| {
                    self.aymara(e, &args, &format!("big-aymara-{run}"))
                })?);
            curl.samples.push(self.on_emulator(big, "curl (big)", |e| {
                self.curl(e, &paths, &format!("big-curl-{run}"))
            })?);
        }
        Ok([ours, curl])
    }

    fn file_size_memory(&self, mid: &DataSet, plan: Plan) -> Result<Row> {
        let case = format!("one {} file", report::size(plan.mid));
        let args: Vec<OsString> = mid
            .paths()
            .into_iter()
            .map(PathBuf::into_os_string)
            .collect();
        let mut ours = Row::new(
            Key::MidOurs,
            &case,
            "aymara files upload",
            Rate::Bytes(mid.total_bytes()),
        );
        for run in 0..plan.runs {
            eprintln!("==> bench: {case}, run {}/{}", run + 1, plan.runs);
            ours.samples
                .push(self.on_emulator(mid, "aymara (mid)", |e| {
                    self.aymara(e, &args, &format!("mid-aymara-{run}"))
                })?);
        }
        Ok(ours)
    }

    fn many_small_files(&self, small: &DataSet, plan: Plan) -> Result<[Row; 3]> {
        let (count, size) = plan.small;
        let case = format!("{} files of {}", report::count(count), report::size(size));
        let paths = small.paths();
        let args = recursive(&small.dir);
        let mut ours = Row::new(
            Key::SmallOurs,
            &case,
            "aymara files upload",
            Rate::Files(count),
        );
        let mut python = Row::new(
            Key::SmallPython,
            &case,
            "official Python SDK, upload_file loop",
            Rate::Files(count),
        );
        let mut curl = Row::new(
            Key::SmallCurl,
            &case,
            &format!("curl --parallel (max {CONCURRENCY}), presigned"),
            Rate::Files(count),
        );
        curl.note = Some(format!(
            "presigned beforehand with `aymara files create --json`, {} requests, untimed",
            count.div_ceil(BATCH)
        ));
        for run in 0..plan.runs {
            eprintln!("==> bench: {case}, run {}/{}", run + 1, plan.runs);
            ours.samples
                .push(self.on_emulator(small, "aymara (small)", |e| {
                    self.aymara(e, &args, &format!("small-aymara-{run}"))
                })?);
            if run < plan.python_runs {
                python
                    .samples
                    .push(self.on_emulator(small, "python (small)", |e| {
                        self.python(e, small, &format!("small-python-{run}"))
                    })?);
            }
            curl.samples
                .push(self.on_emulator(small, "curl (small)", |e| {
                    self.curl(e, &paths, &format!("small-curl-{run}"))
                })?);
        }
        Ok([ours, python, curl])
    }

    fn very_many_tiny_files(&self, tiny: &DataSet, plan: Plan) -> Result<Row> {
        let (count, size) = plan.tiny;
        let case = format!("{} files of {}", report::count(count), report::size(size));
        let args = recursive(&tiny.dir);
        let mut ours = Row::new(
            Key::TinyOurs,
            &case,
            "aymara files upload",
            Rate::Files(count),
        );
        for run in 0..plan.runs {
            eprintln!("==> bench: {case}, run {}/{}", run + 1, plan.runs);
            ours.samples
                .push(self.on_emulator(tiny, "aymara (tiny)", |e| {
                    self.aymara(e, &args, &format!("tiny-aymara-{run}"))
                })?);
        }
        Ok(ours)
    }
}

/// `--recursive <dir>`: how a user uploads a directory of files.
fn recursive(dir: &Path) -> Vec<OsString> {
    vec!["--recursive".into(), dir.as_os_str().to_owned()]
}

/// Escapes a value for a double-quoted string in a curl config file.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The store must hold exactly the generated files, each once, with the right bytes.
fn verify(emulator: &Emulator, expected: &DataSet) -> Result<()> {
    let objects = emulator.objects();
    if objects.len() != expected.files.len() {
        bail!(
            "the store holds {} objects, expected {}",
            objects.len(),
            expected.files.len()
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for object in &objects {
        let Some(want) = expected.files.get(&object.name) else {
            bail!("unexpected object {:?}", object.name);
        };
        if !seen.insert(object.name.as_str()) {
            bail!("{:?} stored twice", object.name);
        }
        if object.size != want.size || object.sha256 != want.sha256 {
            bail!(
                "{:?}: stored {} bytes with SHA-256 {}, expected {} bytes with {}",
                object.name,
                object.size,
                object.sha256,
                want.size,
                want.sha256
            );
        }
    }
    Ok(())
}
