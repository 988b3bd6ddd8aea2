//! Reads on the calling thread. sqlx runs each SQLite statement on a thread of its connection's own,
//! so every query is a round trip between threads: a wake-up each way, a context switch, a task woken
//! again. On the token path that round trip cost several times the read itself (see the profile in the
//! README's performance section). For the one read each token request makes, a plain SQLite connection
//! answers in place instead: an indexed read of pages already in the cache takes microseconds.
//!
//! These connections only read (`query_only`) and never wait for a lock (a busy database is an error
//! here, and the caller asks the pool instead), so they cannot hold up the async thread they run on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Connections to the database file for reads in place, each used by one caller at a time; as many as
/// have ever been in use at once (at most one per thread that reads).
#[derive(Debug)]
pub(super) struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    /// For a database that is a file; `None` for anything else (an in-memory database has no second
    /// connection to it).
    pub(super) fn new(path: &Path) -> Option<Self> {
        path.is_file().then(|| Self {
            path: path.to_owned(),
            idle: Mutex::default(),
        })
    }

    /// Runs `read` on an idle connection, opening one if none is idle.
    pub(super) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::ZERO)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }
}
