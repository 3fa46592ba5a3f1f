//! Listing: live files in creation order, paged by offset as the API pages.
//!
//! SQL's `OFFSET` costs as much as the rows it skips, so a walk of a million files page by
//! page would be quadratic. A page is read instead as the rows after a known one
//! (`seq > after`, on an index), and that row is found by, in turn:
//! 1. a cursor remembered by the page before: the page that ended at this offset, for these
//!    filters, remembered its last row, so a walk costs O(page) per page;
//! 2. without filters, arithmetic: `seq` has no gaps, so the row at offset `k` is the
//!    `k + 1`-th not deleted, found by counting deleted rows on their own small index;
//! 3. with filters, skipping on the filter's index from the nearest cursor before it.
//!
//! A list's `count` is a sum over `live_counts`. The cursors are few and forgotten on any
//! delete (it moves the offsets after it); files created meanwhile come after every cursor.

use std::collections::VecDeque;

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::records::{COLUMNS, record};
use super::{Conn, DbError};
use crate::files::{FileRecord, FileType};

/// Cursors kept: enough for a few walks at once, nothing that grows with the files.
const REMEMBERED: usize = 64;

/// What a list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListFilter {
    pub(crate) workspace_uuid: Option<String>,
    pub(crate) file_type: Option<FileType>,
}

impl ListFilter {
    /// The filter's conditions (each column appears in both `files` and `live_counts`),
    /// and their values in order.
    fn sql(&self) -> (String, Vec<Value>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        if let Some(workspace) = &self.workspace_uuid {
            sql.push_str(" AND workspace_uuid = ?");
            values.push(Value::Text(workspace.clone()));
        }
        if let Some(file_type) = self.file_type {
            sql.push_str(" AND file_type = ?");
            values.push(Value::Integer(file_type.code()));
        }
        (sql, values)
    }
}

/// Where recent pages ended: `after` is the `seq` of the row at `offset - 1`.
#[derive(Default)]
pub(super) struct Cursors {
    recent: VecDeque<Cursor>,
}

struct Cursor {
    filter: ListFilter,
    offset: u64,
    after: i64,
}

impl Cursors {
    /// The most recent cursor at exactly `offset`, else the nearest one before it.
    fn nearest(&self, filter: &ListFilter, offset: u64) -> Option<(u64, i64)> {
        self.recent
            .iter()
            .filter(|c| &c.filter == filter && c.offset <= offset)
            .max_by_key(|c| c.offset)
            .map(|c| (c.offset, c.after))
    }

    fn remember(&mut self, filter: &ListFilter, offset: u64, after: i64) {
        self.recent
            .retain(|c| !(c.offset == offset && &c.filter == filter));
        if self.recent.len() == REMEMBERED {
            self.recent.pop_back();
        }
        self.recent.push_front(Cursor {
            filter: filter.clone(),
            offset,
            after,
        });
    }

    pub(super) fn clear(&mut self) {
        self.recent.clear();
    }
}

