//! `--include` and `--exclude`: globs (globset) matched against each file's path relative
//! to the directory argument it was found under, `/`-separated. `*` matches across `/`, as
//! in `aws s3 sync` (`*.csv` matches `sub/a.csv`); exclude wins over include.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::output;

/// Which files found under a directory argument are uploaded.
#[derive(Debug, Default)]
pub struct Filters {
    /// `None`: no `--include`, every file is in.
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl Filters {
    /// Builds the globs; each that does not parse is one line naming its flag and pattern.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut set = |flag: &str, patterns: &[String]| {
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                match Glob::new(pattern) {
                    Ok(glob) => {
                        builder.add(glob);
                    }
                    Err(e) => problems.push(format!(
                        "--{flag} {:?}: {}",
                        output::text(pattern),
                        output::text(&e.kind().to_string())
                    )),
                }
            }
            builder.build().unwrap_or_else(|_| GlobSet::empty())
        };
        let include = set("include", include);
        let exclude = set("exclude", exclude);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            include: (!include.is_empty()).then_some(include),
            exclude,
        })
    }

    /// Whether a file at `relative` (to its directory argument, `/`-separated) is uploaded.
    pub fn admits(&self, relative: &str) -> bool {
        let included = self
            .include
            .as_ref()
            .is_none_or(|set| set.is_match(relative));
        included && !self.exclude.is_match(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(include: &[&str], exclude: &[&str]) -> Filters {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filters::new(&owned(include), &owned(exclude)).unwrap()
    }

    #[test]
    fn exclude_wins_and_star_crosses_directories() {
        let f = filters(&["*.csv", "images/**"], &["**/draft-*", "images/*.tmp"]);
        assert!(f.admits("a.csv"));
        assert!(f.admits("sub/deep/a.csv"));
        assert!(f.admits("images/cat.png"));
        assert!(!f.admits("notes.jsonl"));
        assert!(!f.admits("sub/draft-a.csv"));
        assert!(!f.admits("images/x.tmp"));
        assert!(filters(&[], &[]).admits("anything/at/all"));
        assert!(!filters(&[], &["*"]).admits("a.csv"));
    }

    #[test]
    fn a_bad_glob_is_one_line_naming_the_flag_and_pattern() {
        let problems =
            Filters::new(&["[a".to_owned()], &["ok".to_owned(), "{x".to_owned()]).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].starts_with("--include \"[a\": "),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("--exclude \"{x\": "),
            "{problems:?}"
        );
    }
}
