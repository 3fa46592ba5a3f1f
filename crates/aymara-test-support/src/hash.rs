//! Content hashes as lowercase hex: SHA-256 as the emulator and the mock record what they
//! received, BLAKE3 as the upload's journal records what it sent.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// Lowercase hex SHA-256 of the file at `path`; panics naming the path if it cannot be read.
pub fn sha256_file(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    sha256_hex(bytes)
}

/// Lowercase hex BLAKE3 of the file at `path`, as the journal records it; panics naming the
/// path if it cannot be read.
pub fn blake3_file(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    blake3_hex(bytes)
}

/// Lowercase hex BLAKE3 of `bytes`.
pub fn blake3_hex(bytes: impl AsRef<[u8]>) -> String {
    blake3::hash(bytes.as_ref()).to_hex().to_string()
}
