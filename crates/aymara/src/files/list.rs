//! `client.files().list(..)`: every file matching a filter, fetched a page at a time.
//!
//! Pages are walked by offset, as the service documents: ask again with `offset` advanced
//! by the items received until `offset >= count` or a page comes back empty. The walk is
//! guarded against servers that misbehave and against changes made while it runs: an item
//! already given is never given again (by uuid); the walk never goes past the `count` the
//! latest page reported (files added meanwhile may or may not be listed); and a page with nothing new ends it when no count bounds it,
//! or when the page before had nothing new either (a server ignoring `offset`). So it ends
//! whatever the server answers.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use aymara_api::types::FileTypeFilter;
use sync_wrapper::SyncWrapper;

use crate::Error;
use crate::api::{Api, Response};
use crate::types::{FileDetail, FilePage, FileType};
use aymara_text as display;

/// The most files one page may hold (the service's limit), and the page size used unless
/// [`ListOptions::page_size`] says otherwise. Public because it bounds that option.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Which files to list, and how many per request. Start from [`ListOptions::new`].
///
/// ```
/// use aymara::ListOptions;
/// use aymara::types::FileType;
/// let options = ListOptions::new()
///     .workspace_uuid("3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41")
///     .file_type(FileType::Image)
///     .page_size(50);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    workspace_uuid: Option<String>,
    file_type: Option<FileType>,
    page_size: Option<u32>,
}

/// The query of one page, checked.
pub(crate) struct Query {
    pub workspace_uuid: Option<String>,
    pub file_type: Option<FileTypeFilter>,
    pub limit: NonZeroU64,
}

impl ListOptions {
    /// Every file of the organization, [`MAX_PAGE_SIZE`] per request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the files of this workspace.
    pub fn workspace_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(uuid.into());
        self
    }

    /// Only files of this type: [`FileType::Image`], [`Video`](FileType::Video),
    /// [`Text`](FileType::Text) or [`Document`](FileType::Document).
    pub fn file_type(mut self, kind: FileType) -> Self {
        self.file_type = Some(kind);
        self
    }

    /// Files per request, 1 to [`MAX_PAGE_SIZE`].
    pub fn page_size(mut self, files: u32) -> Self {
        self.page_size = Some(files);
        self
    }

    /// The query parameters, or a [`Error::Config`] naming the option that cannot be sent.
    pub(crate) fn to_query(&self) -> Result<Query, Error> {
        let size = self.page_size.unwrap_or(MAX_PAGE_SIZE);
        let limit = NonZeroU64::new(u64::from(size))
            .filter(|_| size <= MAX_PAGE_SIZE)
            .ok_or_else(|| {
                Error::Config(format!(
                    "the page size must be between 1 and {MAX_PAGE_SIZE}, got {size}"
                ))
            })?;
        let file_type = match &self.file_type {
            None => None,
            Some(FileType::Image) => Some(FileTypeFilter::Image),
            Some(FileType::Video) => Some(FileTypeFilter::Video),
            Some(FileType::Text) => Some(FileTypeFilter::Text),
            Some(FileType::Document) => Some(FileTypeFilter::Document),
            Some(other) => {
                return Err(Error::Config(format!(
                    "cannot list files of type {:?}: the filter takes image, video, text or document",
                    display::escape(other.as_str())
                )));
            }
        };
        Ok(Query {
            workspace_uuid: self.workspace_uuid.clone(),
            file_type,
            limit,
        })
    }
}

/// The page being fetched. A `SyncWrapper` makes the list `Sync` for free: the future is
/// only ever reached through `&mut`, so no lock is needed for that.
type Fetch = SyncWrapper<Pin<Box<dyn Future<Output = Result<Response<FilePage>, Error>> + Send>>>;

/// One page of the files matching `options`, `offset` files in.
pub(crate) async fn page(
    api: &Api,
    options: &ListOptions,
    offset: u64,
) -> Result<Response<FilePage>, Error> {
    let query = options.to_query()?;
    let workspace = query.workspace_uuid.as_deref();
    api.list_page(workspace, query.file_type, query.limit, offset)
        .await
}

/// Every file matching a [`ListOptions`], from [`Files::list`](crate::Files::list): a
/// `futures_core::Stream` of `Result<FileDetail, Error>` that fetches the next page only
/// when the items of the last one have been read, or a page at a time with
/// [`next_page`](Self::next_page).
///
/// No file is given twice, even if the server repeats one (or files are added while the
/// walk runs), and the walk always ends. An error ends it after being given once.
#[must_use = "a listing fetches nothing until it is read"]
pub struct FileList {
    api: Api,
    options: ListOptions,
    /// Where the next page starts.
    offset: u64,
    /// The latest `count` reported: the walk never goes past it.
    bound: Option<u64>,
    /// Uuids already given.
    seen: HashSet<String>,
    /// Items of the last page not read yet (when read one at a time).
    buffered: VecDeque<FileDetail>,
    /// Whether the last page brought nothing new.
    stale: bool,
    fetching: Option<Fetch>,
    done: bool,
}

impl std::fmt::Debug for FileList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileList")
            .field("options", &self.options)
            .field("offset", &self.offset)
            .field("count", &self.bound)
            .field("given", &self.seen.len())
            .field("done", &self.done)
            .finish()
    }
}

impl FileList {
    pub(crate) fn new(api: Api, options: ListOptions) -> Self {
        Self {
            api,
            options,
            offset: 0,
            bound: None,
            seen: HashSet::new(),
            buffered: VecDeque::new(),
            stale: false,
            fetching: None,
            done: false,
        }
    }

    /// How many files match, as the latest page fetched said; `None` before the first page,
    /// or if the service never said.
    pub fn total(&self) -> Option<u64> {
        self.bound
    }

