//! The emulator's own state at scale, beside the upload cases: 100,000 files uploaded with
//! `--local` (client and emulator in one process, on a data directory), and `aymara serve`
//! holding a million records (its memory, one deep page, a walk of every page with
//! `files list --ndjson`).
//!
//! Here the emulator is the `aymara` binary on a data directory, not the bench's in-process
//! one, so these cases have a runner and a table of their own; their targets join the
//! others'. The million records are seeded straight into the database
//! (`Emulator::seed_stored_files`: each exactly as `POST /v2/files` and one PUT leave it,
//! 10,000 to a transaction) rather than by a million HTTP calls; `--local`'s files are
//! uploaded for real and checked against the store afterwards, as every upload case is.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use aymara_emulator::{Emulator, EmulatorConfig};
use indicatif::HumanCount;

use super::Options;
use super::data::{DataSet, DataSpec};
use super::measure::{self, Usage};
use super::sample::Spread;
use super::target::Verdict;
use super::verify::verify;

/// The cases' ids, for `--case`.
pub const IDS: [&str; 2] = [LOCAL, SERVE];
const LOCAL: &str = "local-scale";
const SERVE: &str = "serve-1m";

/// The key `aymara serve` accepts and the walk sends.
const KEY: &str = "bench-key";
const MIB: f64 = 1024.0 * 1024.0;

/// What these cases add to the report.
#[derive(Default)]
pub struct Section {
    /// Their table, under its own heading.
    pub markdown: String,
    pub verdicts: Vec<Verdict>,
}

/// One line of this section's table: a program and what each of its runs cost.
struct Line {
    case: String,
    what: String,
    runs: Vec<Usage>,
}

/// Runs the cases `options` selects (both, unless `--case` names another one).
pub fn run(root: &Path, work: &Path, options: Options) -> Result<Section> {
    let wanted = |id| options.case.is_none_or(|case| case == id);
    let mut cases = Cases {
        cli: root.join("target/release/aymara"),
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start a runtime")?,
        options,
        lines: Vec::new(),
        verdicts: Vec::new(),
    };
    if wanted(LOCAL) {
        cases.local(&work.join(LOCAL))?;
    }
    if wanted(SERVE) {
        cases.serve(&work.join(SERVE))?;
    }
    if cases.lines.is_empty() {
        return Ok(Section::default());
    }
    Ok(Section {
        markdown: markdown(&cases.lines),
        verdicts: cases.verdicts,
    })
}

/// What the cases run with, and what they found.
struct Cases {
    /// The release `aymara`.
    cli: PathBuf,
    /// For the emulators the bench starts itself (to seed, to check a store).
    runtime: tokio::runtime::Runtime,
    options: Options,
    lines: Vec<Line>,
    verdicts: Vec<Verdict>,
}

impl Cases {
    /// `aymara files upload --local --ndjson -r DIR`, each run in a fresh working directory
    /// (so a fresh `.aymara/local`), whose store is then opened to check it holds exactly the
    /// data set.
    fn local(&mut self, dir: &Path) -> Result<()> {
        let (options, runtime) = (self.options, &self.runtime);
        let spec = DataSpec::files(options.pick(200, 100_000), 100);
        let title = format!(
            "{}, --local (client and emulator in one process)",
            spec.title()
        );
        eprintln!("==> bench: {title}: generating data");
        let data = DataSet::generate(&dir.join("data"), "local", spec)?;
        let runs = if options.quick {
            1
        } else {
            options.runs.unwrap_or(3)
        };
        let mut usages = Vec::new();
        for run in 0..runs {
            eprintln!("==> bench: {title}, run {}/{runs}", run + 1);
            let run_dir = dir.join(format!("run-{run}"));
            std::fs::create_dir_all(&run_dir)
                .with_context(|| format!("cannot create {}", run_dir.display()))?;
            let mut command = Command::new(&self.cli);
            command
                .args(["files", "upload", "--local", "--ndjson", "--recursive"])
                .arg(data.dir())
                .env_remove("AYMARA_AI_API_KEY")
                .env_remove("AYMARA_AI_BASE_URL")
                .env_remove("RUST_LOG")
                .current_dir(&run_dir);
            usages.push(measure::run(&mut command, &run_dir, "run")?);
            let store = run_dir.join(".aymara/local");
            let emulator = runtime
                .block_on(Emulator::start(EmulatorConfig::persistent(&store)))
                .with_context(|| format!("cannot open {}", store.display()))?;
            let checked = verify(&emulator.objects(), &data);
            runtime.block_on(emulator.shutdown());
            checked.context("aymara files upload --local stored wrong bytes")?;
            std::fs::remove_dir_all(&run_dir)
                .with_context(|| format!("cannot remove {}", run_dir.display()))?;
        }
        data.remove()?;
        let rss = Spread::of(usages.iter().map(|u| u.max_rss as f64 / MIB).collect());
        self.verdicts.push(Verdict {
            what: format!("{}, --local --ndjson: peak RSS ≤ 96 MiB", spec.short()),
            measured: format!("{} MiB", rss.show(1)),
            met: rss.median <= 96.0,
        });
        self.lines.push(Line {
            case: title,
            what: "aymara files upload --local --ndjson".to_owned(),
            runs: usages,
        });
        Ok(())
    }

