//! An app's standing: suspend, resume, revoke all its tokens. Like every write of an existing app, each
//! needs `If-Match` with the app's ETag; each answers with the app as it is afterwards.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::apps::{app_response, load};
use super::auth::{Caller, Manager};
use super::extract::{IfMatch, Path};
use super::problem::ApiError;
use super::view::App;
use super::write::actor;
use crate::service::apps as service;

/// Suspend an app: the token endpoint refuses it and its access tokens are inactive until it is
/// resumed; its configuration and secrets are kept. An app cannot suspend itself (409).
#[utoipa::path(
    post,
    path = "/api/v1/apps/{client_id}/suspend",
    tag = "apps",
    operation_id = "suspendApp",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    responses((
        status = 200,
        description = "The app, suspended (already suspended: unchanged)",
        body = App,
        headers(("ETag" = String, description = "The app's new ETag"))
    )),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn suspend_app(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let not_on_itself = Some("an app cannot suspend itself");
    let app = checked(&state, &caller, &client_id, &if_match, not_on_itself).await?;
    service::suspend_app(&state, actor(&caller), &app).await?;
    afterwards(&state, &app).await
}

/// Resume a suspended app: its secrets work again, and its tokens not otherwise ended are active again.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{client_id}/resume",
    tag = "apps",
    operation_id = "resumeApp",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    responses((
        status = 200,
        description = "The app, active (already active: unchanged)",
        body = App,
        headers(("ETag" = String, description = "The app's new ETag"))
    )),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn resume_app(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let app = checked(&state, &caller, &client_id, &if_match, None).await?;
    service::resume_app(&state, actor(&caller), &app).await?;
    afterwards(&state, &app).await
}

/// Revoke every token the app holds: access tokens issued up to now (within the same second included)
/// become inactive, a store app's grants and refresh tokens end; its secrets are kept, and tokens
/// obtained afterwards work. An app cannot revoke its own tokens here (409): the token of this very
/// request would end with them.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{client_id}/revoke-tokens",
    tag = "apps",
    operation_id = "revokeAppTokens",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    responses((
        status = 200,
        description = "The app (its ETag unchanged: revoking changes none of its settings)",
        body = App,
        headers(("ETag" = String, description = "The app's ETag"))
    )),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn revoke_tokens(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let not_on_itself = Some(
        "an app cannot revoke its own tokens through the API; ask an admin or use another app",
    );
    let app = checked(&state, &caller, &client_id, &if_match, not_on_itself).await?;
    service::revoke_tokens(&state, actor(&caller), &app).await?;
    afterwards(&state, &app).await
}

/// What every action here checks first: the app exists, `If-Match` holds its ETag, and, when
/// `not_on_itself` says why, the caller is not the app itself. The app's client ID, as stored.
async fn checked(
    state: &ApiState,
    caller: &Caller,
    client_id: &str,
    if_match: &IfMatch,
    not_on_itself: Option<&str>,
) -> Result<String, ApiError> {
    let app = load(state, client_id).await?;
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    if let Some(why) = not_on_itself
        && app.client_id == caller.client_id
    {
        return Err(ApiError::Conflict(why.into()));
    }
    Ok(app.client_id)
}

/// The app as the action left it, with its ETag.
async fn afterwards(state: &ApiState, client_id: &str) -> Result<Response, ApiError> {
    let app = load(state, client_id).await?;
    Ok(app_response(state, &app).into_response())
}
