//! What the bench reads off each run. A metric is a column of the results table and what
//! targets compare; a new column is a new `Metric` here, listed in [`COLUMNS`].

use super::sample::{Row, Sample};

const MIB: f64 = 1024.0 * 1024.0;

/// One measured figure of a run.
#[derive(Clone, Copy)]
pub struct Metric {
    /// The results table's column header.
    pub header: &'static str,
    pub unit: Unit,
    /// Decimals shown, in the table and in targets.
    pub decimals: usize,
    /// The figure for one run of a row.
    pub value: fn(&Row, &Sample) -> f64,
}

/// How a metric's unit is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The row's rate unit (MB/s or files/s), which differs between rows, so each cell
    /// shows it.
    Rate,
    /// A unit the column header names (empty for counts); targets show it after values.
    Fixed(&'static str),
}

impl Metric {
    /// The unit after a value of `row`, empty for counts.
    pub fn unit(&self, row: &Row) -> &'static str {
        match self.unit {
            Unit::Rate => row.rate.unit(),
            Unit::Fixed(unit) => unit,
        }
    }

    /// The table's cell for `row`: the spread over its runs.
    pub fn cell(&self, row: &Row) -> String {
        let spread = row.spread(*self).show(self.decimals);
        match self.unit {
            Unit::Rate => format!("{spread} {}", row.rate.unit()),
            Unit::Fixed(_) => spread,
        }
    }
}

/// The results table's measured columns, in order.
pub const COLUMNS: [Metric; 6] = [THROUGHPUT, WALL, CPU, RSS, PRESIGN_REQUESTS, CONNECTIONS];

/// MB/s or files/s, as the case's rate says.
pub const THROUGHPUT: Metric = Metric {
    header: "throughput",
    unit: Unit::Rate,
    decimals: 0,
    value: |row, sample| row.throughput(sample),
};

/// From spawn to `wait4`.
pub const WALL: Metric = Metric {
    header: "wall s",
    unit: Unit::Fixed("s"),
    decimals: 3,
    value: |_, sample| sample.usage.wall.as_secs_f64(),
};

/// The child's user+sys CPU time, from `wait4`.
pub const CPU: Metric = Metric {
    header: "user+sys CPU s",
    unit: Unit::Fixed("s"),
    decimals: 2,
    value: |_, sample| sample.usage.cpu.as_secs_f64(),
};

/// The child's peak resident set, from `wait4`.
pub const RSS: Metric = Metric {
    header: "peak RSS MiB",
    unit: Unit::Fixed("MiB"),
    decimals: 1,
    value: |_, sample| sample.usage.max_rss as f64 / MIB,
};

/// `POST /v2/files` requests the emulator received during the run.
pub const PRESIGN_REQUESTS: Metric = Metric {
    header: "presign requests",
    unit: Unit::Fixed(""),
    decimals: 0,
    value: |_, sample| sample.counter(|stats| stats.presign_requests) as f64,
};

/// TCP connections the emulator accepted during the run.
pub const CONNECTIONS: Metric = Metric {
    header: "TCP connections",
    unit: Unit::Fixed(""),
    decimals: 0,
    value: |_, sample| sample.counter(|stats| stats.connections_accepted) as f64,
};

/// Every request the emulator received during the run, of the API and of the store: a
/// re-run of what is stored must send none.
pub const REQUESTS: Metric = Metric {
    header: "requests",
    unit: Unit::Fixed(""),
    decimals: 0,
    value: |_, sample| {
        sample.counter(|s| {
            s.presign_requests
                + s.list_requests
                + s.get_file_requests
                + s.delete_requests
                + s.status_requests
                + s.frames_requests
                + s.upload_requests
                + s.put_requests
                + s.store_get_requests
        }) as f64
    },
};

/// Objects the store kept during the run (not a column: targets only).
pub const OBJECTS_STORED: Metric = Metric {
    header: "objects stored",
    unit: Unit::Fixed(""),
    decimals: 0,
    value: |_, sample| sample.counter(|stats| stats.objects_stored) as f64,
};

/// PUTs the store refused with 503 `SlowDown` during the run (not a column: targets only).
pub const SLOW_DOWNS: Metric = Metric {
    header: "SlowDown answers",
    unit: Unit::Fixed(""),
    decimals: 0,
    value: |_, sample| sample.counter(|stats| stats.puts_slowed_down) as f64,
};
