//! The bench's input files: pseudo-random (so nothing downstream can compress or
//! deduplicate them) and deterministic, so what the store must hold for a file can be
//! computed again from its index instead of being kept per file. A data set keeps one
//! digest however many files it has, and generating it allocates nothing per file but the
//! path.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::HumanCount;
use sha2::{Digest, Sha256};

use super::human;

/// Largest piece of a file generated at once: files are written and hashed piece by piece.
const PIECE: u64 = 1 << 20;

/// What a case uploads: `count` files of `size` bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSpec {
    pub count: usize,
    pub size: u64,
}

impl DataSpec {
    /// One file of `size` bytes.
    pub const fn one(size: u64) -> DataSpec {
        DataSpec { count: 1, size }
    }

    /// `count` files of `size` bytes.
    pub const fn files(count: usize, size: u64) -> DataSpec {
        DataSpec { count, size }
    }

    pub fn total_bytes(self) -> u64 {
        self.count as u64 * self.size
    }

    /// For the results table: "one 1 GiB file", "1,000 files of 16 KiB".
    pub fn title(self) -> String {
        match self.count {
            1 => format!("one {} file", human::bytes(self.size)),
            n => format!(
                "{} files of {}",
                HumanCount(n as u64),
                human::bytes(self.size)
            ),
        }
    }

    /// For the targets: "1 GiB", "1,000 × 16 KiB".
    pub fn short(self) -> String {
        match self.count {
            1 => human::bytes(self.size),
            n => format!("{} × {}", HumanCount(n as u64), human::bytes(self.size)),
        }
    }
}

/// A generated data set: files `<prefix>-NNNNN.bin`, alone in their directory.
#[derive(Debug)]
pub struct DataSet {
    dir: PathBuf,
    prefix: String,
    spec: DataSpec,
    /// SHA-256 over the files' SHA-256s, in index order: what the store must add up to.
    digest: [u8; 32],
}

impl DataSet {
    /// Writes the files of `spec` into a new directory `dir`.
    pub fn generate(dir: &Path, prefix: &str, spec: DataSpec) -> Result<DataSet> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut set = DataSet {
            dir: dir.to_path_buf(),
            prefix: prefix.to_owned(),
            spec,
            digest: [0; 32],
        };
        let mut piece = set.piece();
        let mut all = Sha256::new();
        for index in 0..spec.count {
            let path = set.path(index);
            let mut file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            let sha256 = set
                .content(index, &mut piece, |bytes| file.write_all(bytes))
                .with_context(|| format!("cannot write {}", path.display()))?;
            all.update(sha256);
        }
        set.digest = all.finalize().into();
        Ok(set)
    }

    pub fn spec(&self) -> DataSpec {
        self.spec
    }

    /// The directory that holds the files and nothing else.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files' paths, in index order.
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        (0..self.spec.count).map(|index| self.path(index))
    }

    /// File `index`'s name, which the store keeps as the object's name.
    pub fn name(&self, index: usize) -> String {
        format!("{}-{index:05}.bin", self.prefix)
    }

    /// The index of the file called `name`, if it is one of this set's.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        let number = name
            .strip_prefix(self.prefix.as_str())?
            .strip_prefix('-')?
            .strip_suffix(".bin")?;
        let index = number.parse().ok()?;
        (index < self.spec.count && self.name(index) == name).then_some(index)
    }

    /// What [`verify`](super::verify) compares the store's digests with.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// File `index`'s SHA-256, computed again from its bytes.
    pub fn sha256(&self, index: usize) -> [u8; 32] {
        let never_fails = |_: &[u8]| Ok(());
        self.content(index, &mut self.piece(), never_fails)
            .unwrap_or_default()
    }

    pub fn remove(self) -> Result<()> {
        fs::remove_dir_all(&self.dir)
            .with_context(|| format!("cannot remove {}", self.dir.display()))
    }

    fn path(&self, index: usize) -> PathBuf {
        self.dir.join(self.name(index))
    }

    fn piece(&self) -> Vec<u8> {
        vec![0; usize::try_from(self.spec.size.min(PIECE)).unwrap_or(0)]
    }

    /// Produces file `index`'s bytes into `sink`, piece by piece; returns their SHA-256.
    fn content(
        &self,
        index: usize,
        piece: &mut [u8],
        mut sink: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<[u8; 32]> {
        let mut noise = Noise::new((self.spec.size << 20) ^ index as u64);
        let mut hasher = Sha256::new();
        let mut left = self.spec.size;
        while left > 0 {
            let n = usize::try_from(left).map_or(piece.len(), |left| left.min(piece.len()));
            let bytes = &mut piece[..n];
            noise.fill(bytes);
            hasher.update(&*bytes);
            sink(bytes)?;
            left -= n as u64;
        }
        Ok(hasher.finalize().into())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_count_and_size() {
        assert_eq!(DataSpec::one(1 << 30).title(), "one 1 GiB file");
        assert_eq!(
            DataSpec::files(1_000, 16 << 10).title(),
            "1,000 files of 16 KiB"
        );
        assert_eq!(DataSpec::one(64 << 20).short(), "64 MiB");
        assert_eq!(DataSpec::files(10_000, 1 << 10).short(), "10,000 × 1 KiB");
    }

    #[test]
    fn files_hold_what_their_recomputed_digests_say() {
        let dir = tempfile::tempdir().unwrap();
        // Larger than one piece, and not a multiple of the noise's 8-byte words.
        let spec = DataSpec::files(3, PIECE + 13);
        let set = DataSet::generate(&dir.path().join("set"), "t", spec).unwrap();
        let mut all = Sha256::new();
        for (index, path) in set.paths().enumerate() {
            let bytes = fs::read(&path).unwrap();
            assert_eq!(bytes.len() as u64, spec.size);
            let sha256: [u8; 32] = Sha256::digest(&bytes).into();
            assert_eq!(set.sha256(index), sha256, "{}", path.display());
            all.update(sha256);
        }
        let all: [u8; 32] = all.finalize().into();
        assert_eq!(set.digest(), all);
        assert_ne!(set.sha256(0), set.sha256(1), "files differ");
    }

    #[test]
    fn index_of_accepts_only_this_sets_names() {
        let dir = tempfile::tempdir().unwrap();
        let set = DataSet::generate(dir.path(), "small", DataSpec::files(12, 1)).unwrap();
        assert_eq!(set.index_of("small-00011.bin"), Some(11));
        assert_eq!(set.index_of(&set.name(0)), Some(0));
        for name in [
            "small-00012.bin",
            "small-0011.bin",
            "small-+0011.bin",
            "tiny-00001.bin",
        ] {
            assert_eq!(set.index_of(name), None, "{name}");
        }
    }
}