impl Conn {
    /// Up to `limit` live files from `offset` on, in creation order, and how many match
    /// `filter` in all.
    pub(crate) fn list(
        &mut self,
        filter: &ListFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<FileRecord>, u64), DbError> {
        let (conditions, values) = filter.sql();
        let count: u64 = self
            .sql
            .prepare_cached(&format!(
                "SELECT coalesce(sum(n), 0) FROM live_counts WHERE 1{conditions}"
            ))?
            .query_row(params_from_iter(&values), |row| row.get(0))?;
        if offset >= count || limit == 0 {
            return Ok((Vec::new(), count));
        }
        let after = self.start_after(filter, offset)?;
        let mut select = self.sql.prepare_cached(&format!(
            "SELECT seq, {COLUMNS} FROM files WHERE deleted = 0{conditions} AND seq > ? \
             ORDER BY seq LIMIT ?"
        ))?;
        let page_values = values
            .iter()
            .cloned()
            .chain([after.into(), limit_value(limit)]);
        let mut last = after;
        let org = &self.org_uuid;
        let page = select
            .query_map(params_from_iter(page_values), |row| {
                last = row.get(0)?;
                record(org, row, 1)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(select);
        self.cursors
            .remember(filter, offset + page.len() as u64, last);
        Ok((page, count))
    }

    /// The `seq` of the row just before `offset` (0 for the start).
    fn start_after(&self, filter: &ListFilter, offset: u64) -> Result<i64, DbError> {
        if offset == 0 {
            return Ok(0);
        }
        let from = self.cursors.nearest(filter, offset);
        if let Some((at, after)) = from
            && at == offset
        {
            return Ok(after);
        }
        if filter == &ListFilter::default() {
            return self.nth_live(offset);
        }
        let (at, after) = from.unwrap_or((0, 0));
        let (conditions, values) = filter.sql();
        let skip = offset - 1 - at;
        let values = values.into_iter().chain([after.into(), limit_value(skip)]);
        Ok(self
            .sql
            .prepare_cached(&format!(
                "SELECT seq FROM files WHERE deleted = 0{conditions} AND seq > ? \
                 ORDER BY seq LIMIT 1 OFFSET ?"
            ))?
            .query_row(params_from_iter(values), |row| row.get(0))?)
    }

    /// The `seq` of the `n`-th live file (from 1): `n` plus the deleted rows up to it, since
    /// `seq` counts every row ever created, from 1, with no gaps.
    fn nth_live(&self, n: u64) -> Result<i64, DbError> {
        let mut seq = i64::try_from(n).unwrap_or(i64::MAX);
        let mut deleted = self
            .sql
            .prepare_cached("SELECT seq FROM files WHERE deleted = 1 ORDER BY seq")?;
        let mut rows = deleted.query([])?;
        while let Some(row) = rows.next()? {
            let gone: i64 = row.get(0)?;
            if gone > seq {
                break;
            }
            seq += 1;
        }
        Ok(seq)
    }
}

fn limit_value(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::db::{StoreKind, open_memory};

    fn record(i: usize) -> FileRecord {
        let file_uuid = uuid::Uuid::new_v4().to_string();
        FileRecord {
            key: format!("org/{file_uuid}/f{i}"),
            file_uuid,
            workspace_uuid: i.is_multiple_of(3).then(|| "ws-a".to_owned()),
            local_file_path: Some(format!("f{i}")),
            content_type: if i.is_multiple_of(2) {
                "text/csv"
            } else {
                "image/png"
            }
            .to_owned(),
            remote_uri: None,
            created_at: SystemTime::UNIX_EPOCH,
            arrival: None,
            stored: None,
            failure: None,
            deleted: false,
            frames_stored: false,
        }
    }

    /// Every way to find a page's start (cursor, arithmetic, skip) gives what a scan of
    /// every record gives, for every filter, through deletes and new files.
    #[test]
    fn pages_match_a_full_scan_for_every_filter_and_offset() {
        let (db, _) = open_memory(StoreKind::Own { bucket: "b" }).unwrap();
        let mut all: Vec<FileRecord> = (0..60).map(record).collect();
        db.run(|conn| conn.insert(&all)).unwrap();
        let filters = [
            ListFilter::default(),
            ListFilter {
                workspace_uuid: Some("ws-a".into()),
                file_type: None,
            },
            ListFilter {
                workspace_uuid: None,
                file_type: Some(FileType::Image),
            },
            ListFilter {
                workspace_uuid: Some("ws-a".into()),
                file_type: Some(FileType::Text),
            },
        ];
        let check = |all: &[FileRecord]| {
            for filter in &filters {
                let expected: Vec<&str> = all
                    .iter()
                    .filter(|r| !r.deleted)
                    .filter(|r| {
                        filter
                            .workspace_uuid
                            .as_ref()
                            .is_none_or(|w| r.workspace_uuid.as_ref() == Some(w))
                            && filter.file_type.is_none_or(|t| r.file_type() == t)
                    })
                    .map(|r| r.file_uuid.as_str())
                    .collect();
                let page = |offset: u64, limit: u64| {
                    let (page, count) = db.run(|c| c.list(filter, offset, limit)).unwrap();
                    assert_eq!(count, expected.len() as u64, "{filter:?}");
                    page.into_iter().map(|r| r.file_uuid).collect::<Vec<_>>()
                };
                let want = |offset: u64, limit: u64| {
                    let start = (offset as usize).min(expected.len());
                    let end = (start + limit as usize).min(expected.len());
                    expected[start..end].to_vec()
                };
                // A walk in pages of 7: each page starts at the cursor the one before left.
                let mut walked = Vec::new();
                for offset in (0..expected.len() as u64 + 7).step_by(7) {
                    walked.extend(page(offset, 7));
                }
                assert_eq!(walked, expected, "{filter:?}");
                // Every offset, in pages of 2: from the nearest cursor before it.
                for offset in 0..expected.len() as u64 {
                    assert_eq!(page(offset, 2), want(offset, 2), "{filter:?} at {offset}");
                }
                // Every offset with no cursor at all.
                for offset in (0..expected.len() as u64).rev() {
                    db.run(|c| {
                        c.cursors.clear();
                        Ok(())
                    })
                    .unwrap();
                    assert_eq!(page(offset, 3), want(offset, 3), "{filter:?} at {offset}");
                }
            }
        };
        check(&all);
        for i in [0, 1, 5, 6, 30, 59] {
            assert!(db.run(|c| c.delete(&all[i].file_uuid)).unwrap());
            all[i].deleted = true;
        }
        assert!(!db.run(|c| c.delete(&all[0].file_uuid)).unwrap(), "once");
        check(&all);
        let more: Vec<FileRecord> = (60..70).map(record).collect();
        db.run(|conn| conn.insert(&more)).unwrap();
        all.extend(more);
        check(&all);
    }
}
