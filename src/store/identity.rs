//! What the identity endpoints read and write: client secrets by lookup id, revoked tokens (signing keys
//! are in `keys`).

use time::OffsetDateTime;

use super::{AppStanding, Store, StoreError, from_text, to_text};
use crate::domain::{AppKind, SecretHash};

/// One use of a secret: when, and from which client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretUse {
    pub at: OffsetDateTime,
    pub addr: Option<std::net::IpAddr>,
}

/// The one secret a presented credential can match, with what a token for it needs.
#[derive(Debug, Clone)]
pub struct ClientSecretRow {
    pub secret_id: i64,
    pub secret_hash: SecretHash,
    /// The app's scopes, in no particular order.
    pub scopes: Vec<String>,
    /// Which grant the app may use.
    pub kind: AppKind,
    /// When the secret stops working; `None`: never.
    pub expires_at: Option<OffsetDateTime>,
    /// The app is suspended: no secret of it works until it is resumed.
    pub suspended: bool,
    /// The app's own access-token lifetime in seconds; `None`: the server's.
    pub token_lifetime_seconds: Option<i64>,
    /// Addresses and ranges the app may ask from, one per line as stored; empty: any.
    pub allowed_addresses: String,
}

/// The token path's one read: the secret by client ID and lookup id, with what decides whether it may
/// get a token now; the app's scopes as extra rows.
const CLIENT_SECRET: &str = "SELECT s.id, s.secret_hash, sc.scope, a.kind,
            s.expires_at, a.suspended_at IS NOT NULL, a.token_lifetime_seconds, a.allowed_addresses
     FROM apps a
     JOIN app_secrets s ON s.app_id = a.id
     LEFT JOIN app_scopes sc ON sc.app_id = a.id
     WHERE a.client_id = $1 AND s.lookup_id = $2";

