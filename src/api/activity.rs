//! Reading the activity: the audit log, newest first, filtered by app or by actor, paged.

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
use crate::store::AuditFilter;

/// Events a page, as on the dashboard's Activity.
pub const PAGE_SIZE: i64 = 50;

/// `?client_id=&actor=&page=`.
#[derive(Deserialize, IntoParams, Debug, Default)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Only events about this app.
    pub client_id: Option<String>,
    /// Only events by this actor: a person's email, `app:{client_id}` or `cli`.
    pub actor: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
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
    let filter = AuditFilter {
        client_id: params.client_id.filter(|c| !c.is_empty()),
        actor_email: params.actor.filter(|a| !a.is_empty()),
    };
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