    /// `aymara serve` on a data directory seeded with the records: one page at a deep offset
    /// (before anything else, so no cursor helps it), then every page with
    /// `files list --ndjson` (each record must come once), then its peak memory.
    fn serve(&mut self, dir: &Path) -> Result<()> {
        let (options, runtime, cli) = (self.options, &self.runtime, &self.cli);
        let count: u64 = options.pick(2_000, 1_000_000);
        let deep = count - 100;
        let records = format!("{} records", HumanCount(count));
        let state = dir.join("state");
        eprintln!("==> bench: {records}: seeding {}", state.display());
        let seeding = Instant::now();
        let seeder = runtime.block_on(Emulator::start(EmulatorConfig::persistent(&state)))?;
        seeder.seed_stored_files(count, 100)?;
        runtime.block_on(seeder.shutdown());
        eprintln!("==> bench: {records}: seeded in {:.1?}", seeding.elapsed());

        let mut serve = Command::new(cli)
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--api-key",
                KEY,
                "--data-dir",
            ])
            .arg(&state)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start aymara serve")?;
        let served = (|| -> Result<_> {
            let stdout = serve.stdout.take().context("aymara serve: no stdout")?;
            let mut url = String::new();
            BufReader::new(stdout).read_line(&mut url)?;
            let url = url.trim().to_owned();
            ensure!(url.starts_with("http://"), "aymara serve printed {url:?}");

            let page = runtime.block_on(deep_page(&url, count, deep))?;
            eprintln!("==> bench: {records}: the page at offset {deep} took {page:.1?}");
            eprintln!("==> bench: {records}: files list --ndjson");
            let mut walk = Command::new(cli);
            walk.args(["files", "list", "--ndjson", "--base-url", &url])
                .env("AYMARA_AI_API_KEY", KEY)
                .env_remove("AYMARA_AI_BASE_URL")
                .env_remove("RUST_LOG")
                .current_dir(dir);
            let usage = measure::run(&mut walk, dir, "walk")?;
            each_record_once(&dir.join("walk.stdout"), count)?;
            let memory = Memory::of(serve.id())?;
            Ok((page, usage, memory))
        })();
        stop(&mut serve)?;
        let (page, walk, memory) = served?;
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;

        let peak = memory.peak as f64 / MIB;
        self.verdicts.extend([
            Verdict {
                what: format!("aymara serve holding {records}: peak RSS ≤ 64 MiB"),
                measured: format!("{peak:.1} MiB (now {:.1} MiB)", memory.now as f64 / MIB),
                met: peak <= 64.0,
            },
            Verdict {
                what: format!(
                    "{records}: files list --ndjson walks every page in ≤ 60 s, each record once"
                ),
                measured: format!(
                    "{:.1} s, each of the {records} once",
                    walk.wall.as_secs_f64()
                ),
                met: walk.wall <= Duration::from_secs(60),
            },
            Verdict {
                what: format!("{records}: one page at offset {} ≤ 50 ms", HumanCount(deep)),
                measured: format!("{:.1} ms", page.as_secs_f64() * 1000.0),
                met: page <= Duration::from_millis(50),
            },
        ]);
        self.lines.extend([
            Line {
                case: records.clone(),
                what: "aymara files list --ndjson, every page".to_owned(),
                runs: vec![walk],
            },
            Line {
                case: records.clone(),
                what: format!("GET /v2/files?offset={deep}&limit=100, first request after start"),
                runs: vec![Usage {
                    wall: page,
                    cpu: Duration::ZERO,
                    max_rss: 0,
                }],
            },
            Line {
                case: records,
                what: "aymara serve, through the two above".to_owned(),
                runs: vec![Usage {
                    wall: Duration::ZERO,
                    cpu: Duration::ZERO,
                    max_rss: memory.peak,
                }],
            },
        ]);
        Ok(())
    }
}

