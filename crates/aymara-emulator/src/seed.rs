//! For `cargo xtask bench` only: a million files in seconds instead of a million HTTP calls.

use sha2::{Digest, Sha256};

use crate::Emulator;
use crate::api::{RequestedFile, new_record};
use crate::files::{Arrival, Stored};

/// Files written per transaction.
const BATCH: u64 = 10_000;

impl Emulator {
    /// Adds `count` files, each exactly as `POST /v2/files` creates it for a
    /// `local_file_path` of `seed/seed-NNNNNNN.bin` (no workspace, no content type given)
    /// and as one PUT of `size` bytes then stores it, in an emulator that discards bodies
    /// ([`crate::EmulatorConfig::discard_bodies`]): the bytes (zeros) are hashed, not
    /// written, so the objects cannot be downloaded; lists, gets and statuses are the real
    /// thing. Records are written 10,000 to a transaction.
    ///
    /// # Errors
    /// When the database cannot be written.
    #[doc(hidden)]
    pub fn seed_stored_files(&self, count: u64, size: u64) -> std::io::Result<()> {
        let shared = &self.shared;
        let sha256 = hex::encode(Sha256::digest(vec![
            0u8;
            usize::try_from(size).unwrap_or(0)
        ]));
        let mut next = 0;
        while next < count {
            let end = (next + BATCH).min(count);
            let records: Vec<_> = (next..end)
                .map(|i| {
                    let file = RequestedFile {
                        local_file_path: Some(format!("seed/seed-{i:07}.bin")),
                        content_type: None,
                        remote_uri: None,
                    };
                    let mut record = new_record(shared, None, &file);
                    record.arrival = Some(Arrival {
                        size,
                        at: shared.clock.now(),
                    });
                    record.stored = Some(Stored {
                        sha256: sha256.clone(),
                        content_type: record.content_type.clone(),
                        puts: 1,
                    });
                    record
                })
                .collect();
            shared
                .db
                .run(|conn| conn.insert(&records))
                .map_err(std::io::Error::other)?;
            next = end;
        }
        Ok(())
    }
}
