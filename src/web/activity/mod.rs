//! The account-wide Activity page (admins): changes to apps and people, sign-ins, filtered by app, user
//! and days, paged; and the same entries as a file (`export`).

mod describe;
mod export;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{AccountAdmin, CurrentUser, Layout, Query, render};
use crate::service::activity::{RangeError, date_range};
use crate::store::AuditFilter;
use crate::web::WebState;
use crate::web::error::AppError;

pub use describe::{EventView, describe};
pub use export::{export_csv, export_jsonl};

pub const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivityParams {
    app: String,
    user: String,
    from: String,
    to: String,
    page: String,
}

/// The filters as typed (trimmed), and the store's filter they make, or why the dates were refused.
struct Filters {
    app: String,
    user: String,
    from: String,
    to: String,
    parsed: Result<AuditFilter, RangeError>,
}

impl Filters {
    fn read(params: &ActivityParams) -> Self {
        let app = params.app.trim().to_owned();
        let user = params.user.trim().to_lowercase();
        let (from, to) = (params.from.trim().to_owned(), params.to.trim().to_owned());
        let parsed = date_range(&from, &to).map(|(from, to)| AuditFilter {
            client_id: (!app.is_empty()).then(|| app.clone()),
            actor_email: (!user.is_empty()).then(|| user.clone()),
            from,
            to,
        });
        Self {
            app,
            user,
            from,
            to,
            parsed,
        }
    }

    /// The query string of these filters (and `page`, when given), for links that keep every filter.
    fn query(&self, page: Option<i64>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("app", &self.app),
            ("user", &self.user),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                q.append_pair(key, value);
            }
        }
        if let Some(page) = page {
            q.append_pair("page", &page.to_string());
        }
        q.finish()
    }
}

#[derive(Template)]
#[template(path = "activity/page.html")]
struct ActivityPage {
    layout: Layout,
    events: Vec<EventView>,
    app: String,
    user: String,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    actors: Vec<String>,
    total: i64,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// The query string the export links carry (`None` while the dates are refused).
    export_query: Option<String>,
}

pub async fn page(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Query(params): Query<ActivityParams>,
) -> Result<Response, AppError> {
    let filters = Filters::read(&params);
    let filter = match filters.parsed.clone() {
        Ok(filter) => filter,
        Err(refused) => return refused_dates(&user, &state, filters, &refused).await,
    };
    let total = state.store.count_audit_records(&filter).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = params.page.parse::<i64>().unwrap_or(1).clamp(1, pages);
    let events = state
        .store
        .audit_records(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await?
        .into_iter()
        .map(describe)
        .collect();
    let link = |page| format!("/activity?{}", filters.query(Some(page)));
    Ok(render(&ActivityPage {
        layout: user.layout("activity"),
        events,
        actors: state.store.audit_actors().await?,
        total,
        page,
        pages,
        prev_url: (page > 1).then(|| link(page - 1)),
        next_url: (page < pages).then(|| link(page + 1)),
        export_query: Some(filters.query(None)),
        from_error: None,
        to_error: None,
        app: filters.app,
        user: filters.user,
        from: filters.from,
        to: filters.to,
    })?
    .into_response())
}

/// The page with the dates it refused, each message above its field, and no entries: a 400, so that
/// neither a person nor a script mistakes it for an empty result.
async fn refused_dates(
    user: &CurrentUser,
    state: &WebState,
    filters: Filters,
    refused: &RangeError,
) -> Result<Response, AppError> {
    let message = Some(refused.to_string());
    let (from_error, to_error) = match refused {
        RangeError::From => (message, None),
        RangeError::To | RangeError::Reversed => (None, message),
    };
    let page = render(&ActivityPage {
        layout: user.layout("activity"),
        events: Vec::new(),
        actors: state.store.audit_actors().await?,
        total: 0,
        page: 1,
        pages: 1,
        prev_url: None,
        next_url: None,
        export_query: None,
        from_error,
        to_error,
        app: filters.app,
        user: filters.user,
        from: filters.from,
        to: filters.to,
    })?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}
