//! Every case of the bench, one entry each: what it uploads, who uploads it, how often,
//! what its throughput counts, and the targets it must meet. Adding a case is adding an
//! entry; `..Case::default()` fills what the entry leaves out (see [`Case`]).
//!
//! Sizes are given twice, `options.pick(quick, full)`: `--quick` runs every case at tiny
//! sizes, once.

use std::time::Duration;

use aymara::{MAX_BATCH_SIZE, MAX_CONCURRENCY};
use aymara_emulator::{EmulatorConfig, Faults};

use super::Options;
use super::case::{Case, Rate, Store, default_emulator};
use super::contender::{AYMARA, BARE, CURL, Contender, FIXED_8, PYTHON};
use super::data::DataSpec;
use super::metric::{
    CONNECTIONS, CPU, OBJECTS_STORED, PRESIGN_REQUESTS, REQUESTS, RSS, SLOW_DOWNS, THROUGHPUT, WALL,
};
use super::target::Bound::{AtLeast, AtMost, Exactly};
use super::target::{Check, RowRef, Target, row, row_in};

/// The CLI without its journal, so without the SHA-256 the journal records.
const NO_JOURNAL: &str = "aymara-no-journal";

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The cases, in the order they run and are reported.
pub fn all(options: Options) -> Vec<Case> {
    let mut cases = loopback(options);
    cases.extend(rerun_cases(options));
    cases.extend(real_networks_and_scale(options));
    cases.extend(slow_and_weak_stores(options));
    cases
}

/// Over loopback with no added latency: streaming, batching, the official helper.
fn loopback(options: Options) -> Vec<Case> {
    let mid = DataSpec::one(options.pick(256 * KIB, 64 * MIB));
    let small = DataSpec::files(options.pick(20, 1_000), 16 * KIB);
    let presigns = small.count.div_ceil(MAX_BATCH_SIZE);
    let connections = MAX_CONCURRENCY + 3;
    vec![
        // Streaming one large file: as fast as curl, in flat memory. Like for like, the
        // speed is judged without the journal (curl keeps none and hashes nothing); the
        // default row also computes the BLAKE3 hash of every byte for the journal. The last row
        // is reqwest alone, the HTTP stack the SDK is built on: what the SDK adds to it
        // shows as the gap between the two.
        Case {
            id: "big",
            data: DataSpec::one(options.pick(MIB, GIB)),
            rate: Rate::Bytes,
            contenders: vec![
                Contender::aymara(),
                Contender {
                    id: NO_JOURNAL,
                    args: vec!["--no-journal".into()],
                    ..Contender::aymara()
                },
                Contender::curl(),
                Contender::bare(),
            ],
            targets: vec![
                Target::new(
                    "--no-journal: throughput within 5 % of curl's (≥ 0.95×)",
                    Check::Ratio {
                        row: row(NO_JOURNAL),
                        other: row(CURL),
                        metric: THROUGHPUT,
                        bound: AtLeast(0.95),
                    },
                ),
                Target::new(
                    "default (journal, BLAKE3 of every byte): throughput ≥ 0.95× --no-journal's",
                    Check::Ratio {
                        row: row(AYMARA),
                        other: row(NO_JOURNAL),
                        metric: THROUGHPUT,
                        bound: AtLeast(0.95),
                    },
                ),
                Target::new(
                    "--no-journal: throughput ≥ 0.95× reqwest alone's (the SDK costs its HTTP stack nothing)",
                    Check::Ratio {
                        row: row(NO_JOURNAL),
                        other: row(BARE),
                        metric: THROUGHPUT,
                        bound: AtLeast(0.95),
                    },
                ),
                Target::new(
                    "--no-journal: client CPU ≤ 1.5× curl's",
                    Check::Ratio {
                        row: row(NO_JOURNAL),
                        other: row(CURL),
                        metric: CPU,
                        bound: AtMost(1.5),
                    },
                ),
                Target::new(
                    "peak RSS ≤ 32 MiB",
                    Check::Median {
                        row: row(AYMARA),
                        metric: RSS,
                        bound: AtMost(32.0),
                    },
                ),
                Target::new(
                    format!("peak RSS within 10 % of {}'s", mid.short()),
                    Check::Within {
                        row: row(AYMARA),
                        other: row_in("mid", AYMARA),
                        metric: RSS,
                        tolerance: 0.10,
                    },
                ),
            ],
            ..Case::default()
        },
        // The same, smaller: memory must not grow with the file's size.
        Case {
            id: "mid",
            data: mid,
            rate: Rate::Bytes,
            contenders: vec![Contender::aymara()],
            ..Case::default()
        },
        // Many small files: batching, concurrency and connection reuse.
        Case {
            id: "small",
            data: small,
            rate: Rate::Files,
            contenders: vec![
                Contender::aymara(),
                Contender {
                    // About 30 s a run at full size.
                    max_runs: Some(3),
                    ..Contender::python()
                },
                Contender::curl(),
            ],
            targets: vec![
                Target::new(
                    "≥ 10× the official Python SDK helper's files/s",
                    Check::Ratio {
                        row: row(AYMARA),
                        other: row(PYTHON),
                        metric: THROUGHPUT,
                        bound: AtLeast(10.0),
                    },
                ),
                Target::new(
                    "wall ≤ 1.5× the curl transfer floor's",
                    Check::Ratio {
                        row: row(AYMARA),
                        other: row(CURL),
                        metric: WALL,
                        bound: AtMost(1.5),
                    },
                ),
                Target::new(
                    format!("exactly ⌈n/{MAX_BATCH_SIZE}⌉ = {presigns} presign requests"),
                    Check::EveryRun {
                        row: row(AYMARA),
                        metric: PRESIGN_REQUESTS,
                        bound: Exactly(presigns as f64),
                    },
                ),
                Target::new(
                    format!(
                        "connections reused: ≤ the most transfers at once + 3 = {connections} opened"
                    ),
                    Check::EveryRun {
                        row: row(AYMARA),
                        metric: CONNECTIONS,
                        bound: AtMost(connections as f64),
                    },
                ),
            ],
            ..Case::default()
        },
        // Very many tiny files: memory stays bounded however many files there are.
        Case {
            id: "tiny",
            data: DataSpec::files(options.pick(200, 10_000), KIB),
            rate: Rate::Files,
            contenders: vec![Contender::aymara()],
            targets: vec![Target::new(
                "completes with peak RSS ≤ 64 MiB",
                Check::Median {
                    row: row(AYMARA),
                    metric: RSS,
                    bound: AtMost(64.0),
                },
            )],
            ..Case::default()
        },
    ]
}

