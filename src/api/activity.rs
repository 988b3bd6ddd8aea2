//! Reading the activity: the audit log, newest first, filtered by app, actor and days, paged; or all of
//! it as one streamed file (CSV or JSON Lines).

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::apps::page_number;
use super::auth::Reader;
use super::extract::Query;
use super::problem::ApiError;
use super::view::{Paging, rfc3339};
use super::{ApiState, json};
use crate::domain::RecordedEvent;
use crate::http::download;
use crate::service::activity::{ExportFormat, date_range, export};
use crate::store::AuditFilter;

/// Events a page, as on the dashboard's Activity.
pub const PAGE_SIZE: i64 = 50;

/// `?client_id=&actor=&from=&to=&page=`.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Only events about this app.
    pub client_id: Option<String>,
    /// Only events by this actor: a person's email, `app:{client_id}` or `cli`.
    pub actor: Option<String>,
    /// Only events on or after this day (UTC), `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Only events on or before this day (UTC), `YYYY-MM-DD`; not before `from`.
    #[param(format = Date)]
    pub to: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
}

/// The store's filter for these parameters; a 400 naming the date that cannot be read.
fn filter(
    client_id: Option<String>,
    actor: Option<String>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<AuditFilter, ApiError> {
    let (from, to) = date_range(from.unwrap_or(""), to.unwrap_or(""))
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(AuditFilter {
        client_id: client_id.filter(|c| !c.is_empty()),
        actor_email: actor.filter(|a| !a.is_empty()),
        from,
        to,
    })
}

/// One recorded event.
#[derive(Serialize, ToSchema, Debug)]
pub struct Event {
    #[schema(format = DateTime)]
    pub at: String,
    /// Who did it: a person's email, `app:{client_id}` for an app through this API; `null` when
    /// unknown.
    pub actor: Option<String>,
    pub source_addr: Option<String>,
    /// The app it concerns, if any.
    pub client_id: Option<String>,
    #[schema(example = "app.created")]
    pub action: String,
    /// The event's details (what changed), as recorded; `null` when this version cannot read them.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct EventPage {
    pub items: Vec<Event>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// List the activity, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/activity",
    tag = "activity",
    operation_id = "listActivity",
    params(ActivityParams),
    responses((status = 200, description = "One page of events, newest first", body = EventPage)),
    security(("oauth2" = ["frontdesk:apps.read"]), ("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn list_activity(
    _: Reader,
    State(state): State<ApiState>,
    Query(params): Query<ActivityParams>,
) -> Result<Response, ApiError> {
    let page = page_number(params.page)?;
    let filter = filter(
        params.client_id,
        params.actor,
        params.from.as_deref(),
        params.to.as_deref(),
    )?;
    let total = state.store.count_audit_records(&filter).await?;
    let (paging, offset) = Paging::of(total, page, PAGE_SIZE);
    let records = if page > paging.pages {
        Vec::new()
    } else {
        state
            .store
            .audit_records(&filter, PAGE_SIZE, offset)
            .await?
    };
    let items = records
        .into_iter()
        .map(|r| {
            let (action, details) = match r.event {
                RecordedEvent::Known(event) => {
                    (event.action().as_str().to_owned(), event.details().ok())
                }
                RecordedEvent::Unreadable { action } => (action, None),
            };
            Event {
                at: rfc3339(r.at),
                actor: r.actor_email,
                source_addr: r.source_addr,
                client_id: r.client_id,
                action,
                details,
            }
        })
        .collect();
    Ok(json(&EventPage { items, paging }))
}

/// The shape of an export.
#[derive(Deserialize, ToSchema, Debug, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `text/csv`, a header line first.
    #[default]
    Csv,
    /// `application/x-ndjson`, one JSON object a line.
    Jsonl,
}

/// `?format=&client_id=&actor=&from=&to=`.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (the default) or `jsonl`.
    #[param(inline)]
    pub format: Format,
    /// Only events about this app.
    pub client_id: Option<String>,
    /// Only events by this actor.
    pub actor: Option<String>,
    /// Only events on or after this day (UTC), `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Only events on or before this day (UTC), `YYYY-MM-DD`.
    #[param(format = Date)]
    pub to: Option<String>,
}

/// Export the activity: every matching event, newest first, as one streamed file with the columns id,
/// at, actor, source_addr, action, client_id, details (JSON). CSV cells that a spreadsheet would read
/// as a formula start with `'`.
#[utoipa::path(
    get,
    path = "/api/v1/activity/export",
    tag = "activity",
    operation_id = "exportActivity",
    params(ExportParams),
    responses((status = 200, description = "Every matching event, newest first (Content-Disposition: attachment)",
        content((String = "text/csv"), (String = "application/x-ndjson")))),
    security(("oauth2" = ["frontdesk:apps.read"]), ("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn export_activity(
    _: Reader,
    State(state): State<ApiState>,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let filter = filter(
        params.client_id,
        params.actor,
        params.from.as_deref(),
        params.to.as_deref(),
    )?;
    let format = match params.format {
        Format::Csv => ExportFormat::Csv,
        Format::Jsonl => ExportFormat::JsonLines,
    };
    let file_name = format.file_name(state.clock.now().date());
    let body = Body::from_stream(export(state.store.clone(), filter, format));
    Ok(download(format.content_type(), &file_name, body))
}
