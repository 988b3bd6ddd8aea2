//! The Connected apps list: one page of an account's apps, searched and sorted, and how many match.

use sqlx::QueryBuilder;
use time::{Duration, OffsetDateTime};

use crate::domain::{AccountCode, AppKind, EXPIRY_WARNING_DAYS, PiiMode};
use crate::store::{Store, StoreError, from_text, to_text};

/// A row of the Connected apps list.
#[derive(Debug, Clone)]
pub struct AppSummary {
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scope_count: i64,
    pub created_at: OffsetDateTime,
    /// The soonest expiry among its secrets (past ones included); `None` when none expires.
    pub next_expiry: Option<OffsetDateTime>,
    pub suspended: bool,
}

/// Which apps the list shows, by the state of their secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppFilter {
    #[default]
    All,
    /// A secret expires within `EXPIRY_WARNING_DAYS` and has not yet.
    ExpiringSoon,
    /// A secret has expired.
    Expired,
    /// No secret used for `UNUSED_DAYS` (or never, and the app is older than that).
    Unused,
}

/// An app counts as dormant after this many days without a token.
pub const UNUSED_DAYS: i64 = 90;

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
    /// Connected apps lists custom apps, My store apps the store apps.
    pub kind: AppKind,
    /// Case-insensitive substring of the name, client ID or client code.
    pub search: Option<&'a str>,
    pub sort: AppSort,
    pub filter: AppFilter,
    pub limit: i64,
    pub offset: i64,
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What the list's search looks in: name and client ID (which holds the client code), lower-cased here
/// rather than in SQL, whose `lower()` knows only ASCII.
pub(super) fn search_text(client_name: &str, client_id: &str) -> String {
    format!("{client_name} {client_id}").to_lowercase()
}

fn push_filter<'a, DB: sqlx::Database>(
    qb: &mut QueryBuilder<'a, DB>,
    q: &AppQuery<'_>,
    now: OffsetDateTime,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" WHERE a.account_code = ")
        .push_bind(q.account.as_str().to_owned())
        .push(" AND a.kind = ")
        .push_bind(q.kind.as_str().to_owned());
    if let Some(search) = q.search {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        qb.push(" AND a.search_text LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\'");
    }
    match q.filter {
        AppFilter::All => {}
        AppFilter::ExpiringSoon => {
            let soon = now + Duration::days(EXPIRY_WARNING_DAYS);
            qb.push(" AND EXISTS (SELECT 1 FROM app_secrets s WHERE s.app_id = a.id AND s.expires_at > ")
                .push_bind(to_text(now))
                .push(" AND s.expires_at <= ")
                .push_bind(to_text(soon))
                .push(")");
        }
        AppFilter::Expired => {
            qb.push(" AND EXISTS (SELECT 1 FROM app_secrets s WHERE s.app_id = a.id AND s.expires_at <= ")
                .push_bind(to_text(now))
                .push(")");
        }
        AppFilter::Unused => {
            let cutoff = to_text(now - Duration::days(UNUSED_DAYS));
            // The newest use is older than the cutoff, or there was none and the app is older.
            qb.push(" AND NOT EXISTS (SELECT 1 FROM app_secrets s WHERE s.app_id = a.id AND s.last_used_at >= ")
                .push_bind(cutoff.clone())
                .push(") AND (a.created_at < ")
                .push_bind(cutoff)
                .push(" OR EXISTS (SELECT 1 FROM app_secrets s WHERE s.app_id = a.id AND s.last_used_at IS NOT NULL))");
        }
    }
}

impl Store {
    /// How many apps match the query's filter (for pagination).
    pub async fn count_apps(&self, q: &AppQuery<'_>) -> Result<i64, StoreError> {
        if !q.search.is_none_or(crate::store::searchable) {
            return Ok(0);
        }
        let now = self.now_seconds();
        Ok(on_db!(&self.pool, p => {
            let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM apps a");
            push_filter(&mut qb, q, now);
            qb.build_query_scalar().fetch_one(p).await
        })?)
    }

    /// One page of the account's apps. The page is chosen first (by index), then only its rows get their
    /// scopes counted, so the cost does not grow with the number of apps.
    pub async fn list_apps(&self, q: &AppQuery<'_>) -> Result<Vec<AppSummary>, StoreError> {
        if !q.search.is_none_or(crate::store::searchable) {
            return Ok(Vec::new());
        }
        let now = self.now_seconds();
        let order = match q.sort {
            AppSort::NewestFirst => "X.created_at DESC, X.id DESC",
            AppSort::OldestFirst => "X.created_at ASC, X.id ASC",
            AppSort::NameAz => "X.client_name ASC, X.id ASC",
            AppSort::NameZa => "X.client_name DESC, X.id DESC",
        };
        type Row = (
            String,
            String,
            String,
            String,
            i64,
            String,
            Option<String>,
            bool,
        );
        let rows: Vec<Row> = on_db!(&self.pool, p => {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT p.client_id, p.client_code, p.client_name, p.pii_mode,
                        (SELECT COUNT(*) FROM app_scopes s WHERE s.app_id = p.id) AS scope_count,
                        p.created_at,
                        (SELECT MIN(s.expires_at) FROM app_secrets s WHERE s.app_id = p.id),
                        p.suspended_at IS NOT NULL
                 FROM (SELECT a.id, a.client_id, a.client_code, a.client_name, a.pii_mode,
                              a.created_at, a.suspended_at
                       FROM apps a",
            );
            push_filter(&mut qb, q, now);
            qb.push(" ORDER BY ")
                .push(order.replace('X', "a"))
                .push(" LIMIT ")
                .push_bind(q.limit)
                .push(" OFFSET ")
                .push_bind(q.offset)
                .push(") p ORDER BY ")
                .push(order.replace('X', "p"));
            qb.build_query_as().fetch_all(p).await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    client_id,
                    client_code,
                    client_name,
                    pii_mode,
                    scope_count,
                    created_at,
                    expiry,
                    suspended,
                )| {
                    AppSummary {
                        client_id,
                        client_code,
                        client_name,
                        pii_mode: PiiMode::parse(&pii_mode).unwrap_or_default(),
                        scope_count,
                        created_at: from_text(&created_at),
                        next_expiry: expiry.as_deref().map(from_text),
                        suspended,
                    }
                },
            )
            .collect())
    }
}