/// Re-runs and long runs (the journal, presigned URLs that expire).
fn rerun_cases(options: Options) -> Vec<Case> {
    let long = DataSpec::files(options.pick(100, 2_000), KIB);
    let presigns = long.count.div_ceil(MAX_BATCH_SIZE);
    vec![
        // The same command again on an unchanged tree: the journal skips every file.
        Case {
            id: "rerun",
            data: DataSpec::files(options.pick(200, 10_000), KIB),
            variant: Some("re-run, all unchanged".to_owned()),
            contenders: vec![Contender::aymara()],
            prepare: Some(Contender::aymara()),
            rate: Rate::Files,
            targets: vec![
                Target::new(
                    "no request sent",
                    Check::EveryRun {
                        row: row(AYMARA),
                        metric: REQUESTS,
                        bound: Exactly(0.0),
                    },
                ),
                Target::new(
                    "peak RSS ≤ 64 MiB",
                    Check::Median {
                        row: row(AYMARA),
                        metric: RSS,
                        bound: AtMost(64.0),
                    },
                ),
            ],
            ..Case::default()
        },
        // URLs that live 2 s, in a run of about 12 s (8 PUTs at once, each answered after
        // 50 ms): a batch presigned ahead goes stale before its turn, is presigned again,
        // and every file is stored (checked after every run, as for every case). The
        // concurrency is fixed: the default one would finish before any URL ages. (X-Amz-Date
        // has whole seconds, so a URL of 1 s may arrive with 1 ms left: too short to test.)
        Case {
            id: "expiry",
            data: long,
            variant: Some("2 s URL lifetime, 50 ms per PUT, --concurrency 8".to_owned()),
            emulator: EmulatorConfig {
                url_ttl: Duration::from_secs(2),
                faults: Faults {
                    store_latency: Duration::from_millis(50),
                    ..Faults::default()
                },
                ..default_emulator()
            },
            contenders: vec![Contender {
                args: vec!["--concurrency".into(), FIXED_8.to_string()],
                ..Contender::aymara()
            }],
            runs: 3,
            rate: Rate::Files,
            targets: vec![Target::new(
                format!(
                    "URLs presigned again: > ⌈n/{MAX_BATCH_SIZE}⌉ = {presigns} presign requests"
                ),
                Check::EveryRun {
                    row: row(AYMARA),
                    metric: PRESIGN_REQUESTS,
                    bound: AtLeast(presigns as f64 + 1.0),
                },
            )],
            ..Case::default()
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Real networks and scale: latency on the API and the store, a store that says slow down,
// and hundreds of thousands of files.
// ---------------------------------------------------------------------------------------

/// The fixed concurrencies the default (adaptive) one is compared with.
const FIXED: [(&str, &str); 5] = [
    ("aymara-8", "8"),
    ("aymara-16", "16"),
    ("aymara-32", "32"),
    ("aymara-64", "64"),
    ("aymara-128", "128"),
];

/// Rows of the fixed concurrencies, for best-of targets.
static FIXED_ROWS: [RowRef; 5] = [
    row(FIXED[0].0),
    row(FIXED[1].0),
    row(FIXED[2].0),
    row(FIXED[3].0),
    row(FIXED[4].0),
];

/// Against a store that refuses past 32 at once, 128 fixed loses files (the retry budget
/// runs out on SlowDown answers), which would end the bench: the capped case stops at 64.
const CAPPED_FIXED: usize = 4;

/// The default CLI, then one contender per fixed concurrency in `fixed`.
fn default_and(fixed: &[(&'static str, &'static str)]) -> Vec<Contender> {
    std::iter::once(Contender::aymara())
        .chain(fixed.iter().map(|&(id, n)| Contender {
            id,
            args: vec!["--concurrency".into(), n.into()],
            ..Contender::aymara()
        }))
        .collect()
}

fn real_networks_and_scale(options: Options) -> Vec<Case> {
    let files = DataSpec::files(options.pick(40, 5_000), 16 * KIB);
    // 150 ms per API answer, 30 ms per store answer: an object store's PUT seen from a
    // client, and a presign call through the service.
    let (api, store) = options.pick((5, 1), (150, 30));
    let network = EmulatorConfig {
        faults: Faults {
            api_latency: Duration::from_millis(api),
            store_latency: Duration::from_millis(store),
            ..Faults::default()
        },
        ..default_emulator()
    };
    let capped = EmulatorConfig {
        max_puts_in_flight: Some(32),
        ..network.clone()
    };
    let latency = format!("{api} ms per API answer, {store} ms per store answer");
    let best_of = |others| Check::RatioToBest {
        row: row(AYMARA),
        others,
        metric: THROUGHPUT,
        bound: AtLeast(0.8),
    };
    let scale = |count| DataSpec::files(count, 100);
    vec![
        // Latency, not bandwidth, sets the pace: the default must find a level near the
        // best fixed one, and far above the old fixed 8.
        Case {
            id: "network",
            data: files,
            variant: Some(latency.clone()),
            emulator: network,
            contenders: default_and(&FIXED),
            runs: 3,
            targets: vec![
                Target::new(
                    "default ≥ 0.8× the best fixed concurrency's files/s",
                    best_of(&FIXED_ROWS),
                ),
                Target::new(
                    "default ≥ 4× --concurrency 8's files/s",
                    Check::Ratio {
                        row: row(AYMARA),
                        other: row(FIXED[0].0),
                        metric: THROUGHPUT,
                        bound: AtLeast(4.0),
                    },
                ),
            ],
            ..Case::default()
        },
        // The same with a store that answers 503 SlowDown past 32 PUTs at once.
        Case {
            id: "network-capped",
            data: files,
            variant: Some(format!("{latency}, store capped at 32 PUTs at once")),
            emulator: capped,
            contenders: default_and(&FIXED[..CAPPED_FIXED]),
            runs: 3,
            targets: vec![
                Target::new(
                    format!("default loses no file: {} stored, every run", files.count),
                    Check::EveryRun {
                        row: row(AYMARA),
                        metric: OBJECTS_STORED,
                        bound: Exactly(files.count as f64),
                    },
                ),
                Target::new(
                    "default ≥ 0.8× the best fixed concurrency's files/s",
                    best_of(&FIXED_ROWS[..CAPPED_FIXED]),
                ),
                Target::new(
                    "the cap was reached: SlowDown answers to the default (median) ≥ 1",
                    Check::Median {
                        row: row(AYMARA),
                        metric: SLOW_DOWNS,
                        bound: AtLeast(1.0),
                    },
                ),
            ],
            ..Case::default()
        },
        // Memory stays flat in the number of files, each outcome printed as it comes.
        Case {
            id: "scale",
            data: scale(options.pick(500, 100_000)),
            contenders: vec![Contender {
                args: vec!["--ndjson".into()],
                ..Contender::aymara()
            }],
            runs: 3,
            targets: vec![Target::new(
                "peak RSS ≤ 64 MiB",
                Check::Median {
                    row: row(AYMARA),
                    metric: RSS,
                    bound: AtMost(64.0),
                },
            )],
            ..Case::default()
        },
        Case {
            id: "scale-1m",
            data: scale(options.pick(1_000, 1_000_000)),
            contenders: vec![Contender::aymara()],
            runs: 1,
            targets: vec![Target::new(
                "completes with peak RSS ≤ 256 MiB",
                Check::Median {
                    row: row(AYMARA),
                    metric: RSS,
                    bound: AtMost(256.0),
                },
            )],
            ..Case::default()
        },
    ]
}

/// Stores that are slow, weak or stalling, where a default must lose nothing; and the
/// bandwidth limit.
fn slow_and_weak_stores(options: Options) -> Vec<Case> {
    const AT_8: &str = "aymara-8";
    const NO_HEDGE: &str = "aymara-no-hedge";
    let fixed_8 = || Contender {
        id: AT_8,
        args: vec!["--concurrency".into(), FIXED_8.to_string()],
        ..Contender::aymara()
    };
    let stragglers = DataSpec::files(options.pick(40, 3_000), 16 * KIB);
    let (api, store) = options.pick((5, 1), (150, 30));
    let latency = |straggler_rate| EmulatorConfig {
        faults: Faults {
            api_latency: Duration::from_millis(api),
            store_latency: Duration::from_millis(store),
            put_straggler_rate: straggler_rate,
            put_straggler_delay: Duration::from_secs(3),
            ..Faults::default()
        },
        ..default_emulator()
    };
    let bwlimit = options.pick(4 * MIB, 256 * MIB);
    let rate = 40 * MIB;
    let limited_wall = bwlimit as f64 / rate as f64;
    vec![
        // Python's ThreadingHTTPServer with a listen backlog of 5 as the store, 10,000 files
        // of a few bytes: the default must settle near what it can take and lose nothing
        // (every run must exit 0 and store every file, as in every case).
        Case {
            id: "weak",
            data: DataSpec::files(options.pick(200, 10_000), 5),
            variant: Some("a weak store (listen backlog 5)".to_owned()),
            store: Store::Weak,
            contenders: vec![Contender::aymara(), fixed_8()],
            targets: vec![Target::new(
                "default wall ≤ 1.5× --concurrency 8's (median), no file lost in any run",
                Check::Ratio {
                    row: row(AYMARA),
                    other: row(AT_8),
                    metric: WALL,
                    bound: AtMost(1.5),
                },
            )],
            ..Case::default()
        },
        // The network case's latencies, with one PUT in a hundred answered 3 s late: the
        // default hedges them and must stay near the same run with no stragglers.
        Case {
            id: "stragglers",
            data: stragglers,
            variant: Some(format!("{api}/{store} ms, 1 % of PUTs 3 s late")),
            emulator: latency(0.01),
            contenders: vec![
                Contender::aymara(),
                Contender {
                    id: NO_HEDGE,
                    args: vec!["--no-hedge".into()],
                    ..Contender::aymara()
                },
            ],
            runs: 3,
            targets: vec![Target::new(
                "default wall ≤ 1.3× the same run with no stragglers",
                Check::Ratio {
                    row: row(AYMARA),
                    other: row_in("stragglers-none", AYMARA),
                    metric: WALL,
                    bound: AtMost(1.3),
                },
            )],
            ..Case::default()
        },
        Case {
            id: "stragglers-none",
            data: stragglers,
            variant: Some(format!("{api}/{store} ms, no stragglers")),
            emulator: latency(0.0),
            contenders: vec![Contender::aymara()],
            runs: 3,
            ..Case::default()
        },
        // One large file under --bwlimit 40M: the limit is the pace, and costs no CPU.
        Case {
            id: "bwlimit",
            data: DataSpec::one(bwlimit),
            variant: Some("--bwlimit 40M".to_owned()),
            rate: Rate::Bytes,
            contenders: vec![Contender {
                args: vec!["--bwlimit".into(), "40M".into()],
                ..Contender::aymara()
            }],
            runs: 3,
            targets: vec![
                Target::new(
                    format!("wall ≥ 0.9 × {limited_wall:.1} s (the size at 40 MiB/s)"),
                    Check::Median {
                        row: row(AYMARA),
                        metric: WALL,
                        bound: AtLeast(limited_wall * 0.9),
                    },
                ),
                Target::new(
                    format!("wall ≤ 1.1 × {limited_wall:.1} s"),
                    Check::Median {
                        row: row(AYMARA),
                        metric: WALL,
                        bound: AtMost(limited_wall * 1.1),
                    },
                ),
                Target::new(
                    "client CPU < 0.5 s",
                    Check::Median {
                        row: row(AYMARA),
                        metric: CPU,
                        bound: AtMost(0.5),
                    },
                ),
            ],
            ..Case::default()
        },
        // A store that reads the first PUT and never answers it, then answers: the stall is
        // noticed in seconds and the file is sent again, not lost at the minute.
        Case {
            id: "stall",
            data: DataSpec::one(KIB),
            variant: Some("the first PUT never answered".to_owned()),
            emulator: EmulatorConfig {
                faults: Faults {
                    put_stalls: 1,
                    ..Faults::default()
                },
                ..default_emulator()
            },
            contenders: vec![Contender::aymara()],
            runs: 3,
            targets: vec![Target::new(
                "stored, wall ≤ 10 s every run (the old limit was 60 s)",
                Check::EveryRun {
                    row: row(AYMARA),
                    metric: WALL,
                    bound: AtMost(10.0),
                },
            )],
            ..Case::default()
        },
    ]
}
