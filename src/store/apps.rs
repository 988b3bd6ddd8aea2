//! The `apps`, `app_scopes` and `app_secrets` tables.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

use super::{AuditEntry, Store, StoreError, audit, from_text};
use crate::domain::{AccountCode, ClientCode, ClientId, PiiMode, SecretHash};

/// At most this many secrets per app.
pub const MAX_SECRETS_PER_APP: i64 = 10;

/// What the create form produced, already checked.
pub struct NewApp<'a> {
    pub account: &'a AccountCode,
    pub client_code: &'a ClientCode,
    pub client_id: &'a ClientId,
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
    pub secret: NewSecret<'a>,
    pub created_by: i64,
}

/// A secret to store: its description, lookup id and argon2id hash (never the value).
pub struct NewSecret<'a> {
    pub description: &'a str,
    pub lookup_id: &'a str,
    pub hash: &'a SecretHash,
}

/// A row of the Connected apps list.
#[derive(Debug, Clone)]
pub struct AppSummary {
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scope_count: i64,
    pub created_at: OffsetDateTime,
}

/// Everything the app page shows.
#[derive(Debug, Clone)]
pub struct AppDetail {
    pub id: i64,
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scopes: Vec<String>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub secrets: Vec<SecretInfo>,
}

/// A secret as the app page lists it: never its value or hash.
#[derive(Debug, Clone)]
pub struct SecretInfo {
    pub id: i64,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub last_used_at: Option<OffsetDateTime>,
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSort {
    NewestFirst,
    OldestFirst,
    NameAz,
    NameZa,
}

/// One page of the list.
pub struct AppQuery<'a> {
    pub account: &'a AccountCode,
    /// Case-insensitive substring of the name, client ID or client code.
    pub search: Option<&'a str>,
    pub sort: AppSort,
    pub limit: i64,
    pub offset: i64,
}

/// The changes the edit form may make.
pub struct AppEdit<'a> {
    pub client_name: &'a str,
    pub pii_mode: PiiMode,
    pub scopes: &'a [String],
}

/// Why adding a secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum AddSecretError {
    #[error("the app already has the most secrets allowed")]
    TooMany,
    #[error("no such app")]
    NoApp,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What the list's search looks in: name and client ID (which holds the client code), lower-cased here
/// rather than in SQL, whose `lower()` knows only ASCII.
fn search_text(client_name: &str, client_id: &str) -> String {
    format!("{client_name} {client_id}").to_lowercase()
}

fn push_filter(qb: &mut QueryBuilder<'_, Sqlite>, q: &AppQuery<'_>) {
    qb.push(" WHERE a.account_code = ")
        .push_bind(q.account.as_str().to_owned());
    if let Some(search) = q.search {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        qb.push(" AND a.search_text LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\'");
    }
}

