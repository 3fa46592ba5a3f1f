//! The tables, and the numbers that say a database is ours and which version it is.

/// `PRAGMA user_version`: bumped by every change of the tables below, with a migration from
/// the one before. A database with a higher number is refused.
pub(super) const VERSION: i64 = 1;

/// `PRAGMA application_id` ("AYME"): a SQLite file without it is not the emulator's.
pub(super) const APPLICATION_ID: i64 = 0x4159_4d45;

/// Version 1.
///
/// - `meta`: the emulator's identity (organization, user, signing key, store).
/// - `files`: one row per file, in creation order (`seq`, the rowid: rows are never removed,
///   so it has no gaps), its object folded in: `size` and `arrived_ms` once its bytes
///   arrived; `sha256`, `object_content_type` and `puts` when they are in the emulator's
///   own store. Times are milliseconds since the Unix epoch.
/// - `live_counts`: live files per workspace (`''` for none) and type, kept by triggers, so
///   a list's `count` costs nothing however many files there are.
/// - `landings`: objects being moved into place: written before the rename and removed with
///   the commit that records the object, so a start after a kill knows which objects to
///   look at.
pub(super) const CREATE: &str = "
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE files (
    seq INTEGER PRIMARY KEY,
    file_uuid TEXT NOT NULL UNIQUE,
    workspace_uuid TEXT,
    local_file_path TEXT,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_type INTEGER NOT NULL,
    remote_uri TEXT,
    created_ms INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    size INTEGER,
    arrived_ms INTEGER,
    sha256 TEXT,
    object_content_type TEXT,
    puts INTEGER NOT NULL DEFAULT 0,
    failure TEXT,
    failed_ms INTEGER,
    frames_stored INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_live_by_workspace ON files (workspace_uuid, seq) WHERE deleted = 0;
CREATE INDEX files_live_by_type ON files (file_type, seq) WHERE deleted = 0;
CREATE INDEX files_deleted ON files (seq) WHERE deleted = 1;

CREATE TABLE live_counts (
    workspace_uuid TEXT NOT NULL,
    file_type INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (workspace_uuid, file_type)
) WITHOUT ROWID;
CREATE TRIGGER count_created AFTER INSERT ON files WHEN NEW.deleted = 0 BEGIN
    INSERT INTO live_counts VALUES (coalesce(NEW.workspace_uuid, ''), NEW.file_type, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER count_deleted AFTER UPDATE OF deleted ON files
    WHEN OLD.deleted = 0 AND NEW.deleted = 1 BEGIN
    UPDATE live_counts SET n = n - 1
        WHERE workspace_uuid = coalesce(OLD.workspace_uuid, '') AND file_type = OLD.file_type;
END;

CREATE TABLE landings (
    file_uuid TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    by_put INTEGER NOT NULL
) WITHOUT ROWID;
";