    /// The next file; `None` once every file was given (or after an error).
    pub async fn next_file(&mut self) -> Option<Result<FileDetail, Error>> {
        std::future::poll_fn(|cx| self.poll_next_file(cx)).await
    }

    /// The next page's files not given before (items of a page partly read with
    /// [`next_file`](Self::next_file) come first, as a page of their own); `None` once
    /// every file was given (or after an error). A page is never empty.
    pub async fn next_page(&mut self) -> Option<Result<FilePage, Error>> {
        if !self.buffered.is_empty() {
            let items = self.buffered.drain(..).collect();
            return Some(Ok(FilePage::new(items, self.bound).with_offset(self.offset)));
        }
        std::future::poll_fn(|cx| self.poll_next_page(cx)).await
    }

    fn poll_next_file(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<FileDetail, Error>>> {
        if let Some(file) = self.buffered.pop_front() {
            return Poll::Ready(Some(Ok(file)));
        }
        match ready!(self.poll_next_page(cx)) {
            Some(Ok(page)) => {
                self.buffered.extend(page.into_items());
                Poll::Ready(self.buffered.pop_front().map(Ok))
            }
            Some(Err(error)) => Poll::Ready(Some(Err(error))),
            None => Poll::Ready(None),
        }
    }

    fn poll_next_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<FilePage, Error>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let fetching = match &mut self.fetching {
                Some(fetching) => fetching,
                None => {
                    if self.bound.is_some_and(|count| self.offset >= count) {
                        self.done = true;
                        continue;
                    }
                    let (api, options, offset) =
                        (self.api.clone(), self.options.clone(), self.offset);
                    self.fetching.insert(SyncWrapper::new(Box::pin(async move {
                        page(&api, &options, offset).await
                    })))
                }
            };
            let fetch = fetching.get_mut();
            let result = ready!(fetch.as_mut().poll(cx));
            self.fetching = None;
            match result {
                Err(error) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Ok(response) => {
                    if let Some(page) = self.take(response.into_inner()) {
                        return Poll::Ready(Some(Ok(page)));
                    }
                }
            }
        }
    }

    /// Advances the walk past `page`; returns its items not given before, if any.
    fn take(&mut self, mut page: FilePage) -> Option<FilePage> {
        if let Some(count) = page.count() {
            self.bound = Some(count);
        }
        let received = page.items().len() as u64;
        if received == 0 {
            self.done = true;
            return None;
        }
        self.offset = self.offset.saturating_add(received);
        let seen = &mut self.seen;
        page.retain(|file| seen.insert(file.file_uuid().to_owned()));
        if page.items().is_empty() {
            // Nothing new: files added before the offset can push a page of repeats, but a
            // second in a row, or one with no count to bound the walk, is a server that
            // ignores `offset` and would repeat it for ever.
            self.done = self.stale || self.bound.is_none();
            self.stale = true;
            return None;
        }
        self.stale = false;
        Some(page)
    }
}

impl futures_core::Stream for FileList {
    type Item = Result<FileDetail, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_file(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> FileList {
        let client = crate::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        client.files().list(ListOptions::new())
    }

    fn page(uuids: &[&str], count: Option<u64>) -> FilePage {
        let items = uuids
            .iter()
            .map(|uuid| {
                FileDetail::new()
                    .with_file_uuid(*uuid)
                    .with_file_type(FileType::Text)
            })
            .collect();
        FilePage::new(items, count)
    }

    fn uuids(page: Option<FilePage>) -> Vec<String> {
        page.map(|p| p.items().iter().map(|f| f.file_uuid().to_owned()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn repeats_are_dropped_and_the_latest_count_bounds_the_walk() {
        let mut walk = list();
        assert_eq!(uuids(walk.take(page(&["a", "b"], Some(9)))), ["a", "b"]);
        assert_eq!(uuids(walk.take(page(&["b", "c"], Some(4)))), ["c"]);
        assert_eq!((walk.offset, walk.total(), walk.done), (4, Some(4), false));
        // A page without a count keeps the last one.
        assert_eq!(uuids(walk.take(page(&["d"], None))), ["d"]);
        assert_eq!((walk.offset, walk.total()), (5, Some(4)));
    }

    #[test]
    fn two_pages_of_repeats_in_a_row_end_the_walk() {
        let mut walk = list();
        assert_eq!(uuids(walk.take(page(&["a", "b"], Some(1000)))), ["a", "b"]);
        assert!(walk.take(page(&["a", "b"], Some(1000))).is_none());
        assert!(
            !walk.done,
            "one page of repeats can be files added meanwhile"
        );
        assert!(walk.take(page(&["a", "b"], Some(1000))).is_none());
        assert!(walk.done);
    }

    #[test]
    fn an_empty_page_or_a_repeat_without_count_ends_the_walk() {
        let mut walk = list();
        assert!(walk.take(page(&[], Some(0))).is_none());
        assert_eq!((walk.done, walk.total()), (true, Some(0)));
        let mut walk = list();
        assert_eq!(uuids(walk.take(page(&["a"], None))), ["a"]);
        assert!(!walk.done);
        assert!(walk.take(page(&["a"], None)).is_none());
        assert!(walk.done);
    }

    #[test]
    fn bad_options_are_refused_naming_them() {
        for (options, expected) in [
            (ListOptions::new().page_size(0), "page size"),
            (ListOptions::new().page_size(101), "got 101"),
            (
                ListOptions::new().file_type(FileType::from("audio")),
                "\"audio\"",
            ),
        ] {
            let error = options.to_query().err().unwrap();
            assert!(matches!(error, Error::Config(_)));
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn a_list_can_be_held_anywhere() {
        fn holdable<T: Send + Sync + 'static>() {}
        holdable::<FileList>();
    }
}
