//! Splitting one upload across machines: each worker takes the files of its [`Shard`].

use std::fmt;
use std::path::{Component, Path};
use std::str::FromStr;

use crate::Error;

/// One share, `K` of `N`, of a set of files split among `N` workers (a Kubernetes indexed
/// Job, a Slurm array, GNU `parallel`), so that together they upload every file exactly
/// once with no coordination but the split itself.
///
/// This is how SDK users split a run: every worker lists the same files, keeps those its
/// shard [`contains`](Shard::contains), and uploads them (with a journal of its own, so
/// workers never wait for each other's lock). The `aymara` command line's
/// `files upload --shard K/N` does exactly this.
///
/// ```no_run
/// # async fn run(client: aymara::Client, all: Vec<std::path::PathBuf>) -> Result<(), aymara::Error> {
/// use std::path::Path;
/// // "1/4" … "4/4": one per worker.
/// let shard: aymara::Shard = std::env::var("SHARD").unwrap_or("1/1".into()).parse()?;
/// let root = Path::new("/data/images");
/// let mine: Vec<_> = all
///     .into_iter()
///     .filter(|path| shard.contains(path.strip_prefix(root).unwrap_or(path)))
///     .collect();
/// let report = client.files().upload(mine, aymara::UploadOptions::new()).await?;
/// # let _ = report;
/// # Ok(())
/// # }
/// ```
///
/// # Which shard a file is in
///
/// A file's shard is `xxh3_64(key) % N + 1`: XXH3's 64-bit hash with seed 0 (a published,
/// frozen algorithm, also in Python's `xxhash` package and `xxhsum -H3`) of `key`, the
/// UTF-8 bytes of its path relative to the root the file was found under, with `/`
/// between components. The path is normalized first, so the same file gets the same key on
/// every machine, run and platform: `.` components, repeated separators, a leading root and
/// a Windows drive prefix are dropped, and on Windows `\` separates components like `/`.
/// Give paths relative to a root that all workers share (the directory they walk), not
/// absolute paths, which differ between machines that mount the data at different places.
/// Only the path counts, never the file's size, time or contents, so a file keeps its
/// shard when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` (counting from 1) of `count`. A count of 0, or an index of 0 or
    /// above `count`, is a [`Error::Config`].
    pub fn new(index: u32, count: u32) -> Result<Self, Error> {
        if count == 0 {
            return Err(Error::Config("shard count must be at least 1".to_owned()));
        }
        if index == 0 || index > count {
            return Err(Error::Config(format!(
                "shard {index}/{count} is out of range: K must be from 1 to {count}"
            )));
        }
        Ok(Self { index, count })
    }

    /// Which shard this is, counting from 1 (`K`).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many shards there are (`N`).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Which of the `N` shards, counting from 1, the file at `relative_path` belongs to
    /// (see [Which shard a file is in](Shard#which-shard-a-file-is-in)).
    pub fn of(&self, relative_path: impl AsRef<Path>) -> u32 {
        let hash = xxhash_rust::xxh3::xxh3_64(&key(relative_path.as_ref()));
        // The remainder is below `count`, a u32.
        (hash % u64::from(self.count)) as u32 + 1
    }

    /// Whether the file at `relative_path` is in this shard.
    pub fn contains(&self, relative_path: impl AsRef<Path>) -> bool {
        self.of(relative_path) == self.index
    }
}

