//! Who the emulator is: its organization and user, and the key its store signs URLs with.
//! Made when the database is created and read at every start after, so uuids, keys and
//! the presigned URLs handed out stay valid across restarts.

use rusqlite::{Connection, OptionalExtension, params};

/// The emulator's identity.
pub(crate) struct Identity {
    pub(crate) org_uuid: String,
    pub(crate) user_uuid: String,
    /// The credentials of the emulator's own store. Unused when fronting another store,
    /// whose credentials come from the environment and are never written down.
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
}

/// Where the records' objects are. One data directory serves one store: the records of
/// another would claim objects that are not there.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StoreKind<'a> {
    Own { bucket: &'a str },
    External { endpoint: &'a str, bucket: &'a str },
}

impl StoreKind<'_> {
    /// How `meta` records it, which is also how a mismatch is told.
    pub(super) fn describe(self) -> String {
        match self {
            StoreKind::Own { bucket } => format!("the emulator's own store, bucket {bucket:?}"),
            StoreKind::External { endpoint, bucket } => {
                format!("the S3 store at {endpoint}, bucket {bucket:?}")
            }
        }
    }
}

const ORG: &str = "organization_uuid";
const USER: &str = "user_uuid";
const KEY_ID: &str = "access_key_id";
const SECRET: &str = "secret_access_key";
const STORE: &str = "store";

impl Identity {
    /// A new identity, random: URLs from one emulator are worthless to another.
    fn random() -> Identity {
        let hex = |n: usize| -> String {
            (0..n.div_ceil(32))
                .map(|_| uuid::Uuid::new_v4().simple().to_string())
                .collect::<String>()[..n]
                .to_owned()
        };
        Identity {
            org_uuid: uuid::Uuid::new_v4().to_string(),
            user_uuid: uuid::Uuid::new_v4().to_string(),
            access_key_id: format!("AKEMU{}", hex(15).to_uppercase()),
            secret_access_key: hex(40),
        }
    }

    /// Makes and writes the identity of a new database serving `store`.
    pub(super) fn create(sql: &Connection, store: StoreKind<'_>) -> rusqlite::Result<Identity> {
        let identity = Identity::random();
        let mut insert = sql.prepare("INSERT INTO meta (name, value) VALUES (?1, ?2)")?;
        for (name, value) in [
            (ORG, identity.org_uuid.as_str()),
            (USER, &identity.user_uuid),
            (KEY_ID, &identity.access_key_id),
            (SECRET, &identity.secret_access_key),
            (STORE, &store.describe()),
        ] {
            insert.execute(params![name, value])?;
        }
        Ok(identity)
    }

    /// Reads the identity of an existing database; `Err` names the store it serves when
    /// that is not `store`.
    pub(super) fn read(
        sql: &Connection,
        store: StoreKind<'_>,
    ) -> rusqlite::Result<Result<Identity, String>> {
        let stored = read_value(sql, STORE)?;
        if stored != store.describe() {
            return Ok(Err(stored));
        }
        Ok(Ok(Identity {
            org_uuid: read_value(sql, ORG)?,
            user_uuid: read_value(sql, USER)?,
            access_key_id: read_value(sql, KEY_ID)?,
            secret_access_key: read_value(sql, SECRET)?,
        }))
    }
}

/// The organization recorded in `sql`, if the database has one.
pub(super) fn organization(sql: &Connection) -> rusqlite::Result<Option<String>> {
    read_value(sql, ORG).optional()
}

fn read_value(sql: &Connection, name: &str) -> rusqlite::Result<String> {
    sql.query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
        row.get(0)
    })
}
