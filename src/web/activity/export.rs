//! The Activity page's entries as a file: `/activity/export.csv` and `/activity/export.jsonl`, with the
//! page's filters, every page, newest first, streamed batch by batch (`service::activity::export`).

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;

use super::{ActivityParams, Filters, refused_dates};
use crate::http::download;
use crate::service::activity::{ExportFormat, export};
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Query, WebState};

pub async fn export_csv(
    admin: AccountAdmin,
    state: State<WebState>,
    params: Query<ActivityParams>,
) -> Result<Response, AppError> {
    export_as(admin, state, params, ExportFormat::Csv).await
}

pub async fn export_jsonl(
    admin: AccountAdmin,
    state: State<WebState>,
    params: Query<ActivityParams>,
) -> Result<Response, AppError> {
    export_as(admin, state, params, ExportFormat::JsonLines).await
}

async fn export_as(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Query(params): Query<ActivityParams>,
    format: ExportFormat,
) -> Result<Response, AppError> {
    let filters = Filters::read(&params);
    let filter = match filters.parsed.clone() {
        Ok(filter) => filter,
        Err(refused) => return refused_dates(&user, &state, filters, &refused).await,
    };
    let file_name = format.file_name(state.clock.now().date());
    let body = Body::from_stream(export(state.store.clone(), filter, format));
    Ok(download(format.content_type(), &file_name, body))
}