impl Store {
    /// The secret of app `client_id` whose lookup id is `lookup_id`, if any. One round trip: the scopes
    /// come as extra rows of the same join. Read on every token request (so a deleted secret or app
    /// stops working at once, on every instance), hence read in place when the database allows.
    pub async fn client_secret(
        &self,
        client_id: &str,
        lookup_id: &str,
    ) -> Result<Option<ClientSecretRow>, StoreError> {
        if !super::searchable(client_id) || !super::searchable(lookup_id) {
            return Ok(None);
        }
        if let Some(found) = self.client_secret_in_place(client_id, lookup_id) {
            return found;
        }
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            bool,
            Option<i64>,
            String,
        );
        let rows: Vec<Row> = on_db!(&self.pool, p => {
            sqlx::query_as(CLIENT_SECRET)
                .bind(client_id)
                .bind(lookup_id)
                .fetch_all(p)
                .await
        })?;
        let Some((secret_id, secret_hash, _, kind, expires_at, suspended, lifetime, allowed)) =
            rows.first()
        else {
            return Ok(None);
        };
        Ok(Some(ClientSecretRow {
            secret_id: *secret_id,
            secret_hash: SecretHash(secret_hash.clone()),
            scopes: rows.iter().filter_map(|row| row.2.clone()).collect(),
            kind: AppKind::from_stored(kind),
            expires_at: expires_at.as_deref().map(from_text),
            suspended: *suspended,
            token_lifetime_seconds: *lifetime,
            allowed_addresses: allowed.clone(),
        }))
    }

    /// `client_secret` on the calling thread (see `store::inline`); `None` when that cannot be done
    /// (a database in memory, or busy), and the pool is asked instead.
    fn client_secret_in_place(
        &self,
        client_id: &str,
        lookup_id: &str,
    ) -> Option<Result<Option<ClientSecretRow>, StoreError>> {
        let inline = self.inline.as_ref()?;
        if on_db!(&self.pool, p => p.is_closed()) {
            // As the pool answers once the store is closed.
            return Some(Err(sqlx::Error::PoolClosed.into()));
        }
        let read = inline.read(|conn| {
            let mut statement = conn.prepare_cached(CLIENT_SECRET)?;
            let mut rows = statement.query((client_id, lookup_id))?;
            let mut found: Option<ClientSecretRow> = None;
            while let Some(row) = rows.next()? {
                let secret = match &mut found {
                    Some(secret) => secret,
                    None => found.insert(ClientSecretRow {
                        secret_id: row.get(0)?,
                        secret_hash: SecretHash(row.get(1)?),
                        scopes: Vec::with_capacity(4),
                        kind: AppKind::from_stored(&row.get::<_, String>(3)?),
                        expires_at: row.get::<_, Option<String>>(4)?.as_deref().map(from_text),
                        suspended: row.get(5)?,
                        token_lifetime_seconds: row.get(6)?,
                        allowed_addresses: row.get(7)?,
                    }),
                };
                if let Some(scope) = row.get::<_, Option<String>>(2)? {
                    secret.scopes.push(scope);
                }
            }
            Ok(found)
        });
        match read {
            Ok(found) => Some(Ok(found)),
            Err(e) => {
                tracing::debug!(error = %e, "reading a client secret in place failed; asking the pool");
                None
            }
        }
    }

    /// The standing of app `client_id` while it still has secret `secret_id` (what decides whether a
    /// token that secret obtained is still active, in one read); `None` when the app or secret is gone.
    pub async fn secret_standing(
        &self,
        client_id: &str,
        secret_id: i64,
    ) -> Result<Option<AppStanding>, StoreError> {
        if !super::searchable(client_id) {
            return Ok(None);
        }
        let row: Option<(bool, Option<String>)> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT a.suspended_at IS NOT NULL, a.tokens_not_before
                 FROM app_secrets s JOIN apps a ON a.id = s.app_id
                 WHERE a.client_id = $1 AND s.id = $2",
            )
            .bind(client_id)
            .bind(secret_id)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(AppStanding::of_row))
    }

    /// Records when secrets were last used, and from which client address; called in batches, not once
    /// per token.
    pub async fn record_secret_use(&self, uses: &[(i64, SecretUse)]) -> Result<(), StoreError> {
        // Monotonic: an instance with an older time never overwrites a newer one written by another;
        // the address is written with its time, so the two always describe the same use.
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            for (id, used) in uses {
                sqlx::query(
                    "UPDATE app_secrets SET last_used_at = $1, last_used_addr = $3
                     WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
                )
                .bind(to_text(used.at))
                .bind(id)
                .bind(used.addr.map(|a| a.to_string()))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    pub async fn revoke_token(
        &self,
        jti: &str,
        client_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        on_db!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (jti) DO NOTHING",
            )
            .bind(jti)
            .bind(client_id)
            .bind(to_text(expires_at))
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn token_is_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let n: i64 = on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM revoked_tokens WHERE jti = $1")
                .bind(jti)
                .fetch_one(p)
                .await
        })?;
        Ok(n > 0)
    }

    /// Forgets revocations of tokens that have expired anyway.
    pub async fn purge_revoked_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
                .bind(to_text(now))
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exec(store: &Store, sql: &str) {
        let super::super::Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite file")
        };
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    }

    /// The in-place read is what the token path uses, and it sees every change the pool commits at once.
    #[tokio::test]
    async fn the_read_in_place_sees_scope_changes_and_deletions_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        exec(
            &store,
            "INSERT INTO apps (id, client_id, account_code, client_code, client_name, pii_mode, created_at)
             VALUES (1, 'DEMO-SP-A', 'DEMO', 'A', 'A', 'Retrieve', '2026-01-01T00:00:00Z');
             INSERT INTO app_scopes (app_id, scope) VALUES (1, 'setup.read');
             INSERT INTO app_secrets (id, app_id, description, lookup_id, secret_hash, created_at)
             VALUES (7, 1, 'd', 'abcdefgh', 'hash', '2026-01-01T00:00:00Z')",
        )
        .await;
        let read = |lookup: &str| {
            let row = store
                .client_secret_in_place("DEMO-SP-A", lookup)
                .expect("read in place, not through the pool")
                .unwrap();
            row.map(|r| (r.secret_id, r.secret_hash.0, r.scopes))
        };

        assert_eq!(
            read("abcdefgh"),
            Some((7, "hash".to_owned(), vec!["setup.read".to_owned()]))
        );
        assert_eq!(read("zzzzzzzz"), None);

        exec(&store, "DELETE FROM app_scopes").await;
        assert_eq!(read("abcdefgh"), Some((7, "hash".to_owned(), vec![])));

        exec(&store, "DELETE FROM app_secrets WHERE id = 7").await;
        assert_eq!(read("abcdefgh"), None);
        assert!(
            store
                .client_secret("DEMO-SP-A", "abcdefgh")
                .await
                .unwrap()
                .is_none()
        );
    }
}
