//! [`PlanError`]: the paths an upload cannot take, all found before any request.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::display;
use crate::error::Error;

/// One path that failed planning.
#[derive(Debug)]
pub struct PlanProblem {
    index: usize,
    path: PathBuf,
    error: Error,
}

impl PlanProblem {
    /// A problem with the path at `index` of the input.
    pub fn new(index: usize, path: impl Into<PathBuf>, error: Error) -> Self {
        Self {
            index,
            path: path.into(),
            error,
        }
    }

    /// Position in the paths given.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why it cannot be uploaded (usually [`Error::LocalFile`], naming the path).
    pub fn error(&self) -> &Error {
        &self.error
    }

    pub(crate) fn into_parts(self) -> (usize, PathBuf, Error) {
        (self.index, self.path, self.error)
    }
}

/// Every path of an upload that cannot be uploaded (missing, unreadable, not a regular
/// file, a name that cannot be sent as UTF-8, over the 5 GiB single-transfer limit). Planning
/// opens every path before any request, so when this is returned nothing was sent.
#[derive(Debug)]
pub struct PlanError {
    problems: Vec<PlanProblem>,
}

impl PlanError {
    /// The problems, in input order. Never empty.
    pub fn problems(&self) -> &[PlanProblem] {
        &self.problems
    }

    /// Builds one from its problems (for tests of code that handles it).
    pub fn new(problems: Vec<PlanProblem>) -> Self {
        Self { problems }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}", one.error),
            [first, rest @ ..] => write!(
                f,
                "{} paths cannot be uploaded, among them {}: {}",
                rest.len() + 1,
                display::path(&first.path),
                first.error
            ),
            [] => f.write_str("no paths to upload"),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.problems
            .first()
            .map(|p| &p.error as &(dyn std::error::Error + 'static))
    }
}
