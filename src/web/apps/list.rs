//! The Connected apps list (search, sort, pages of 50, all kept in the URL) and the page form of the
//! "Add a new app" dialog.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use super::connections::{ConnectionRow, connection_rows};
use super::{ExpiryView, Moment, list_url};
use crate::domain::AppKind;
use crate::store::{AppFilter, AppQuery, AppSort};
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CurrentUser, Layout, Query, render};

pub const PAGE_SIZE: i64 = 50;

pub struct AppRow {
    pub client_name: String,
    pub client_id: String,
    pub scope_count: i64,
    pub pii_label: &'static str,
    pub created: Moment,
    /// Its secrets' soonest expiry.
    pub expiry: Option<ExpiryView>,
    pub suspended: bool,
}

/// The list's state, as the URL holds it: `?q=&filter=&sort=&page=`.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub filter: String,
    pub sort: String,
    pub page: String,
}

/// The list's filters by the state of the apps' secrets.
const FILTERS: [(&str, &str, AppFilter); 4] = [
    ("all", "All apps", AppFilter::All),
    ("expiring-soon", "Expiring soon", AppFilter::ExpiringSoon),
    ("expired", "Expired", AppFilter::Expired),
    ("unused", "Not used for 90 days", AppFilter::Unused),
];

pub struct SortChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

const SORTS: [(&str, &str, AppSort); 4] = [
    ("newest", "Newest first", AppSort::NewestFirst),
    ("oldest", "Oldest first", AppSort::OldestFirst),
    ("name", "Name A–Z", AppSort::NameAz),
    ("name_desc", "Name Z–A", AppSort::NameZa),
];

#[derive(Template)]
#[template(path = "apps/connected-apps/list.html")]
struct ListPage {
    layout: Layout,
    account_code: String,
    apps: Vec<AppRow>,
    search: String,
    sorts: Vec<SortChoice>,
    filters: Vec<SortChoice>,
    /// A filter other than All is chosen.
    filtered: bool,
    total: i64,
    first_shown: i64,
    last_shown: i64,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// Store apps people in the account have authorized, beside the custom apps.
    connections: Vec<ConnectionRow>,
}

pub async fn list(
    user: CurrentUser,
    State(state): State<WebState>,
    Query(params): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let search = params.q.trim();
    let (sort_key, sort) = SORTS
        .iter()
        .find(|(key, _, _)| *key == params.sort)
        .map(|(key, _, sort)| (*key, *sort))
        .unwrap_or(("newest", AppSort::NewestFirst));
    let (filter_key, filter) = FILTERS
        .iter()
        .find(|(key, _, _)| *key == params.filter)
        .map(|(key, _, filter)| (*key, *filter))
        .unwrap_or(("all", AppFilter::All));
    let requested_page = params.page.parse::<i64>().unwrap_or(1).max(1);
    let now = state.clock.now();

    let mut query = AppQuery {
        account: &state.config.account_code,
        kind: AppKind::Custom,
        search: (!search.is_empty()).then_some(search),
        sort,
        filter,
        limit: PAGE_SIZE,
        offset: 0,
    };
    let total = state.store.count_apps(&query).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = requested_page.min(pages);
    query.offset = (page - 1) * PAGE_SIZE;
    let apps: Vec<AppRow> = state
        .store
        .list_apps(&query)
        .await?
        .into_iter()
        .map(|a| AppRow {
            created: Moment::of(a.created_at),
            client_name: a.client_name,
            client_id: a.client_id,
            scope_count: a.scope_count,
            pii_label: a.pii_mode.label(),
            expiry: a.next_expiry.map(|at| ExpiryView::of(at, now)),
            suspended: a.suspended,
        })
        .collect();
    let shown = i64::try_from(apps.len()).unwrap_or(0);
    render(&ListPage {
        layout: user.layout("connected-apps"),
        account_code: state.config.account_code.to_string(),
        first_shown: if shown == 0 { 0 } else { query.offset + 1 },
        last_shown: query.offset + shown,
        apps,
        search: search.to_owned(),
        sorts: SORTS
            .iter()
            .map(|(value, label, _)| SortChoice {
                value,
                label,
                selected: *value == sort_key,
            })
            .collect(),
        filters: FILTERS
            .iter()
            .map(|(value, label, _)| SortChoice {
                value,
                label,
                selected: *value == filter_key,
            })
            .collect(),
        filtered: filter != AppFilter::All,
        total,
        page,
        pages,
        prev_url: (page > 1).then(|| list_url(search, filter_key, sort_key, page - 1)),
        next_url: (page < pages).then(|| list_url(search, filter_key, sort_key, page + 1)),
        connections: connection_rows(&state).await?,
    })
}

#[derive(Template)]
#[template(path = "apps/connected-apps/new.html")]
struct ChoosePage {
    layout: Layout,
}

/// Without JavaScript, "Add a new app" leads here: the dialog's choice as a page.
pub async fn choose(AccountAdmin(user): AccountAdmin) -> Result<Html<String>, AppError> {
    render(&ChoosePage {
        layout: user.layout("connected-apps"),
    })
}
