//! Turns the command line's paths into the list of files to upload, as `cp` would: a
//! directory needs `--recursive`, and every problem is reported, none skipped.
//!
//! Paths named on the command line are followed if they are symbolic links. Links found
//! while walking a directory are not, unless `--follow-symlinks` is given: they could lead
//! anywhere on the machine. Links left out are returned, so they can be reported.
//!
//! Under a directory, hidden entries (names starting with `.`) are left out unless
//! `--hidden` is given, `.aymara` (this tool's own state) always is, and `--include` and
//! `--exclude` choose among the files. Files named on the command line are always taken.
//!
//! With `--shard K/N`, only the files of shard K are taken: a file found under a directory
//! by its path under that directory, a file named on the command line by its path as given
//! (see [`aymara::Shard`]). The same tree gives every worker the same split.

use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

use crate::filters::Filters;
use crate::output;

/// Where this tool keeps its state (the journal, `--local`'s store): never uploaded.
pub const STATE_DIR: &str = ".aymara";

/// How directories are walked.
#[derive(Debug)]
pub struct Walk<'a> {
    pub recursive: bool,
    pub follow_symlinks: bool,
    /// Take hidden files and directories too.
    pub hidden: bool,
    pub filters: &'a Filters,
    /// `--shard K/N`: take only the files of this shard.
    pub shard: Option<aymara::Shard>,
}

impl Walk<'_> {
    /// Whether a file at `relative` (to the root it was found under) is this run's.
    fn in_shard(&self, relative: &Path) -> bool {
        self.shard.is_none_or(|shard| shard.contains(relative))
    }
}

/// What the command line's paths expand to.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The files to upload, in the order given (directory contents sorted by name).
    pub files: Vec<PathBuf>,
    /// Symbolic links found under a directory and not followed.
    pub skipped_links: Vec<PathBuf>,
    /// Files under a directory left out by `--include`/`--exclude`.
    pub filtered: usize,
    /// Hidden files and directories under a directory left out (not walked into).
    pub hidden: usize,
    /// Files left to the other shards' runs.
    pub other_shards: usize,
}

/// Expands `inputs` into files. Returns every problem found, one line each, if there is any.
pub fn expand(inputs: &[PathBuf], how: &Walk<'_>) -> Result<Expanded, Vec<String>> {
    let mut expanded = Expanded::default();
    let mut problems = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(e) => problems.push(format!("{}: {}", output::path(input), describe(&e))),
            Ok(meta) if meta.is_dir() && !how.recursive => problems.push(format!(
                "{}: is a directory (use --recursive to upload its files)",
                output::path(input)
            )),
            Ok(meta) if meta.is_dir() => {
                let found = |e: &Expanded| (e.files.len(), e.filtered, e.other_shards);
                let before = found(&expanded);
                let hidden = expanded.hidden;
                walk(input, how, &mut expanded, &mut problems);
                if found(&expanded) == before {
                    let hint = match expanded.hidden > hidden {
                        true => " (hidden ones are left out unless --hidden is given)",
                        false => "",
                    };
                    problems.push(format!(
                        "{}: directory contains no files{hint}",
                        output::path(input)
                    ));
                }
            }
            Ok(_) if !how.in_shard(input) => expanded.other_shards += 1,
            Ok(_) => expanded.files.push(input.clone()),
        }
    }
    let none_found = expanded.files.is_empty() && expanded.other_shards == 0;
    if problems.is_empty() && none_found && expanded.filtered > 0 {
        problems.push(format!(
            "no file matches --include/--exclude ({} left out)",
            expanded.filtered
        ));
    }
    if problems.is_empty() {
        Ok(expanded)
    } else {
        Err(problems)
    }
}