/// `K/N`.
impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N`, as in `"2/4"`: two whole numbers, in range as [`Shard::new`] requires.
impl FromStr for Shard {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        let malformed = || {
            Error::Config(format!(
                "shard {:?} is not K/N (two whole numbers, such as 2/4)",
                aymara_text::message(value)
            ))
        };
        let (index, count) = value.split_once('/').ok_or_else(malformed)?;
        let number = |part: &str| match part.bytes().all(|b| b.is_ascii_digit()) {
            true => part.parse::<u32>().map_err(|_| malformed()),
            false => Err(malformed()),
        };
        Self::new(number(index)?, number(count)?)
    }
}

/// The bytes hashed for `path`: its components, normalized as [`Shard`] documents, joined
/// by `/`. A name that is not UTF-8 is taken as the platform stores it.
fn key(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len());
    for component in path.components() {
        let part = match component {
            Component::Normal(name) => name.as_encoded_bytes(),
            Component::ParentDir => b"..",
            Component::CurDir | Component::RootDir | Component::Prefix(_) => continue,
        };
        if !key.is_empty() {
            key.push(b'/');
        }
        key.extend_from_slice(part);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The split is a promise to every worker ever started: these values must never change.
    /// The hashes are Python's `xxhash.xxh3_64_intdigest` of the same bytes.
    #[test]
    fn known_paths_keep_their_known_shards() {
        // XXH3-64 with seed 0, as published (xxHash's sanity value for the empty input).
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b""), 0x2d06_8005_38d3_94c2);
        let golden = [
            ("a.csv", 0x9fed_0157_ac01_09ca, 3, 5),
            ("data/prompts.csv", 0x49e6_4a66_888b_2456, 3, 1),
            ("images/cat.png", 0x9993_c916_1c50_7b70, 1, 5),
            ("set/item-0000.jsonl", 0x361f_0b3c_317f_3472, 3, 1),
            ("set/item-0999.jsonl", 0x8a61_55f9_a307_5b26, 3, 1),
            ("vidéos/été.mp4", 0xa4f2_da23_1872_6ab9, 2, 5),
            ("../shared/x.bin", 0x21d0_aa20_8237_f935, 2, 5),
        ];
        let (four, seven) = (Shard::new(1, 4).unwrap(), Shard::new(7, 7).unwrap());
        for (path, hash, of_four, of_seven) in golden {
            assert_eq!(
                xxhash_rust::xxh3::xxh3_64(&key(Path::new(path))),
                hash,
                "{path}"
            );
            assert_eq!(
                (four.of(path), seven.of(path)),
                (of_four, of_seven),
                "{path}"
            );
            assert_eq!(four.contains(path), of_four == 1, "{path}");
            assert_eq!(seven.contains(path), of_seven == 7, "{path}");
        }
        assert_eq!(Shard::new(1, 1).unwrap().of("anything"), 1);
    }

    #[test]
    fn spellings_of_one_relative_path_share_a_key() {
        for spelling in [
            "data/prompts.csv",
            "./data/prompts.csv",
            "data//./prompts.csv",
        ] {
            assert_eq!(key(Path::new(spelling)), b"data/prompts.csv", "{spelling}");
        }
        assert_eq!(key(Path::new("/data/prompts.csv")), b"data/prompts.csv");
        if cfg!(windows) {
            assert_eq!(key(Path::new(r"C:\data\prompts.csv")), b"data/prompts.csv");
            assert_eq!(key(Path::new(r".\data/prompts.csv")), b"data/prompts.csv");
        } else {
            // Elsewhere `\` is a character a name may hold.
            assert_eq!(key(Path::new(r"data\prompts.csv")), br"data\prompts.csv");
        }
    }

    #[test]
    fn k_of_n_parses_and_anything_else_says_why_not() {
        let shard: Shard = "2/4".parse().unwrap();
        assert_eq!(
            (shard.index(), shard.count(), shard.to_string()),
            (2, 4, "2/4".into())
        );
        let refused = |value: &str| value.parse::<Shard>().unwrap_err().to_string();
        assert_eq!(
            refused("0/4"),
            "shard 0/4 is out of range: K must be from 1 to 4"
        );
        assert_eq!(
            refused("5/4"),
            "shard 5/4 is out of range: K must be from 1 to 4"
        );
        assert_eq!(refused("1/0"), "shard count must be at least 1");
        for malformed in [
            "x",
            "2",
            "2/",
            "/4",
            "2/4/8",
            "-1/4",
            "+1/4",
            "1.5/4",
            "1/4x",
            "1/99999999999",
        ] {
            assert_eq!(
                refused(malformed),
                format!("shard {malformed:?} is not K/N (two whole numbers, such as 2/4)")
            );
        }
        assert!(matches!(Shard::new(3, 2), Err(Error::Config(_))));
    }
}
