//! One page of `GET /v2/files`.

use aymara_api::types as generated;

use crate::types::{FileDetail, FromGenerated};

/// One page of a file listing: its items, and how many files match in all.
///
/// ```
/// use aymara::types::{FileDetail, FilePage, FileType};
/// let file = FileDetail::new().with_file_uuid("a").with_file_type(FileType::Text);
/// let page = FilePage::new(vec![file], Some(3));
/// assert_eq!((page.items().len(), page.count()), (1, Some(3)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FilePage {
    items: Vec<FileDetail>,
    count: Option<u64>,
    offset: u64,
}

impl FilePage {
    /// A fake page at offset 0, for tests of code that reads one.
    pub fn new(items: Vec<FileDetail>, count: Option<u64>) -> Self {
        Self {
            items,
            count,
            offset: 0,
        }
    }

    /// At this offset.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The files of this page.
    pub fn items(&self) -> &[FileDetail] {
        &self.items
    }

    /// The files, owned.
    pub fn into_items(self) -> Vec<FileDetail> {
        self.items
    }

    /// How many files match in all, across pages, when the service said.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// How many matching files the page skipped.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn retain(&mut self, keep: impl FnMut(&FileDetail) -> bool) {
        self.items.retain(keep);
    }
}

impl FromGenerated<generated::FileListResponse> for FilePage {
    fn from_generated(page: generated::FileListResponse) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(FileDetail::from_generated)
                .collect(),
            // A negative count is nonsense: nothing more to fetch.
            count: page.count.map(|n| u64::try_from(n).unwrap_or(0)),
            offset: 0,
        }
    }
}
