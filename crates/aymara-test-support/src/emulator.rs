//! An emulator that accepts one API key, and SDK clients that use it: what most end-to-end
//! tests start with.

use std::ops::Deref;

use aymara_emulator::{Emulator, EmulatorConfig};

/// A running emulator that accepts only its key; derefs to the [`Emulator`] to inspect it.
#[derive(Debug)]
pub struct TestEmulator {
    emulator: Emulator,
    key: String,
}

impl TestEmulator {
    /// Starts an emulator with `config` that accepts `key` and no other.
    pub async fn start(key: &str, config: EmulatorConfig) -> Self {
        let emulator = Emulator::start(EmulatorConfig {
            api_keys: vec![key.to_owned()],
            ..config
        })
        .await
        .expect("the emulator starts");
        Self {
            emulator,
            key: key.to_owned(),
        }
    }

    /// The key it accepts.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// An SDK client with its key and base URL, and the SDK's defaults otherwise.
    pub fn client(&self) -> aymara::Client {
        aymara::Client::builder()
            .api_key(&self.key)
            .base_url(self.emulator.base_url())
            .build()
            .expect("a loopback base URL is valid")
    }
}

impl Deref for TestEmulator {
    type Target = Emulator;

    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}
