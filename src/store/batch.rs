//! The token path's read on PostgreSQL, in batches: requests that arrive while a read is in flight wait
//! for the next one, which reads all of them in one round trip. Every request is still answered by a read
//! that began after it arrived, so a secret or app deleted before a request came is refused, on every
//! instance, exactly as with one read per request; what is saved is the per-query cost in the driver and
//! in PostgreSQL (`bench/token-pg.sh`), which is most of the token endpoint's work beside signing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::ClientSecretRow;
use crate::domain::SecretHash;

/// Most lookups in one read.
const MAX_BATCH: usize = 64;
/// Reads in flight at once per instance.
const WORKERS: usize = 2;

type Key = (String, String);
/// client_id, lookup_id, secret id, secret hash, one scope.
type Row = (String, String, i64, String, Option<String>);
type Answer = Result<Option<ClientSecretRow>, Arc<sqlx::Error>>;

struct Lookup {
    key: Key,
    reply: oneshot::Sender<Answer>,
}

/// The batched reads of one store (see the module's documentation).
#[derive(Debug)]
pub(super) struct SecretReads {
    queue: mpsc::Sender<Lookup>,
    timeout: Duration,
}

const BATCH: &str = "SELECT q.client_id, q.lookup_id, s.id, s.secret_hash, sc.scope
     FROM unnest($1::text[], $2::text[]) AS q (client_id, lookup_id)
     JOIN apps a ON a.client_id = q.client_id
     JOIN app_secrets s ON s.app_id = a.id AND s.lookup_id = q.lookup_id
     LEFT JOIN app_scopes sc ON sc.app_id = a.id";

impl SecretReads {
    /// Starts the workers on the current runtime; they end when the store's last clone is dropped.
    pub(super) fn start(pool: PgPool, timeout: Duration) -> Self {
        let (queue, receiver) = mpsc::channel(4096);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..WORKERS {
            tokio::spawn(work(pool.clone(), receiver.clone()));
        }
        Self { queue, timeout }
    }

    /// The secret of app `client_id` whose lookup id is `lookup_id`, if any; fails after the store's
    /// timeout like any other query.
    pub(super) async fn read(
        &self,
        client_id: &str,
        lookup_id: &str,
    ) -> Result<Option<ClientSecretRow>, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let lookup = Lookup {
            key: (client_id.to_owned(), lookup_id.to_owned()),
            reply,
        };
        let waited = tokio::time::timeout(self.timeout, async {
            self.queue
                .send(lookup)
                .await
                .map_err(|_| sqlx::Error::PoolClosed)?;
            answer.await.map_err(|_| sqlx::Error::PoolClosed)
        })
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
        waited.map_err(|shared| Arc::try_unwrap(shared).unwrap_or_else(|shared| copy_of(&shared)))
    }
}

/// One batch's error for each of its lookups: the same kind where callers tell kinds apart (an
/// unreachable database is a 503, `store::unavailable`), else the same message.
fn copy_of(e: &sqlx::Error) -> sqlx::Error {
    let lost = |message: String| {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            message,
        ))
    };
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")) =>
        {
            lost(db.to_string())
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

async fn work(pool: PgPool, receiver: Arc<Mutex<mpsc::Receiver<Lookup>>>) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(lookup) => batch.push(lookup),
                    Err(_) => break,
                }
            }
            batch
        };
        answer(&pool, batch).await;
    }
}

/// Reads every key of `batch` at once and answers each lookup.
async fn answer(pool: &PgPool, batch: Vec<Lookup>) {
    let mut keys: Vec<&Key> = batch.iter().map(|l| &l.key).collect();
    keys.sort_unstable();
    keys.dedup();
    let (client_ids, lookup_ids): (Vec<&str>, Vec<&str>) =
        keys.iter().map(|(c, l)| (c.as_str(), l.as_str())).unzip();
    let rows: Result<Vec<Row>, sqlx::Error> = sqlx::query_as(BATCH)
        .bind(&client_ids)
        .bind(&lookup_ids)
        .fetch_all(pool)
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let e = Arc::new(e);
            for lookup in batch {
                let _ = lookup.reply.send(Err(e.clone()));
            }
            return;
        }
    };
    let mut found: HashMap<Key, ClientSecretRow> = HashMap::new();
    for (client_id, lookup_id, secret_id, secret_hash, scope) in rows {
        let row = found
            .entry((client_id, lookup_id))
            .or_insert_with(|| ClientSecretRow {
                secret_id,
                secret_hash: SecretHash(secret_hash),
                scopes: Vec::new(),
            });
        row.scopes.extend(scope);
    }
    for lookup in batch {
        let _ = lookup.reply.send(Ok(found.get(&lookup.key).cloned()));
    }
}
