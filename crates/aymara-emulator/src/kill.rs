//! For crash tests only: `AYMARA_EMULATOR_KILL_AT=<point>` in an emulator's environment
//! makes it send itself `SIGKILL` the first time it reaches that point of storing an
//! object, so a test can kill it at an exact step, not only at a random moment. Unset (as
//! always outside those tests), it does nothing.
//!
//! The points, in the order a PUT reaches them:
//! - `mid-body`: some of a body is written to its part file;
//! - `body-received`: the whole body is in its part file, nothing is noted yet;
//! - `landing-noted`: the database notes the object as landing; not renamed yet;
//! - `renamed`: the object is in place; its record does not say so yet;
//! - `recorded`: the record says so; the client has no answer yet.

use std::io;

/// The variable that names the point.
pub const KILL_AT_VAR: &str = "AYMARA_EMULATOR_KILL_AT";

/// A step of storing an object where a test may kill the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillPoint {
    MidBody,
    BodyReceived,
    LandingNoted,
    Renamed,
    Recorded,
}

const POINTS: [(&str, KillPoint); 5] = [
    ("mid-body", KillPoint::MidBody),
    ("body-received", KillPoint::BodyReceived),
    ("landing-noted", KillPoint::LandingNoted),
    ("renamed", KillPoint::Renamed),
    ("recorded", KillPoint::Recorded),
];

/// Where this emulator kills itself, if anywhere.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KillSwitch(Option<KillPoint>);

impl KillSwitch {
    /// From the environment; an unknown point is an error naming the variable.
    pub(crate) fn from_env() -> io::Result<KillSwitch> {
        let Some(value) = std::env::var_os(KILL_AT_VAR) else {
            return Ok(KillSwitch(None));
        };
        let value = value.to_string_lossy();
        let point = POINTS
            .iter()
            .find(|(name, _)| *name == value)
            .map(|&(_, point)| point)
            .ok_or_else(|| {
                let names: Vec<&str> = POINTS.iter().map(|(name, _)| *name).collect();
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{KILL_AT_VAR}={value:?} is not one of {}", names.join(", ")),
                )
            })?;
        tracing::warn!(point = %value, "emulator: will kill itself there ({KILL_AT_VAR})");
        Ok(KillSwitch(Some(point)))
    }

    /// Whether this is the point.
    pub(crate) fn is(self, point: KillPoint) -> bool {
        self.0 == Some(point)
    }

    /// Kills the process with `SIGKILL` if this is the point: no destructor, no flush, no
    /// cleanup, exactly as `kill -9` from outside.
    pub(crate) fn at(self, point: KillPoint) {
        if self.is(point) {
            kill_self();
        }
    }
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: `kill` with our own pid and a valid signal has no memory effects on us
    // before the process ends.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::abort();
}
