//! Every case of the bench, one entry each: what it uploads, who uploads it, how often,
//! what its throughput counts, and the targets it must meet. Adding a case is adding an
//! entry; `..Case::default()` fills what the entry leaves out (see [`Case`]).
//!
//! Sizes are given twice, `options.pick(quick, full)`: `--quick` runs every case at tiny
//! sizes, once.

use std::time::Duration;

use aymara::{DEFAULT_CONCURRENCY, MAX_BATCH_SIZE};
use aymara_emulator::Faults;

use super::Options;
use super::case::{Case, Rate, default_emulator};
use super::contender::{AYMARA, CURL, Contender, PYTHON};
use super::data::DataSpec;
use super::metric::{CONNECTIONS, CPU, PRESIGN_REQUESTS, REQUESTS, RSS, THROUGHPUT, WALL};
use super::target::Bound::{AtLeast, AtMost, Exactly};
use super::target::{Check, Target, row, row_in};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The cases, in the order they run and are reported.
pub fn all(options: Options) -> Vec<Case> {
    let mut cases = transfer_cases(options);
    cases.extend(rerun_cases(options));
    cases
}

/// Uploading: one large file, many small ones.
fn transfer_cases(options: Options) -> Vec<Case> {
    let mid = DataSpec::one(options.pick(256 * KIB, 64 * MIB));
    let small = DataSpec::files(options.pick(20, 1_000), 16 * KIB);
    let presigns = small.count.div_ceil(MAX_BATCH_SIZE);
    let connections = DEFAULT_CONCURRENCY + 3;
    vec![
        // Streaming one large file: as fast as curl, in flat memory.
        Case {
            id: "big",
            data: DataSpec::one(options.pick(MIB, GIB)),
            rate: Rate::Bytes,
            contenders: vec![Contender::aymara(), Contender::curl()],
            targets: vec![
                Target::new(
                    "throughput ≥ 0.9× curl's",
                    Check::Ratio {
                        row: row(AYMARA),
                        other: row(CURL),
                        metric: THROUGHPUT,
                        bound: AtLeast(0.9),
                    },
                ),
                Target::new(
                    "client CPU ≤ 1.5× curl's",
                    Check::Ratio {
                        row: row(AYMARA),
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
                    format!("connections reused: ≤ concurrency + 3 = {connections} opened"),
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
        // URLs that live 1 s, in a run of several (each PUT answered after 10 ms): URLs
        // near their end are presigned again, and every file is stored (checked after
        // every run, as for every case).
        Case {
            id: "expiry",
            data: long,
            variant: Some("1 s URL lifetime, 10 ms per PUT".to_owned()),
            emulator: aymara_emulator::EmulatorConfig {
                url_ttl: Duration::from_secs(1),
                faults: Faults {
                    store_latency: Duration::from_millis(10),
                    ..Faults::default()
                },
                ..default_emulator()
            },
            contenders: vec![Contender::aymara()],
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
