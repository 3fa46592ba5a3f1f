//! The bench's input files: pseudo-random (so nothing downstream can compress or
//! deduplicate them), deterministic, written once per bench into a temporary directory, with
//! the SHA-256 the store must report for each.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// One generated file and what its upload must produce.
#[derive(Debug, Clone)]
pub struct Expected {
    pub size: u64,
    pub sha256: String,
}

/// A set of generated files: the directory that holds only them, and by object name (the
/// file's base name, which the store keeps) what each must arrive as.
#[derive(Debug, Clone)]
pub struct DataSet {
    pub dir: PathBuf,
    pub files: BTreeMap<String, Expected>,
}

impl DataSet {
    /// The files' paths, sorted.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.keys().map(|name| self.dir.join(name)).collect()
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(|f| f.size).sum()
    }
}

/// xorshift64*: fast and good enough to defeat compression.
struct Noise(u64);

impl Noise {
    fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let word = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

fn write_file(path: &Path, size: u64, seed: u64) -> Result<Expected> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut noise = Noise::new(seed);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        noise.fill(&mut buf[..n]);
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        left -= n as u64;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Expected {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// `count` files of `size` bytes named `<prefix>-NNNNN.bin` in a new directory `dir`.
pub fn generate(dir: &Path, prefix: &str, count: usize, size: u64) -> Result<DataSet> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut files = BTreeMap::new();
    for i in 0..count {
        let name = format!("{prefix}-{i:05}.bin");
        let seed = (size << 20) ^ i as u64;
        files.insert(name.clone(), write_file(&dir.join(&name), size, seed)?);
    }
    Ok(DataSet {
        dir: dir.to_path_buf(),
        files,
    })
}
