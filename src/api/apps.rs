//! Reading apps: the list (searched, sorted and paged as the dashboard's Connected apps) and one app
//! with its ETag.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Reader;
use super::extract::{Path, Query};
use super::problem::ApiError;
use super::view::{App, AppListItem, Paging};
use super::{ApiState, json};
use crate::domain::AppKind;
use crate::store::{AppDetail, AppFilter, AppQuery, AppSort};

/// Apps a page, as on the dashboard.
pub const PAGE_SIZE: i64 = 50;

/// The list's order, as the dashboard's `sort`.
#[derive(Deserialize, ToSchema, Debug, Clone, Copy, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    Name,
    NameDesc,
}

/// Which apps to list, by the state of their secrets, as the dashboard's `filter`.
#[derive(Deserialize, ToSchema, Debug, Clone, Copy, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Filter {
    #[default]
    All,
    /// A secret expires within 14 days (and has not yet).
    ExpiringSoon,
    /// A secret has expired.
    Expired,
    /// No token obtained for 90 days (or never, by an app older than that).
    Unused,
}

/// `?q=&filter=&sort=&page=`, as the dashboard's list takes them.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Part of the name, client ID or client code (case-insensitive).
    pub q: Option<String>,
    #[param(inline)]
    pub filter: Option<Filter>,
    #[param(inline)]
    pub sort: Option<Sort>,
    /// From 1; a page past the last is empty.
    #[param(minimum = 1)]
    pub page: Option<i64>,
}

/// A page of the custom apps.
#[derive(Serialize, ToSchema, Debug)]
pub struct AppPage {
    pub items: Vec<AppListItem>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// A page number from the query: at least 1.
pub fn page_number(page: Option<i64>) -> Result<i64, ApiError> {
    match page {
        None => Ok(1),
        Some(p) if p >= 1 => Ok(p),
        Some(_) => Err(ApiError::BadRequest("page counts from 1".into())),
    }
}

/// List the custom apps.
#[utoipa::path(
    get,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "listApps",
    params(ListParams),
    responses((status = 200, description = "One page of the custom apps", body = AppPage)),
    security(("oauth2" = ["frontdesk:apps.read"]), ("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn list_apps(
    _: Reader,
    State(state): State<ApiState>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let page = page_number(params.page)?;
    let search = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut query = AppQuery {
        account: &state.config.account_code,
        kind: AppKind::Custom,
        search,
        sort: match params.sort.unwrap_or_default() {
            Sort::Newest => AppSort::NewestFirst,
            Sort::Oldest => AppSort::OldestFirst,
            Sort::Name => AppSort::NameAz,
            Sort::NameDesc => AppSort::NameZa,
        },
        filter: match params.filter.unwrap_or_default() {
            Filter::All => AppFilter::All,
            Filter::ExpiringSoon => AppFilter::ExpiringSoon,
            Filter::Expired => AppFilter::Expired,
            Filter::Unused => AppFilter::Unused,
        },
        limit: PAGE_SIZE,
        offset: 0,
    };
    let total = state.store.count_apps(&query).await?;
    let (paging, offset) = Paging::of(total, page, PAGE_SIZE);
    query.offset = offset;
    let items = if page > paging.pages {
        Vec::new()
    } else {
        let apps = state.store.list_apps(&query).await?;
        apps.into_iter().map(AppListItem::from).collect()
    };
    Ok(json(&AppPage { items, paging }))
}

/// The app with this client ID in the account, or 404.
pub async fn load(state: &ApiState, client_id: &str) -> Result<AppDetail, ApiError> {
    state
        .store
        .app_detail(&state.config.account_code, client_id)
        .await?
        .ok_or(ApiError::NotFound("app"))
}

/// An app and its ETag, as `GET` answers.
pub fn app_response(state: &ApiState, app: &AppDetail) -> Response {
    let view = App::of(app, &state.catalog);
    let etag = view.etag();
    let mut response = json(&view);
    if let Ok(value) = etag.parse() {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Read an app; its `ETag` is what writes send back in `If-Match`.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{client_id}",
    tag = "apps",
    operation_id = "getApp",
    params(("client_id" = String, Path, description = "The app's client ID")),
    responses((
        status = 200,
        description = "The app",
        body = App,
        headers(("ETag" = String, description = "Strong validator of the app, for If-Match"))
    )),
    security(("oauth2" = ["frontdesk:apps.read"]), ("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn get_app(
    _: Reader,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    Ok(app_response(&state, &app).into_response())
}