fn secret_info(row: &SqliteRow) -> Result<SecretInfo, sqlx::Error> {
    Ok(SecretInfo {
        id: row.try_get("id")?,
        description: row.try_get("description")?,
        created_at: from_text(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        last_used_at: row
            .try_get::<Option<String>, _>("last_used_at")?
            .as_deref()
            .map(from_text),
    })
}

async fn insert_scopes(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    app_id: i64,
    scopes: &[String],
) -> Result<(), sqlx::Error> {
    for scope in scopes {
        sqlx::query("INSERT INTO app_scopes (app_id, scope) VALUES ($1, $2)")
            .bind(app_id)
            .bind(scope)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Writes the app, its scopes, its first secret and the audit row in one transaction.
    /// `Duplicate(ClientCode)` (or `ClientId`, made of the codes) when the client code is already taken
    /// in the account.
    pub async fn create_app(
        &self,
        app: NewApp<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        let mut tx = self.pool.begin().await?;
        let app_id: i64 = sqlx::query_scalar(
            "INSERT INTO apps (client_id, account_code, client_code, client_name, search_text, pii_mode,
                               created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(app.client_id.as_str())
        .bind(app.account.as_str())
        .bind(app.client_code.as_str())
        .bind(app.client_name)
        .bind(search_text(app.client_name, app.client_id.as_str()))
        .bind(app.pii_mode.as_str())
        .bind(&now)
        .bind(app.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_write)?;

        insert_scopes(&mut tx, app_id, app.scopes).await?;
        sqlx::query(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(app_id)
        .bind(app.secret.description)
        .bind(app.secret.lookup_id)
        .bind(&app.secret.hash.0)
        .bind(&now)
        .bind(app.created_by)
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, &audit_entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn client_code_taken(
        &self,
        account: &AccountCode,
        code: &ClientCode,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM apps WHERE account_code = $1 AND client_code = $2",
        )
        .bind(account.as_str())
        .bind(code.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// How many apps match the query's filter (for pagination).
    pub async fn count_apps(&self, q: &AppQuery<'_>) -> Result<i64, StoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM apps a");
        push_filter(&mut qb, q);
        Ok(qb.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// One page of the account's apps. The page is chosen first (by index), then only its rows get their
    /// scopes counted, so the cost does not grow with the number of apps.
    pub async fn list_apps(&self, q: &AppQuery<'_>) -> Result<Vec<AppSummary>, StoreError> {
        let order = match q.sort {
            AppSort::NewestFirst => "X.created_at DESC, X.id DESC",
            AppSort::OldestFirst => "X.created_at ASC, X.id ASC",
            AppSort::NameAz => "X.client_name ASC, X.id ASC",
            AppSort::NameZa => "X.client_name DESC, X.id DESC",
        };
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT p.*, (SELECT COUNT(*) FROM app_scopes s WHERE s.app_id = p.id) AS scope_count FROM (
               SELECT a.id, a.client_id, a.client_code, a.client_name, a.pii_mode, a.created_at FROM apps a",
        );
        push_filter(&mut qb, q);
        qb.push(" ORDER BY ")
            .push(order.replace('X', "a"))
            .push(" LIMIT ")
            .push_bind(q.limit)
            .push(" OFFSET ")
            .push_bind(q.offset)
            .push(") p ORDER BY ")
            .push(order.replace('X', "p"));
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(AppSummary {
                    client_id: row.try_get("client_id")?,
                    client_code: row.try_get("client_code")?,
                    client_name: row.try_get("client_name")?,
                    pii_mode: PiiMode::parse(row.try_get("pii_mode")?).unwrap_or_default(),
                    scope_count: row.try_get("scope_count")?,
                    created_at: from_text(row.try_get("created_at")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The app with this client ID in the account, with its scopes and secrets.
    pub async fn app_detail(
        &self,
        account: &AccountCode,
        client_id: &str,
    ) -> Result<Option<AppDetail>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT a.id, a.client_id, a.client_code, a.client_name, a.pii_mode, a.created_at,
                    u.display_name AS created_by
             FROM apps a LEFT JOIN users u ON u.id = a.created_by
             WHERE a.account_code = $1 AND a.client_id = $2",
        )
        .bind(account.as_str())
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let scopes = sqlx::query_scalar("SELECT scope FROM app_scopes WHERE app_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let secrets = sqlx::query(
            "SELECT s.id, s.description, s.created_at, s.last_used_at, u.display_name AS created_by
             FROM app_secrets s LEFT JOIN users u ON u.id = s.created_by
             WHERE s.app_id = $1 ORDER BY s.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(secret_info)
        .collect::<Result<_, _>>()?;
        Ok(Some(AppDetail {
            id,
            client_id: row.try_get("client_id")?,
            client_code: row.try_get("client_code")?,
            client_name: row.try_get("client_name")?,
            pii_mode: PiiMode::parse(row.try_get("pii_mode")?).unwrap_or_default(),
            scopes,
            created_at: from_text(row.try_get("created_at")?),
            created_by: row.try_get("created_by")?,
            secrets,
        }))
    }

    /// Changes name, personal-data mode and scopes, with the audit row, in one transaction.
    pub async fn update_app(
        &self,
        app_id: i64,
        edit: AppEdit<'_>,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Client IDs are ASCII, so SQL's lower() is enough for them; the name is lower-cased here.
        let update = "UPDATE apps
             SET client_name = $1, search_text = $2 || ' ' || LOWER(client_id), pii_mode = $3
             WHERE id = $4";
        sqlx::query(update)
            .bind(edit.client_name)
            .bind(edit.client_name.to_lowercase())
            .bind(edit.pii_mode.as_str())
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM app_scopes WHERE app_id = $1")
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        insert_scopes(&mut tx, app_id, edit.scopes).await?;
        audit::insert(&mut tx, &audit_entry, &self.now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a secret unless the app already has `MAX_SECRETS_PER_APP`; the count and the insert are one
    /// statement, so concurrent additions cannot overshoot.
    pub async fn add_secret(
        &self,
        app_id: i64,
        secret: NewSecret<'_>,
        created_by: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<(), AddSecretError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let inserted = sqlx::query(
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at, created_by)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
               AND (SELECT COUNT(*) FROM app_secrets WHERE app_id = $1) < $7",
        )
        .bind(app_id)
        .bind(secret.description)
        .bind(secret.lookup_id)
        .bind(&secret.hash.0)
        .bind(self.now_text())
        .bind(created_by)
        .bind(MAX_SECRETS_PER_APP)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_write)?
        .rows_affected();
        if inserted == 0 {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE id = $1")
                .bind(app_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            return Err(if exists == 0 {
                AddSecretError::NoApp
            } else {
                AddSecretError::TooMany
            });
        }
        audit::insert(&mut tx, &audit_entry, &self.now_text())
            .await
            .map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Deletes one secret of the app; false when there was no such secret.
    pub async fn delete_secret(
        &self,
        app_id: i64,
        secret_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let delete = sqlx::query("DELETE FROM app_secrets WHERE id = $1 AND app_id = $2")
            .bind(secret_id)
            .bind(app_id);
        Ok(audit::execute_audited(&self.pool, &self.now_text(), delete, &audit_entry).await? > 0)
    }

    /// Deletes the app; its scopes and secrets go with it (foreign keys cascade), its audit rows stay.
    pub async fn delete_app(
        &self,
        app_id: i64,
        audit_entry: AuditEntry<'_>,
    ) -> Result<bool, StoreError> {
        let delete = sqlx::query("DELETE FROM apps WHERE id = $1").bind(app_id);
        Ok(audit::execute_audited(&self.pool, &self.now_text(), delete, &audit_entry).await? > 0)
    }
}
