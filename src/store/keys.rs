//! Signing keys: stored with their activation times; the first one stored once however many instances
//! start together.

use time::OffsetDateTime;

use super::{Job, Pool, Store, StoreError, from_text, to_text};

/// A stored signing key.
#[derive(Debug, Clone)]
pub struct SigningKeyRow {
    pub id: i64,
    pub kid: String,
    /// base64 PKCS#8 DER.
    pub private_key: String,
    pub created_at: OffsetDateTime,
    /// From this moment on the key signs (until a newer key activates).
    pub activates_at: OffsetDateTime,
    /// When a newer key took, or takes, over: the key stays published a token lifetime longer.
    pub retired_at: Option<OffsetDateTime>,
}

/// A signing key to store.
pub struct NewSigningKey<'a> {
    pub kid: &'a str,
    /// base64 PKCS#8 DER.
    pub private_key: &'a str,
}

impl Store {
    pub async fn signing_keys(&self) -> Result<Vec<SigningKeyRow>, StoreError> {
        type Row = (i64, String, String, String, String, Option<String>);
        let rows: Vec<Row> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "SELECT id, kid, private_key, created_at, activates_at, retired_at
                 FROM signing_keys ORDER BY id",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(id, kid, private_key, created_at, activates_at, retired_at)| SigningKeyRow {
                    id,
                    kid,
                    private_key,
                    created_at: from_text(&created_at),
                    activates_at: from_text(&activates_at),
                    retired_at: retired_at.as_deref().map(from_text),
                },
            )
            .collect())
    }

    /// Id of the newest key: a cheap way for a running server to notice `frontdesk keys rotate`.
    pub async fn newest_signing_key_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT MAX(id) FROM signing_keys")
                .fetch_one(p)
                .await
        })?)
    }

    /// Adds a key that signs from `activates_at` on; every key not yet retired stops signing then,
    /// and stays published until the tokens it signed have expired. One transaction.
    pub async fn add_signing_key(
        &self,
        key: &NewSigningKey<'_>,
        now: OffsetDateTime,
        activates_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (now, activates_at) = (to_text(now), to_text(activates_at));
        on_db!(&self.pool, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
                .bind(&activates_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO signing_keys (kid, private_key, created_at, activates_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(key.kid)
            .bind(key.private_key)
            .bind(&now)
            .bind(&activates_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await)
        .map_err(StoreError::from_write)
    }

    /// Stores `key` as the first signing key, signing at once, unless a key exists already; true when
    /// it was stored. Instances that start together on an empty database each generate a key, and
    /// exactly one is kept: on PostgreSQL the check and the insert run under an advisory lock (a plain
    /// `INSERT ... WHERE NOT EXISTS` is not enough under READ COMMITTED), on SQLite the one statement
    /// runs alone, as every write does.
    pub async fn add_first_signing_key(
        &self,
        key: &NewSigningKey<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        const FIRST: &str = "INSERT INTO signing_keys (kid, private_key, created_at, activates_at)
             SELECT $1, $2, $3, $3 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)";
        let now = to_text(now);
        let inserted = match &self.pool {
            Pool::Sqlite(pool) => sqlx::query(FIRST)
                .bind(key.kid)
                .bind(key.private_key)
                .bind(&now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            Pool::Postgres(pool) => {
                async {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(Job::FirstKey as i64)
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query(FIRST)
                        .bind(key.kid)
                        .bind(key.private_key)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected())
                }
                .await
            }
        }
        .map_err(StoreError::from_write)?;
        Ok(inserted == 1)
    }
}