/// Walks `dir` as it comes (a sorted walk would hold a whole directory's entries at once,
/// several times the memory of the paths kept), keeping each path at its exact size, then
/// sorts what it found: component by component, that is the order of a walk that visits
/// each directory's entries by name.
fn walk(dir: &Path, how: &Walk<'_>, expanded: &mut Expanded, problems: &mut Vec<String>) {
    let follow = how.follow_symlinks;
    let (files, links) = (expanded.files.len(), expanded.skipped_links.len());
    let exact = |entry: DirEntry| {
        let mut path = entry.into_path().into_os_string();
        path.shrink_to_fit();
        PathBuf::from(path)
    };
    let mut hidden = 0;
    let entries = WalkDir::new(dir)
        .follow_links(follow)
        .into_iter()
        .filter_entry(|entry| {
            let keep = entry.depth() == 0 || taken(entry, how.hidden);
            hidden += usize::from(!keep);
            keep
        });
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) if !how.filters.admits(&relative(dir, entry.path())) => {
                expanded.filtered += 1;
            }
            Ok(entry) if entry.path_is_symlink() && !follow && entry.depth() > 0 => {
                expanded.skipped_links.push(exact(entry));
            }
            Ok(entry) if !how.in_shard(entry.path().strip_prefix(dir).unwrap_or(entry.path())) => {
                expanded.other_shards += 1;
            }
            Ok(entry) => expanded.files.push(exact(entry)),
            Err(e) => {
                let path = output::path(e.path().unwrap_or(dir));
                let reason = e
                    .io_error()
                    .map(describe)
                    .unwrap_or_else(|| "cannot be read (a symlink loop?)".to_string());
                problems.push(format!("{path}: {reason}"));
            }
        }
    }
    expanded.files[files..].sort_unstable();
    expanded.skipped_links[links..].sort_unstable();
    expanded.hidden += hidden;
}

/// Whether an entry under a directory argument is walked: never this tool's state, and
/// hidden ones only with `--hidden`.
fn taken(entry: &DirEntry, hidden: bool) -> bool {
    let name = entry.file_name();
    name != STATE_DIR && (hidden || !name.as_encoded_bytes().starts_with(b"."))
}

