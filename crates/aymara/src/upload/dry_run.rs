//! A dry run: what an upload would do with these paths and options, found the way the
//! upload finds it (planning, then the journal), without any request.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::plan;
use crate::upload::options::UploadOptions;
use crate::upload::report::SkippedFile;
use crate::upload::skip;

/// What an upload would do with each path, in input order; see [`UploadPlan::build`].
///
/// ```no_run
/// # async fn run() -> Result<(), aymara::Error> {
/// let journal = aymara::FileJournal::open_read_only(".aymara/journal.jsonl")?;
/// let options = aymara::UploadOptions::new().journal(journal);
/// let plan = aymara::UploadPlan::build(["data/a.csv", "data/b.csv"], &options).await?;
/// for entry in plan.entries() {
///     if let aymara::PlanAction::Upload { size_bytes, .. } = entry.action() {
///         println!("would upload {} ({size_bytes} bytes)", entry.path().display());
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct UploadPlan {
    entries: Vec<PlanEntry>,
}

/// One input path and what an upload would do with it.
#[derive(Debug)]
pub struct PlanEntry {
    index: usize,
    path: PathBuf,
    action: PlanAction,
}

/// What an upload would do with one path.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlanAction {
    /// Send it.
    #[non_exhaustive]
    Upload {
        /// Its size.
        size_bytes: u64,
        /// The `Content-Type` it would be sent with.
        content_type: String,
    },
    /// Skip it: the journal says it is stored already.
    Skip(SkippedFile),
    /// Refuse it (missing, unreadable, not a regular file, …): a real upload would fail as
    /// a whole with [`Error::Plan`] before sending anything.
    Refuse(Error),
}

impl UploadPlan {
    /// Plans an upload of `paths` with `options` as [`Files::upload`](crate::Files::upload)
    /// would: every path is checked, and the journal, if any, is asked. Sends nothing and
    /// needs no client. Fails only for invalid options or a journal that cannot be read.
    pub async fn build<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
        options: &UploadOptions,
    ) -> Result<Self, Error> {
        options.validate()?;
        let paths = paths.into_iter().map(Into::into).collect();
        let (planned, problems) = plan::plan_each(paths, options.content_type.clone()).await?;
        let (send, skipped) = skip::split(planned, options).await?;
        let mut entries: Vec<PlanEntry> = send
            .into_iter()
            .map(|file| PlanEntry {
                index: file.index,
                action: PlanAction::Upload {
                    size_bytes: file.size,
                    content_type: file.content_type.as_str().to_owned(),
                },
                path: PathBuf::from(file.local_file_path),
            })
            .chain(skipped.into_iter().map(|(file, skipped)| PlanEntry {
                index: file.index,
                path: PathBuf::from(file.local_file_path),
                action: PlanAction::Skip(skipped),
            }))
            .collect();
        entries.extend(problems.into_iter().map(|problem| {
            let (index, path, error) = problem.into_parts();
            PlanEntry {
                index,
                path,
                action: PlanAction::Refuse(error),
            }
        }));
        Ok(Self::new(entries))
    }

    /// A plan of these entries (sorted into input order), to fake one in tests.
    pub fn new(mut entries: Vec<PlanEntry>) -> Self {
        entries.sort_by_key(|e| e.index);
        Self { entries }
    }

    /// One per input path, in input order.
    pub fn entries(&self) -> &[PlanEntry] {
        &self.entries
    }
}

impl PlanEntry {
    /// What to do with the path at `index` of the input.
    pub fn new(index: usize, path: impl Into<PathBuf>, action: PlanAction) -> Self {
        Self {
            index,
            path: path.into(),
            action,
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

    /// What an upload would do with it.
    pub fn action(&self) -> &PlanAction {
        &self.action
    }
}

impl PlanAction {
    /// Send a file of this size with this `Content-Type`.
    pub fn upload(size_bytes: u64, content_type: impl Into<String>) -> Self {
        PlanAction::Upload {
            size_bytes,
            content_type: content_type.into(),
        }
    }
}
