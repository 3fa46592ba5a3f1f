//! The emulator behind `--local`: started for one command, stopped after it. Without the
//! `emulator` feature the flag is still understood, and refused with a clear line.

use std::path::Path;

use crate::Failure;

/// The key `--local` uses with the emulator it starts: both live only for one command, on
/// a loopback port.
pub const LOCAL_KEY: &str = "aymara-local";

/// An emulator started for one command.
#[cfg(feature = "emulator")]
pub struct Local(aymara_emulator::Emulator);

/// Nothing can be started in a build without the emulator.
#[cfg(not(feature = "emulator"))]
pub enum Local {}

impl Local {
    /// Starts an emulator for one command, storing under `data_dir`.
    #[cfg(feature = "emulator")]
    pub async fn start(data_dir: &Path) -> Result<Self, Failure> {
        use aymara_emulator::{Emulator, EmulatorConfig};
        Emulator::start(EmulatorConfig {
            data_dir: Some(data_dir.to_path_buf()),
            api_keys: vec![LOCAL_KEY.to_string()],
            ..EmulatorConfig::default()
        })
        .await
        .map(|emulator| {
            warn_recovered(&emulator);
            Local(emulator)
        })
        .map_err(|e| Failure::usage(start_error("the local emulator", &e)))
    }

    /// Refuses: this build has no emulator.
    #[cfg(not(feature = "emulator"))]
    pub async fn start(_data_dir: &Path) -> Result<Self, Failure> {
        Err(Failure::usage(
            "--local needs the emulator, which this build of aymara leaves out (cargo feature `emulator`)"
                .to_owned(),
        ))
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> &str {
        #[cfg(feature = "emulator")]
        return self.0.base_url();
        #[cfg(not(feature = "emulator"))]
        match *self {}
    }

    /// The organization of its state: what tells its journal from one of an earlier state
    /// of the same directory.
    pub fn organization_uuid(&self) -> &str {
        #[cfg(feature = "emulator")]
        return self.0.organization_uuid();
        #[cfg(not(feature = "emulator"))]
        match *self {}
    }

    /// Where it stores files.
    pub fn data_dir(&self) -> &Path {
        #[cfg(feature = "emulator")]
        return self.0.data_dir();
        #[cfg(not(feature = "emulator"))]
        match *self {}
    }

    /// Stops it after letting in-flight requests finish.
    pub async fn shutdown(self) {
        #[cfg(feature = "emulator")]
        self.0.shutdown().await;
        #[cfg(not(feature = "emulator"))]
        match self {}
    }
}

/// The organization of the state in `data_dir`, if any, read without starting an emulator
/// (a dry run starts none); none in a build without the emulator.
pub fn stored_organization(data_dir: &Path) -> Result<Option<String>, Failure> {
    #[cfg(feature = "emulator")]
    return aymara_emulator::stored_organization_uuid(data_dir).map_err(|e| {
        Failure::usage(format!(
            "cannot read the local emulator's state: {}",
            aymara_text::escape(&e.to_string())
        ))
    });
    #[cfg(not(feature = "emulator"))]
    {
        let _ = data_dir;
        Ok(None)
    }
}

/// Why an emulator (`what`) did not start, in one escaped line: the emulator's message
/// names the directory, the file or the address at fault.
#[cfg(feature = "emulator")]
pub fn start_error(what: &str, error: &std::io::Error) -> String {
    format!(
        "cannot start {what}: {}",
        aymara_text::escape(&error.to_string())
    )
}

/// Tells, as a warning, what an emulator's start cleaned up after an unclean stop.
#[cfg(feature = "emulator")]
pub fn warn_recovered(emulator: &aymara_emulator::Emulator) {
    let recovery = emulator.recovery();
    if !recovery.is_empty() {
        eprintln!(
            "warning: {}: {recovery}",
            crate::output::path(emulator.data_dir())
        );
    }
}