/// `path` relative to the directory argument `dir`, `/`-separated, for the filters.
fn relative(dir: &Path, path: &Path) -> String {
    let inner = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<_> = inner
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NO_FILTERS: std::sync::LazyLock<Filters> = std::sync::LazyLock::new(Filters::default);

    fn walk(recursive: bool, follow_symlinks: bool) -> Walk<'static> {
        Walk {
            recursive,
            follow_symlinks,
            hidden: false,
            filters: &NO_FILTERS,
            shard: None,
        }
    }

    fn sharded(k: u32, n: u32, recursive: bool) -> Walk<'static> {
        Walk {
            shard: Some(aymara::Shard::new(k, n).unwrap()),
            ..walk(recursive, false)
        }
    }

    fn names(dir: &Path, files: &[PathBuf]) -> Vec<String> {
        files.iter().map(|p| relative(dir, p)).collect()
    }

    #[test]
    fn hidden_entries_and_the_state_dir_are_left_out_and_filters_apply_under_directories() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.csv",
            "b.jsonl",
            ".env",
            ".git/config",
            ".aymara/journal/x.jsonl",
            "sub/c.csv",
            "sub/.hidden.csv",
            "sub/draft-d.csv",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let input = vec![dir.path().to_path_buf()];
        let plain = expand(&input, &walk(true, false)).unwrap();
        assert_eq!(
            names(dir.path(), &plain.files),
            ["a.csv", "b.jsonl", "sub/c.csv", "sub/draft-d.csv"]
        );
        assert_eq!(plain.hidden, 4);

        let filters = Filters::new(&["*.csv".to_owned()], &["**/draft-*".to_owned()]).unwrap();
        let how = Walk {
            hidden: true,
            filters: &filters,
            ..walk(true, false)
        };
        let chosen = expand(&input, &how).unwrap();
        assert_eq!(
            names(dir.path(), &chosen.files),
            ["a.csv", "sub/.hidden.csv", "sub/c.csv"]
        );
        assert_eq!((chosen.filtered, chosen.hidden), (4, 1), "{chosen:?}");

        // A file named on the command line is taken whatever the filters say.
        let named = vec![dir.path().join(".env")];
        assert_eq!(expand(&named, &how).unwrap().files, named);
        let none = Filters::new(&["*.png".to_owned()], &[]).unwrap();
        let how = Walk {
            filters: &none,
            ..walk(true, false)
        };
        assert_eq!(
            expand(&input, &how).unwrap_err(),
            ["no file matches --include/--exclude (4 left out)"]
        );
    }

    #[test]
    fn shards_split_what_is_found_by_its_path_under_the_root() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for dir in [a.path(), b.path()] {
            for i in 0..30 {
                let path = dir.join(format!("sub/{i}.csv"));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, "x").unwrap();
            }
        }
        let split = |dir: &Path, k| {
            let found = expand(&[dir.to_path_buf()], &sharded(k, 3, true)).unwrap();
            assert_eq!(found.files.len() + found.other_shards, 30);
            names(dir, &found.files)
        };
        let shards: Vec<Vec<String>> = (1..=3).map(|k| split(a.path(), k)).collect();
        let mut all: Vec<String> = shards.concat();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 30, "each file in exactly one shard: {shards:?}");
        assert!(shards.iter().all(|shard| !shard.is_empty()), "{shards:?}");
        // Another root holding the same tree splits the same way.
        for (k, shard) in (1..).zip(&shards) {
            assert_eq!(&split(b.path(), k), shard);
        }

        // A named file goes by its path as given, `./` or not.
        let home = aymara::Shard::new(1, 3)
            .unwrap()
            .of(a.path().join("sub/0.csv"));
        let dotted = vec![a.path().join("./sub/0.csv")];
        assert_eq!(
            expand(&dotted, &sharded(home, 3, false)).unwrap().files,
            dotted
        );
        let elsewhere = expand(&dotted, &sharded(home % 3 + 1, 3, false)).unwrap();
        assert_eq!((elsewhere.files.len(), elsewhere.other_shards), (0, 1));
        // A directory whose files all belong to other shards is no error.
        let only = tempfile::tempdir().unwrap();
        std::fs::write(only.path().join("a.csv"), "x").unwrap();
        let other = aymara::Shard::new(1, 2).unwrap().of("a.csv") % 2 + 1;
        let empty = expand(&[only.path().to_path_buf()], &sharded(other, 2, true)).unwrap();
        assert_eq!((empty.files.len(), empty.other_shards), (0, 1));
    }

    #[test]
    fn directories_need_recursive_and_are_walked_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        // By name in each directory: "a" < "a-b.csv" < "a.csv", so a/x.csv comes first,
        // though '/' sorts after '-' and '.' in a plain string sort.
        for name in ["b.csv", "a.csv", "sub/c.png", "a-b.csv", "a/x.csv"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let input = vec![dir.path().to_path_buf()];
        let flat = expand(&input, &walk(false, false)).unwrap_err();
        assert!(flat[0].ends_with("is a directory (use --recursive to upload its files)"));
        let files = expand(&input, &walk(true, false)).unwrap().files;
        let names: Vec<_> = files
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a/x.csv", "a-b.csv", "a.csv", "b.csv", "sub/c.png"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let missing = dir.path().join("missing.csv");
        let problems = expand(&[missing.clone(), empty.clone()], &walk(true, false)).unwrap_err();
        assert_eq!(
            problems,
            [
                format!("{}: no such file or directory", missing.display()),
                format!("{}: directory contains no files", empty.display()),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_under_a_directory_are_reported_not_followed_unless_asked() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
        symlink(
            outside.path().join("secret.txt"),
            dir.path().join("link.txt"),
        )
        .unwrap();
        let input = vec![dir.path().to_path_buf()];

        let plain = expand(&input, &walk(true, false)).unwrap();
        assert_eq!(plain.files, [dir.path().join("a.csv")]);
        assert_eq!(
            plain.skipped_links,
            [dir.path().join("elsewhere"), dir.path().join("link.txt")]
        );

        let followed = expand(&input, &walk(true, true)).unwrap();
        assert_eq!(followed.files.len(), 3, "{:?}", followed.files);
        assert!(followed.skipped_links.is_empty());

        symlink(dir.path(), dir.path().join("loop")).unwrap();
        let looped = expand(&input, &walk(true, true)).unwrap_err();
        assert!(looped.iter().any(|l| l.contains("loop")), "{looped:?}");
    }
}