/// How long one `GET /v2/files` at `offset` takes, on a connection opened beforehand; its
/// answer must be the 100 records there, of `count`.
async fn deep_page(url: &str, count: u64, offset: u64) -> Result<Duration> {
    let client = reqwest::Client::new();
    let get = |query: String| {
        client
            .get(format!("{url}/v2/files?{query}"))
            .header("x-api-key", KEY)
            .send()
    };
    get("limit=1".to_owned()).await?.error_for_status()?;
    let started = Instant::now();
    let answer = get(format!("offset={offset}&limit=100"))
        .await?
        .error_for_status()?;
    let body = answer.bytes().await?;
    let took = started.elapsed();
    let page: serde_json::Value = serde_json::from_slice(&body)?;
    ensure!(
        page["count"] == count,
        "the deep page counts {}",
        page["count"]
    );
    let items = page["items"].as_array().map_or(0, Vec::len);
    ensure!(items == 100, "the deep page has {items} items");
    Ok(took)
}

/// Checks that the walk printed each seeded record exactly once.
fn each_record_once(ndjson: &Path, count: u64) -> Result<()> {
    let file =
        std::fs::File::open(ndjson).with_context(|| format!("cannot read {}", ndjson.display()))?;
    let mut seen = vec![false; usize::try_from(count)?];
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        let record: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("line {}: not JSON", n + 1))?;
        let index = record["remote_file_path"]
            .as_str()
            .and_then(|path| path.rsplit('/').next())
            .and_then(|name| {
                name.strip_prefix("seed-")?
                    .strip_suffix(".bin")?
                    .parse::<usize>()
                    .ok()
            })
            .with_context(|| format!("line {}: not a seeded record: {line}", n + 1))?;
        match seen.get_mut(index) {
            Some(once) if !*once => *once = true,
            _ => bail!("line {}: record {index} again or out of range", n + 1),
        }
    }
    let missing = seen.iter().filter(|s| !**s).count();
    ensure!(missing == 0, "the walk missed {missing} records");
    Ok(())
}

/// A process's resident memory, from `/proc/PID/status`.
struct Memory {
    /// `VmHWM`: the most it ever held.
    peak: u64,
    /// `VmRSS`.
    now: u64,
}

impl Memory {
    fn of(pid: u32) -> Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .context("cannot read the server's /proc status")?;
        let kib = |field: &str| -> Result<u64> {
            let value = status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
            let kib: u64 = value.trim().trim_end_matches("kB").trim().parse()?;
            Ok(kib * 1024)
        };
        Ok(Memory {
            peak: kib("VmHWM:")?,
            now: kib("VmRSS:")?,
        })
    }
}

/// Ctrl-C, as a user stops it; it must exit cleanly.
fn stop(serve: &mut std::process::Child) -> Result<()> {
    let pid = libc::pid_t::try_from(serve.id())?;
    // SAFETY: sending a signal to our own child has no memory effects here.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let status = serve.wait()?;
    ensure!(status.success(), "aymara serve ended with {status}");
    Ok(())
}

fn markdown(lines: &[Line]) -> String {
    let mut out = String::from(
        "\n### The emulator's state\n\n\
         | case | measured | runs | wall s | user+sys CPU s | peak RSS MiB |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    for line in lines {
        let spread = |f: fn(&Usage) -> f64, decimals| {
            let spread = Spread::of(line.runs.iter().map(f).collect());
            if spread.max == 0.0 {
                "–".to_owned()
            } else {
                spread.show(decimals)
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            line.case,
            line.what,
            line.runs.len(),
            spread(|u| u.wall.as_secs_f64(), 3),
            spread(|u| u.cpu.as_secs_f64(), 2),
            spread(|u| u.max_rss as f64 / MIB, 1),
        );
    }
    out.push_str(
        "\nThe million records are seeded into the database directly (each exactly as \
         `POST /v2/files` and one PUT of 100 bytes leave it; the bytes are not written), then \
         `aymara serve` is started on it: the deep page is its first request, the walk comes \
         next, and its peak RSS (`VmHWM`) is read after both.\n",
    );
    out
}
